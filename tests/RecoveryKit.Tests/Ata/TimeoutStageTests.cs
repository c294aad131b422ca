using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Packet;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Ata;

/// <summary>Every wait has a limit, and running into it names the stage, the status seen, a cause and advice.</summary>
public sealed class TimeoutStageTests
{
    private static readonly AtaTimeouts Short = new()
    {
        NotBusy = TimeSpan.FromMilliseconds(50),
        Reset = TimeSpan.FromMilliseconds(80),
        Command = TimeSpan.FromMilliseconds(60),
        Packet = TimeSpan.FromMilliseconds(70),
    };

    private static Wire StuckBusy() => new(new VirtualDeadDevice(DeadDeviceBehaviour.StuckBusy), timeouts: Short);

    private static Failure AssertTimeout(string stage, byte status, Action action)
    {
        var ex = Assert.Throws<RecoveryKitException>(action);
        var failure = ex.Failure;
        Assert.Equal(stage, failure.Stage);
        Assert.Equal(FailureKind.DeviceTimeout, failure.Kind);
        Assert.Equal(status, failure.Status);
        Assert.False(string.IsNullOrWhiteSpace(failure.Cause));
        Assert.False(string.IsNullOrWhiteSpace(failure.Advice));
        Assert.Contains($"{status:X2}h", failure.Cause, StringComparison.Ordinal);
        return failure;
    }

    [Fact]
    public void Packet_select_times_out_on_a_stuck_busy_device_with_stage_packet_select()
    {
        var wire = StuckBusy();
        var start = wire.Clock.Now;

        var failure = AssertTimeout("packet-select", 0x80, () => ScsiCommands.Inquiry(wire.Packet()));

        Assert.True(wire.Clock.Now - start >= Short.NotBusy);
        Assert.Contains("50 ms", failure.Cause, StringComparison.Ordinal);
        Assert.DoesNotContain(wire.Recorder.Log, a => a is { Kind: AccessKind.Write, Register: TaskFileRegister.StatusCommand });
    }

    [Fact]
    public void Packet_data_times_out_when_the_drive_stays_busy_after_the_cdb_with_stage_packet_data()
    {
        var drive = Wire.LiteOn();
        drive.CommandTime = TimeSpan.FromSeconds(100);
        var wire = new Wire(drive, timeouts: Short);

        var failure = AssertTimeout("packet-data", 0x80,
            () => wire.Packet().Execute([ScsiOpcode.TestUnitReady, 0, 0, 0, 0, 0], [], DataDirection.None, TimeSpan.FromSeconds(2)));

        Assert.Contains("2 s", failure.Cause, StringComparison.Ordinal);
        Assert.Equal([ScsiOpcode.TestUnitReady], drive.PacketOpcodes);
    }

    [Fact]
    public void Soft_reset_times_out_on_a_stuck_busy_master_with_stage_soft_reset()
    {
        var wire = StuckBusy();

        var failure = AssertTimeout("soft-reset", 0x80, () => wire.Host.SoftReset());

        Assert.Contains("power-cycle", failure.Advice, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Device_reset_times_out_on_a_stuck_busy_device_with_stage_device_reset()
    {
        var wire = StuckBusy();
        var start = wire.Clock.Now;

        AssertTimeout("device-reset", 0x80, () => wire.Host.DeviceReset(DeviceSelect.Master));

        Assert.True(wire.Clock.Now - start >= Short.Reset);
    }

    [Fact]
    public void Identify_packet_device_times_out_on_a_stuck_busy_device_with_stage_identify_packet_device()
    {
        var wire = StuckBusy();

        AssertTimeout("identify-packet-device", 0x80, () => wire.Host.Identify(DeviceSelect.Master, AtaCommand.IdentifyPacketDevice));
    }

    [Fact]
    public void Identify_device_times_out_on_a_stuck_busy_device_with_stage_identify_device()
    {
        var wire = StuckBusy();

        AssertTimeout("identify-device", 0x80, () => wire.Host.Identify(DeviceSelect.Master, AtaCommand.IdentifyDevice));
    }

    [Fact]
    public void Diagnostic_times_out_on_a_stuck_busy_master_with_stage_diagnostic()
    {
        var wire = StuckBusy();

        AssertTimeout("diagnostic", 0x80, () => wire.Host.ExecuteDeviceDiagnostic());
    }

    [Fact]
    public void A_timeout_on_a_7f_bus_names_status_7F_and_advises_on_a_dead_drive()
    {
        var wire = new Wire(new VirtualDeadDevice(DeadDeviceBehaviour.Reads7F), timeouts: Short);

        var failure = AssertTimeout("packet-select", 0x7F, () => ScsiCommands.Inquiry(wire.Packet()));

        Assert.Contains("7Fh", failure.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void A_30_second_timeout_costs_virtual_time_only_with_a_bounded_number_of_register_reads()
    {
        var wire = new Wire(new VirtualDeadDevice(DeadDeviceBehaviour.StuckBusy), timeouts: new AtaTimeouts { Reset = TimeSpan.FromSeconds(30) });
        var start = wire.Clock.Now;

        var failure = AssertTimeout("device-reset", 0x80, () => wire.Host.DeviceReset(DeviceSelect.Master));

        Assert.True(wire.Clock.Now - start >= TimeSpan.FromSeconds(30), $"virtual clock advanced only {wire.Clock.Now - start}");
        Assert.InRange(wire.Recorder.ByteReads, 1, 99_999);
        Assert.Contains("30 s", failure.Cause, StringComparison.Ordinal);
    }
}
