using RecoveryKit.Ata;
using RecoveryKit.Emulation;
using RecoveryKit.Packet;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Emulation;

/// <summary>The generic wire: selection, latching, floating bus, INTRQ/nIEN, BSY rules, SRST and time.</summary>
public sealed class VirtualChannelTests
{
    [Fact]
    public void With_nien_set_intrq_is_not_asserted_though_the_device_requested_it()
    {
        var drive = Wire.LiteOn();
        var wire = new Wire(drive);
        wire.Channel.WriteDeviceControl(DeviceControl.InterruptsDisabled);

        wire.Channel.Write(TaskFileRegister.StatusCommand, AtaCommand.IdentifyDevice); // aborted at once, with an interrupt

        Assert.True(drive.InterruptRequested);
        Assert.False(wire.Channel.InterruptPending);
        wire.Channel.WriteDeviceControl(0x00);
        Assert.True(wire.Channel.InterruptPending);
    }

    [Fact]
    public void With_nien_clear_intrq_is_asserted_at_command_completion()
    {
        var wire = new Wire(Wire.LiteOn());
        wire.Channel.WriteDeviceControl(0x00);
        Assert.False(wire.Channel.InterruptPending);

        wire.Channel.Write(TaskFileRegister.StatusCommand, AtaCommand.IdentifyPacketDevice);
        Assert.False(wire.Channel.InterruptPending); // still busy
        wire.SpinUntilNotBusy();

        Assert.True(wire.Channel.InterruptPending); // DRQ for the data block
    }

    [Fact]
    public void Reading_status_clears_intrq_but_reading_alternate_status_does_not()
    {
        var wire = new Wire(Wire.LiteOn());
        wire.Channel.WriteDeviceControl(0x00);
        wire.Channel.Write(TaskFileRegister.StatusCommand, AtaCommand.IdentifyDevice);
        Assert.True(wire.Channel.InterruptPending);

        wire.Channel.ReadAlternateStatus();
        Assert.True(wire.Channel.InterruptPending);
        wire.Channel.Read(TaskFileRegister.ErrorFeatures);
        Assert.True(wire.Channel.InterruptPending);

        wire.Channel.Read(TaskFileRegister.StatusCommand);
        Assert.False(wire.Channel.InterruptPending);
    }

    [Fact]
    public void Absent_slave_reads_status_00h_and_the_master_answers_other_registers()
    {
        var master = Wire.LiteOn();
        var wire = new Wire(master);

        wire.Channel.Write(TaskFileRegister.Device, 0xB0);

        Assert.Equal(DeviceSelect.Slave, wire.Channel.Selected);
        Assert.Equal(0x00, wire.Channel.Read(TaskFileRegister.StatusCommand));
        Assert.Equal(0x00, wire.Channel.ReadAlternateStatus());
        Assert.Equal(0x14, wire.Channel.Read(TaskFileRegister.LbaMid));
        Assert.Equal(0xEB, wire.Channel.Read(TaskFileRegister.LbaHigh));
    }

    [Fact]
    public void Absent_slave_does_not_disturb_the_master()
    {
        var master = Wire.LiteOn();
        var wire = new Wire(master);
        wire.Channel.WriteDeviceControl(0x00);
        wire.Channel.Write(TaskFileRegister.StatusCommand, AtaCommand.IdentifyDevice); // master: aborted, INTRQ pending

        wire.Channel.Write(TaskFileRegister.Device, 0xB0);
        wire.Channel.Write(TaskFileRegister.StatusCommand, AtaCommand.IdentifyPacketDevice);
        wire.Channel.Read(TaskFileRegister.StatusCommand);
        wire.Channel.Write(TaskFileRegister.Device, 0xA0);

        Assert.Equal([AtaCommand.IdentifyDevice], master.CommandsReceived);
        Assert.True(master.InterruptRequested); // the status read with the slave selected did not clear it
        Assert.NotEqual(0, wire.Channel.ReadAlternateStatus() & (byte)AtaStatus.Error);
    }

    [Fact]
    public void Both_positions_absent_the_bus_floats_at_FFh()
    {
        var wire = new Wire(null, null);

        foreach (var select in (byte[])[0xA0, 0xB0])
        {
            wire.Channel.Write(TaskFileRegister.Device, select);
            wire.Channel.Write(TaskFileRegister.SectorCount, 0x55);
            Assert.Equal(0xFF, wire.Channel.Read(TaskFileRegister.StatusCommand));
            Assert.Equal(0xFF, wire.Channel.ReadAlternateStatus());
            Assert.Equal(0xFF, wire.Channel.Read(TaskFileRegister.SectorCount));
            Assert.Equal(0xFFFF, wire.Channel.ReadData());
        }
        Assert.False(wire.Host.RegistersHoldValues(DeviceSelect.Master));
    }

