using RecoveryKit.Ata;
using RecoveryKit.Discovery;
using RecoveryKit.Emulation;
using RecoveryKit.Packet;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Discovery;

/// <summary>What ChannelProbe reports for each kind of position, and what it costs on the virtual clock.</summary>
public sealed class ChannelProbeTests
{
    [Fact]
    public void Probe_of_a_drive_with_no_slave_reports_the_drive_ready_and_the_slave_empty()
    {
        var drive = Wire.LiteOn();
        var wire = new Wire(drive, timeouts: AtaTimeouts.Scan);

        var results = ChannelProbe.Probe(wire.Host);

        Assert.Equal(DeviceClass.Atapi, results[0].Class);
        Assert.Equal("ready", results[0].State);
        Assert.Equal("LITE-ON DVDRW SOHW-832S", results[0].Model);
        Assert.Equal("VS0C", results[0].Revision);
        Assert.True(results[0].CanBeFlashed);
        Assert.Equal(DeviceClass.Empty, results[1].Class);
        Assert.False(results[1].CanBeFlashed);
    }

    [Fact]
    public void Probe_of_a_hard_disk_with_no_slave_reports_the_disk_as_never_flashable_and_the_slave_empty()
    {
        var disk = Wire.Disk();
        var wire = new Wire(disk, timeouts: AtaTimeouts.Scan);

        var results = ChannelProbe.Probe(wire.Host);

        Assert.Equal(DeviceClass.Ata, results[0].Class);
        Assert.Equal("ST340016A", results[0].Model);
        Assert.False(results[0].CanBeFlashed);
        Assert.Equal(DeviceClass.Empty, results[1].Class);
        Assert.Contains(AtaCommand.IdentifyDevice, disk.CommandsReceived);
        Assert.DoesNotContain(AtaCommand.MediaTekVendor, disk.CommandsReceived);
        Assert.DoesNotContain(AtaCommand.Packet, disk.CommandsReceived);
    }

    [Fact]
    public void Master_inquiry_still_works_after_the_probe_touched_the_absent_slave()
    {
        var drive = Wire.LiteOn();
        var wire = new Wire(drive, timeouts: AtaTimeouts.Scan);
        var results = ChannelProbe.Probe(wire.Host);
        Assert.Equal(DeviceClass.Empty, results[1].Class);

        wire.Host.Select(DeviceSelect.Slave);
        Assert.Equal(0x00, wire.Channel.Read(TaskFileRegister.StatusCommand));
        var inquiry = ScsiCommands.Inquiry(wire.Packet(DeviceSelect.Master));

        Assert.Equal("DVDRW SOHW-832S", inquiry.Product);
        // Only the master's own commands reached it: IDENTIFY PACKET DEVICE and two PACKETs (probe INQUIRY, this one).
        Assert.Equal([AtaCommand.IdentifyPacketDevice, AtaCommand.Packet, AtaCommand.Packet], drive.CommandsReceived);
    }

    [Fact]
    public void Probe_of_a_drive_as_slave_behind_a_hard_disk_finds_both()
    {
        var wire = new Wire(Wire.Disk(), Wire.LiteOn(), AtaTimeouts.Scan);

        var results = ChannelProbe.Probe(wire.Host);

        Assert.Equal(DeviceClass.Ata, results[0].Class);
        Assert.Equal(DeviceClass.Atapi, results[1].Class);
        Assert.Equal(DeviceSelect.Slave, results[1].Device);
        Assert.Equal(new Signature(0x01, 0x01, 0x14, 0xEB), results[1].Signature);
    }

    [Fact]
    public void A_dead_drive_as_slave_behind_a_working_atapi_drive_keeps_its_atapi_signature()
    {
        // ATA/ATAPI: both devices latch every task-file write, so the master's PACKET byte counts (LBA mid/high) land in
        // the slave's signature registers too. The slave's reset signature must be read before the master gets commands.
        // The dead drive's boot code aborts IDENTIFY PACKET DEVICE, so its signature is all that says what it is.
        var clock = new VirtualClock();
        var dead = MtkScenarios.Setups["dead-ldw411s"].Setup.Create(clock);
        var working = MtkScenarios.Setups["update-ldw411s"].Setup.Create(clock);
        var host = new AtaHost(new VirtualChannel(clock, ChannelAddress.Secondary, working, dead), AtaTimeouts.Scan);

        var results = ChannelProbe.Probe(host);

        Assert.Equal(DeviceClass.Atapi, results[0].Class);
        Assert.Equal(DeviceClass.Atapi, results[1].Class);
        Assert.Equal(new Signature(0x01, 0x01, 0x14, 0xEB), results[1].Signature);
    }

    [Fact]
    public void Floating_bus_is_reported_empty_on_both_positions_in_under_5_ms_of_virtual_time()
    {
        var wire = new Wire(null, null, AtaTimeouts.Scan);
        var start = wire.Clock.Now;

        var results = ChannelProbe.Probe(wire.Host);

        var perPosition = (wire.Clock.Now - start) / 2;
        Assert.True(perPosition < TimeSpan.FromMilliseconds(5), $"floating bus took {perPosition} of virtual time per position");
        Assert.All(results, r => Assert.Equal(DeviceClass.Empty, r.Class));
        Assert.All(results, r => Assert.Equal(0xFF, r.Status));
        Assert.DoesNotContain(wire.Recorder.Log, a => a.Kind == AccessKind.WriteDeviceControl); // no reset of nothing
    }

