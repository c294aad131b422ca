using RecoveryKit.Ata;
using RecoveryKit.Transports;

namespace RecoveryKit.Tests.Transports;

/// <summary>Runs against the machine's real primary legacy channel where ioperm is allowed (skipped with the reason elsewhere).</summary>
public class PortIoHardwareTests
{
    [PortIoFact]
    public void Primary_channel_registers_latch_what_is_written_or_float_high()
    {
        using var regs = PortIo.Open(ChannelAddress.Primary);
        regs.Write(TaskFileRegister.Device, DeviceSelect.Master.RegisterValue());
        var status = regs.ReadAlternateStatus();
        if (status == 0xFF)
        {
            // Nothing on the channel: every register reads the pulled-up bus.
            regs.Write(TaskFileRegister.LbaLow, 0x55);
            Assert.Equal(0xFF, regs.Read(TaskFileRegister.LbaLow));
            Assert.Equal(0xFF, regs.Read(TaskFileRegister.StatusCommand));
            return;
        }

        foreach (var pattern in new byte[] { 0x55, 0xAA, 0x2A })
        {
            regs.Write(TaskFileRegister.LbaLow, pattern);
            Assert.Equal(pattern, regs.Read(TaskFileRegister.LbaLow));
        }
    }

    [Fact]
    public void The_probe_gives_a_reason_or_allows_the_test()
    {
        // Here (sandbox/CI) the reason is the point: it must say what refused, e.g. "ioperm refused here: ENOSYS (...)".
        var reason = PortIoFactAttribute.ProbeRefusal();
        if (reason is not null)
            Assert.Matches("needs|lockdown|ioperm refused here: [A-Z]+", reason);
        else
            Assert.Equal(0, RecoveryKit.Transports.Native.PortIoNative.Ioperm(0x80, 1, 0));
    }
}
