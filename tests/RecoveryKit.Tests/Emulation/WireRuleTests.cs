using RecoveryKit.Ata;
using RecoveryKit.Emulation;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Emulation;

/// <summary>Wire rules at the edges: who answers for an absent device, and which commands a busy device ignores.</summary>
public sealed class WireRuleTests
{
    [Fact]
    public void Absent_master_with_a_slave_present_floats_at_FFh_when_selected()
    {
        var slave = Wire.LiteOn();
        var wire = new Wire(null, slave);

        wire.Channel.Write(TaskFileRegister.Device, 0xA0);

        // Only device 0 answers for an absent device 1 (ATA/ATAPI-6); device 1 never answers for device 0.
        Assert.Equal(0xFF, wire.Channel.Read(TaskFileRegister.StatusCommand));
        Assert.Equal(0xFF, wire.Channel.ReadAlternateStatus());
        Assert.Equal(0xFF, wire.Channel.Read(TaskFileRegister.LbaMid));
        Assert.False(wire.Host.RegistersHoldValues(DeviceSelect.Master));
        Assert.True(wire.Host.RegistersHoldValues(DeviceSelect.Slave));
    }

    [Fact]
    public void Execute_device_diagnostic_is_recorded_by_both_devices_whichever_is_selected()
    {
        var master = Wire.LiteOn();
        var disk = Wire.Disk();
        var wire = new Wire(master, disk);

        wire.Host.ExecuteDeviceDiagnostic();

        Assert.Equal([AtaCommand.ExecuteDeviceDiagnostic], master.CommandsReceived);
        Assert.Equal([AtaCommand.ExecuteDeviceDiagnostic], disk.CommandsReceived);
    }

    [Fact]
    public void Execute_device_diagnostic_written_while_bsy_is_ignored()
    {
        var wire = new Wire(Wire.LiteOn());
        wire.Channel.Write(TaskFileRegister.StatusCommand, AtaCommand.IdentifyPacketDevice);
        Assert.NotEqual(0, wire.Channel.ReadAlternateStatus() & (byte)AtaStatus.Busy);

        wire.Channel.Write(TaskFileRegister.StatusCommand, AtaCommand.ExecuteDeviceDiagnostic);

        var status = wire.SpinUntilNotBusy();
        Assert.NotEqual(0, status & (byte)AtaStatus.DataRequest); // IDENTIFY PACKET DEVICE carried on
        Span<ushort> words = stackalloc ushort[256];
        wire.Channel.ReadData(words);
        Assert.Equal(0x85C0, words[0]);
    }

    [Fact]
    public void Execute_device_diagnostic_master_reports_81h_when_a_busy_slave_ignored_it()
    {
        var slave = Wire.LiteOn();
        var wire = new Wire(Wire.LiteOn(), slave);
        wire.Channel.Write(TaskFileRegister.Device, 0xB0);
        wire.Channel.Write(TaskFileRegister.StatusCommand, AtaCommand.IdentifyPacketDevice); // slave busy for a while
        wire.Channel.Write(TaskFileRegister.Device, 0xA0);

        wire.Channel.Write(TaskFileRegister.StatusCommand, AtaCommand.ExecuteDeviceDiagnostic);
        wire.SpinUntilNotBusy();

        Assert.Equal(0x81, wire.Channel.Read(TaskFileRegister.ErrorFeatures));
    }

    [Fact]
    public void Device_reset_written_to_a_busy_hard_disk_is_ignored_because_only_packet_devices_accept_it_while_bsy()
    {
        var disk = Wire.Disk();
        var wire = new Wire(disk);
        wire.Channel.Write(TaskFileRegister.StatusCommand, AtaCommand.IdentifyDevice);
        Assert.NotEqual(0, wire.Channel.ReadAlternateStatus() & (byte)AtaStatus.Busy);

        wire.Channel.Write(TaskFileRegister.StatusCommand, AtaCommand.DeviceReset);

        // Still busy with IDENTIFY DEVICE: no abort status shows up in the middle of it.
        Assert.NotEqual(0, wire.Channel.ReadAlternateStatus() & (byte)AtaStatus.Busy);
        var status = wire.SpinUntilNotBusy();
        Assert.Equal(0, status & (byte)AtaStatus.Error);
        Assert.NotEqual(0, status & (byte)AtaStatus.DataRequest);
        Span<ushort> words = stackalloc ushort[256];
        wire.Channel.ReadData(words);
        Assert.Equal("ST340016A", IdentifyData.AtaString(words.Slice(27, 20)));
        Assert.Equal(0, wire.Channel.ReadAlternateStatus() & (byte)(AtaStatus.DataRequest | AtaStatus.Error | AtaStatus.Busy));
    }

    [Fact]
    public void Device_reset_to_an_idle_hard_disk_is_aborted()
    {
        var wire = new Wire(Wire.Disk());

        wire.Channel.Write(TaskFileRegister.StatusCommand, AtaCommand.DeviceReset);

        Assert.NotEqual(0, wire.Channel.ReadAlternateStatus() & (byte)AtaStatus.Error);
        Assert.Equal(AtaError.Aborted, wire.Channel.Read(TaskFileRegister.ErrorFeatures));
    }
}