    [Fact]
    public void Both_devices_latch_register_writes_whichever_is_selected()
    {
        var wire = new Wire(Wire.LiteOn(), Wire.Disk());

        wire.Channel.Write(TaskFileRegister.Device, 0xA0);
        wire.Channel.Write(TaskFileRegister.LbaLow, 0x5A);
        wire.Channel.Write(TaskFileRegister.Device, 0xB0);

        Assert.Equal(0x5A, wire.Channel.Read(TaskFileRegister.LbaLow));
        Assert.True(wire.Host.RegistersHoldValues(DeviceSelect.Slave));
    }

    [Fact]
    public void Only_the_selected_device_executes_a_command()
    {
        var master = Wire.LiteOn();
        var slave = Wire.Disk();
        var wire = new Wire(master, slave);

        wire.Channel.Write(TaskFileRegister.Device, 0xB0);
        wire.Channel.Write(TaskFileRegister.StatusCommand, AtaCommand.IdentifyDevice);

        Assert.Empty(master.CommandsReceived);
        Assert.Equal([AtaCommand.IdentifyDevice], slave.CommandsReceived);
    }

    [Fact]
    public void Register_writes_while_bsy_are_ignored()
    {
        var wire = new Wire(Wire.LiteOn());
        wire.Channel.Write(TaskFileRegister.StatusCommand, AtaCommand.IdentifyPacketDevice);
        Assert.NotEqual(0, wire.Channel.ReadAlternateStatus() & (byte)AtaStatus.Busy);

        wire.Channel.Write(TaskFileRegister.LbaMid, 0x77);
        wire.Channel.Write(TaskFileRegister.LbaHigh, 0x88);
        wire.SpinUntilNotBusy();

        Assert.Equal(0x14, wire.Channel.Read(TaskFileRegister.LbaMid));
        Assert.Equal(0xEB, wire.Channel.Read(TaskFileRegister.LbaHigh));
    }

    [Fact]
    public void A_command_written_while_bsy_is_ignored()
    {
        var wire = new Wire(Wire.LiteOn());
        wire.Channel.Write(TaskFileRegister.StatusCommand, AtaCommand.IdentifyPacketDevice);
        Assert.NotEqual(0, wire.Channel.ReadAlternateStatus() & (byte)AtaStatus.Busy);

        wire.Channel.Write(TaskFileRegister.StatusCommand, AtaCommand.IdentifyDevice); // would abort if executed

        var status = wire.SpinUntilNotBusy();
        Assert.Equal(0, status & (byte)AtaStatus.Error);
        Assert.NotEqual(0, status & (byte)AtaStatus.DataRequest);
        Span<ushort> words = stackalloc ushort[256];
        wire.Channel.ReadData(words);
        Assert.Equal(0x85C0, words[0]); // the IDENTIFY PACKET DEVICE block, not an abort
    }

    [Fact]
    public void Device_reset_is_accepted_while_bsy_and_cancels_the_running_command()
    {
        var drive = Wire.LiteOn();
        drive.CommandTime = TimeSpan.FromSeconds(10);
        var wire = new Wire(drive);
        ScsiCommandsByHand.StartTestUnitReady(wire);
        Assert.NotEqual(0, wire.Channel.ReadAlternateStatus() & (byte)AtaStatus.Busy);
        var start = wire.Clock.Now;

        wire.Channel.Write(TaskFileRegister.StatusCommand, AtaCommand.DeviceReset);
        var status = wire.SpinUntilNotBusy();

        Assert.True(wire.Clock.Now - start < TimeSpan.FromSeconds(1), "DEVICE RESET waited for the command it should have cancelled");
        Assert.Equal(0, status & (byte)(AtaStatus.DataRequest | AtaStatus.Error));
        Assert.Equal(new Signature(0x01, 0x01, 0x14, 0xEB), wire.SignatureOnWire());
    }