    [Fact]
    public void Stuck_busy_device_is_reported_stuck_busy_with_the_reset_timeout_named()
    {
        var timeouts = AtaTimeouts.Scan with { Reset = TimeSpan.FromSeconds(30) };
        var wire = new Wire(Wire.Disk(), new VirtualDeadDevice(DeadDeviceBehaviour.StuckBusy), timeouts);
        var start = wire.Clock.Now;

        var results = ChannelProbe.Probe(wire.Host);

        Assert.Equal(DeviceClass.Ata, results[0].Class);
        Assert.Equal(DeviceClass.StuckBusy, results[1].Class);
        Assert.Equal(0x80, results[1].Status);
        Assert.Contains("30 s", results[1].State, StringComparison.Ordinal);
        Assert.False(results[1].CanBeFlashed);
        Assert.True(wire.Clock.Now - start >= TimeSpan.FromSeconds(30), $"virtual clock advanced only {wire.Clock.Now - start}");
        Assert.InRange(wire.Recorder.ByteReads, 1, 99_999);
    }

    [Fact]
    public void Device_reading_7F_is_reported_unknown_and_not_flashable()
    {
        var wire = new Wire(new VirtualDeadDevice(DeadDeviceBehaviour.Reads7F), timeouts: AtaTimeouts.Scan);

        var results = ChannelProbe.Probe(wire.Host);

        Assert.Equal(DeviceClass.Unknown, results[0].Class);
        Assert.Equal(0x7F, results[0].Status);
        Assert.Contains("7Fh", results[0].State, StringComparison.Ordinal);
        Assert.False(results[0].CanBeFlashed);
    }

    [Fact]
    public void Device_with_a_junk_signature_is_reported_unknown_with_the_signature_named()
    {
        var wire = new Wire(new VirtualDeadDevice(DeadDeviceBehaviour.Garbage), timeouts: AtaTimeouts.Scan);

        var results = ChannelProbe.Probe(wire.Host);

        Assert.Equal(DeviceClass.Unknown, results[0].Class);
        Assert.Contains("3Ch/C3h", results[0].State, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_never_sends_the_vendor_opcode_to_any_device()
    {
        var disk = Wire.Disk();
        var drive = Wire.LiteOn();
        var wire = new Wire(disk, drive, AtaTimeouts.Scan);

        ChannelProbe.Probe(wire.Host);

        Assert.DoesNotContain(wire.Recorder.Log, a => a is { Kind: AccessKind.Write, Register: TaskFileRegister.StatusCommand, Value: AtaCommand.MediaTekVendor });
        Assert.Empty(disk.VendorCommandsReceived);
        Assert.NotEmpty(disk.CommandsReceived);
    }

    [Fact]
    public void Probe_of_a_lone_slave_reports_the_absent_master_as_a_floating_bus_without_resetting_it_for_nothing()
    {
        var slave = Wire.LiteOn();
        var wire = new Wire(null, slave, AtaTimeouts.Scan);

        var results = ChannelProbe.Probe(wire.Host);

        Assert.Equal(DeviceClass.Empty, results[0].Class);
        Assert.Equal(0xFF, results[0].Status);
        Assert.Equal(ChannelProbe.FloatingBus, results[0].State);
        Assert.Equal(DeviceClass.Atapi, results[1].Class);
        Assert.Equal("VS0C", results[1].Revision);
        // No command went to the slave with the master selected, and the slave saw only its own.
        Assert.Equal([AtaCommand.IdentifyPacketDevice, AtaCommand.Packet], slave.CommandsReceived);
    }

    [Fact]
    public void A_stuck_busy_master_does_not_hide_a_healthy_slave()
    {
        var slave = Wire.LiteOn();
        var wire = new Wire(new VirtualDeadDevice(DeadDeviceBehaviour.StuckBusy), slave, AtaTimeouts.Scan);

        var results = ChannelProbe.Probe(wire.Host);

        Assert.Equal(DeviceClass.StuckBusy, results[0].Class);
        Assert.Contains("3 s", results[0].State, StringComparison.Ordinal);
        Assert.Equal(DeviceClass.Atapi, results[1].Class);
        Assert.Equal("ready", results[1].State);
        Assert.Equal("VS0C", results[1].Revision);
    }

    [Fact]
    public void Packet_commands_to_the_slave_reach_only_the_slave()
    {
        var master = Wire.LiteOn();
        var slave = Wire.LiteOn();
        var wire = new Wire(master, slave);

        ScsiCommands.Inquiry(wire.Packet(DeviceSelect.Slave));

        Assert.Equal([ScsiOpcode.Inquiry], slave.PacketOpcodes);
        Assert.Empty(master.PacketOpcodes);
        Assert.Empty(master.CommandsReceived);
    }
}
