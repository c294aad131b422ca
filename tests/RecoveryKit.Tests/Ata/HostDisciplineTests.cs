using RecoveryKit.Ata;
using RecoveryKit.Discovery;
using RecoveryKit.Emulation;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Ata;

/// <summary>
/// Rules the host must keep on every path (ATA/ATAPI-6 §9): settle 400 ns after selecting, and never write a
/// command (other than DEVICE RESET) without having seen BSY and DRQ clear on the selected device.
/// Checked over whole probes, so a new code path that breaks them fails here.
/// </summary>
public sealed class HostDisciplineTests
{
    public static TheoryData<string> Channels => ["disk+drive", "drive+none", "none+drive", "disk+stuck", "none+none"];

    public static TheoryData<string> ChannelsWithADevice => ["disk+drive", "drive+none", "none+drive", "disk+stuck", "drive+drive"];

    private static Wire Build(string layout)
    {
        VirtualDevice? Make(string name) => name switch
        {
            "disk" => Wire.Disk(),
            "drive" => Wire.LiteOn(),
            "stuck" => new VirtualDeadDevice(DeadDeviceBehaviour.StuckBusy),
            _ => null,
        };
        var parts = layout.Split('+');
        return new Wire(Make(parts[0]), Make(parts[1]), AtaTimeouts.Scan);
    }

    [Theory]
    [MemberData(nameof(Channels))]
    public void Every_device_select_is_followed_by_four_alternate_status_reads(string layout)
    {
        var wire = Build(layout);

        ChannelProbe.Probe(wire.Host);

        var log = wire.Recorder.Log;
        var selects = 0;
        for (var i = 0; i < log.Count; i++)
        {
            if (log[i] is not { Kind: AccessKind.Write, Register: TaskFileRegister.Device })
                continue;
            selects++;
            Assert.True(i + 4 < log.Count, $"select at {i} is the last access");
            for (var k = 1; k <= 4; k++)
                Assert.Equal(AccessKind.ReadAlternateStatus, log[i + k].Kind);
        }
        Assert.True(selects >= 2);
    }

    [Theory]
    [MemberData(nameof(ChannelsWithADevice))]
    public void Commands_are_written_only_after_seeing_bsy_and_drq_clear_on_the_selected_device(string layout)
    {
        var wire = Build(layout);

        ChannelProbe.Probe(wire.Host);

        var log = wire.Recorder.Log;
        byte? lastStatusSinceSelect = null;
        var commands = 0;
        foreach (var access in log)
        {
            switch (access)
            {
                case { Kind: AccessKind.Write, Register: TaskFileRegister.Device }:
                    lastStatusSinceSelect = null;
                    break;
                case { Kind: AccessKind.ReadAlternateStatus } or { Kind: AccessKind.Read, Register: TaskFileRegister.StatusCommand }:
                    lastStatusSinceSelect = (byte)access.Value;
                    break;
                case { Kind: AccessKind.Write, Register: TaskFileRegister.StatusCommand } when access.Value != AtaCommand.DeviceReset:
                    commands++;
                    Assert.NotNull(lastStatusSinceSelect);
                    Assert.Equal(0, lastStatusSinceSelect.Value & (byte)(AtaStatus.Busy | AtaStatus.DataRequest));
                    break;
            }
        }
        Assert.True(commands >= 1, "the probe wrote no command, so nothing was checked");
    }
}