    [Fact]
    public void Srst_keeps_both_devices_busy_until_released_then_each_recovers()
    {
        var wire = new Wire(Wire.LiteOn(), Wire.Disk());

        wire.Channel.WriteDeviceControl(DeviceControl.SoftReset | DeviceControl.InterruptsDisabled);
        wire.Clock.Delay(TimeSpan.FromSeconds(1));
        Assert.NotEqual(0, wire.Channel.ReadAlternateStatus() & (byte)AtaStatus.Busy);
        wire.Channel.Write(TaskFileRegister.Device, 0xB0);
        Assert.NotEqual(0, wire.Channel.ReadAlternateStatus() & (byte)AtaStatus.Busy);

        wire.Channel.WriteDeviceControl(DeviceControl.InterruptsDisabled);
        wire.Clock.Delay(TimeSpan.FromMilliseconds(10));

        Assert.Equal(0, wire.Channel.ReadAlternateStatus() & (byte)AtaStatus.Busy);
        Assert.Equal(new Signature(0x01, 0x01, 0x00, 0x00), wire.SignatureOnWire());
        wire.Channel.Write(TaskFileRegister.Device, 0xA0);
        Assert.Equal(new Signature(0x01, 0x01, 0x14, 0xEB), wire.SignatureOnWire());
    }

    [Fact]
    public void Every_register_access_costs_one_port_cycle_of_virtual_time()
    {
        var wire = new Wire(Wire.LiteOn());
        wire.Channel.PortCycle = TimeSpan.FromMicroseconds(3);
        var start = wire.Clock.Now;
        var ops = wire.Channel.RegisterOperations;

        wire.Channel.ReadAlternateStatus();
        wire.Channel.Read(TaskFileRegister.LbaMid);
        wire.Channel.Write(TaskFileRegister.LbaLow, 1);
        wire.Channel.ReadData();

        Assert.Equal(4, wire.Channel.RegisterOperations - ops);
        Assert.Equal(TimeSpan.FromMicroseconds(12), wire.Clock.Now - start);
    }

    [Fact]
    public void Observer_sees_command_block_and_control_block_ports()
    {
        var wire = new Wire(Wire.LiteOn());
        var seen = new PortLog();
        wire.Channel.Observer = seen;

        wire.Host.Select(DeviceSelect.Slave);
        wire.Host.SoftReset(waitForMaster: false);

        Assert.Equal("W 176 B0", seen.Lines[0]);
        Assert.Equal("R 376 00", seen.Lines[1]); // alternate status of the absent slave
        Assert.Contains("W 376 06", seen.Lines);
        Assert.Contains("W 376 02", seen.Lines);
    }

    [Fact]
    public void Power_cycle_brings_a_drive_back_with_its_signature_and_a_unit_attention()
    {
        var drive = Wire.LiteOn();
        drive.HasMedium = true;
        var wire = new Wire(drive);
        ScsiCommands.TestUnitReady(wire.Packet());
        Assert.True(ScsiCommands.TestUnitReady(wire.Packet()).IsGood);

        wire.Channel.PowerCycle();

        Assert.Equal(new Signature(0x01, 0x01, 0x14, 0xEB), wire.Host.ReadSignature());
        Assert.Equal(new SenseData(0x6, 0x29, 0x00), ScsiCommands.TestUnitReady(wire.Packet()).Sense);
    }

    private sealed class PortLog : IRegisterObserver
    {
        public List<string> Lines { get; } = [];
        public void OnRead(int port, byte value) => Lines.Add($"R {port:X3} {value:X2}");
        public void OnWrite(int port, byte value) => Lines.Add($"W {port:X3} {value:X2}");
        public void OnReadData(int port, ushort value) => Lines.Add($"RD {port:X3} {value:X4}");
        public void OnWriteData(int port, ushort value) => Lines.Add($"WD {port:X3} {value:X4}");
    }
}

/// <summary>Drives a packet command by hand up to the point where the drive works on the CDB.</summary>
internal static class ScsiCommandsByHand
{
    public static void StartTestUnitReady(Wire wire)
    {
        var ch = wire.Channel;
        ch.Write(TaskFileRegister.Device, 0xA0);
        ch.Write(TaskFileRegister.ErrorFeatures, 0);
        ch.Write(TaskFileRegister.LbaMid, 2);
        ch.Write(TaskFileRegister.LbaHigh, 0);
        ch.Write(TaskFileRegister.StatusCommand, AtaCommand.Packet);
        wire.SpinUntilNotBusy();
        ch.WriteData((ReadOnlySpan<ushort>)[0, 0, 0, 0, 0, 0]);
    }
}
