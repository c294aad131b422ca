using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Discovery;
using RecoveryKit.Emulation;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Ata;

/// <summary>
/// Every wait must let time pass by itself: the host may not rely on register reads taking time
/// (a zero-cost virtual port, or a very fast controller). The recorder's access budget fails a runaway loop.
/// </summary>
public sealed class ZeroCostPortTests
{
    private static Wire ZeroCost(VirtualDevice? master, VirtualDevice? slave = null)
    {
        var wire = new Wire(master, slave, AtaTimeouts.Scan);
        wire.Channel.PortCycle = TimeSpan.Zero;
        wire.Recorder.AccessBudget = 200_000;
        return wire;
    }

    [Fact]
    public void Identify_of_an_absent_slave_ends_with_no_response_when_register_accesses_cost_no_time()
    {
        var wire = ZeroCost(Wire.LiteOn());

        var result = wire.Host.Identify(DeviceSelect.Slave, AtaCommand.IdentifyPacketDevice);

        Assert.Equal(IdentifyOutcome.NoResponse, result.Outcome);
        Assert.True(wire.Clock.Now >= AtaTimeouts.Scan.Response);
    }

    [Fact]
    public void Stuck_busy_timeout_ends_when_register_accesses_cost_no_time()
    {
        var wire = ZeroCost(new VirtualDeadDevice(DeadDeviceBehaviour.StuckBusy));

        var ex = Assert.Throws<RecoveryKitException>(() => wire.Host.DeviceReset(DeviceSelect.Master));

        Assert.Equal("device-reset", ex.Failure.Stage);
        Assert.True(wire.Clock.Now >= AtaTimeouts.Scan.Reset);
    }

    [Fact]
    public void Probe_and_inquiry_work_when_register_accesses_cost_no_time()
    {
        var wire = ZeroCost(Wire.Disk(), Wire.LiteOn());

        var results = ChannelProbe.Probe(wire.Host);

        Assert.Equal([DeviceClass.Ata, DeviceClass.Atapi], results.Select(r => r.Class));
        Assert.Equal("VS0C", results[1].Revision);
    }
}
