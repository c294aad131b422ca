using RecoveryKit.Ata;
using RecoveryKit.Packet;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Packet;

/// <summary>PROTOCOL.md §2: ERR at completion means CHECK CONDITION; REQUEST SENSE gives the rest.</summary>
public sealed class CheckConditionTests
{
    [Fact]
    public void First_command_after_power_on_gets_unit_attention_29_00()
    {
        var drive = Wire.LiteOn();
        drive.HasMedium = true;
        var wire = new Wire(drive);

        var first = ScsiCommands.TestUnitReady(wire.Packet());
        var second = ScsiCommands.TestUnitReady(wire.Packet());

        Assert.Equal(PacketOutcome.CheckCondition, first.Outcome);
        Assert.Equal(new SenseData(0x6, 0x29, 0x00), first.Sense);
        Assert.True(second.IsGood);
    }

    [Fact]
    public void First_command_after_soft_reset_gets_unit_attention_29_00_again()
    {
        var drive = Wire.LiteOn();
        drive.HasMedium = true;
        var wire = new Wire(drive);
        ScsiCommands.TestUnitReady(wire.Packet());
        Assert.True(ScsiCommands.TestUnitReady(wire.Packet()).IsGood);

        wire.Host.SoftReset();
        var afterReset = ScsiCommands.TestUnitReady(wire.Packet());

        Assert.Equal(new SenseData(0x6, 0x29, 0x00), afterReset.Sense);
    }

    [Fact]
    public void Test_unit_ready_with_no_disc_is_check_condition_not_ready_3A_00_fetched_by_request_sense()
    {
        var drive = Wire.LiteOn();
        var wire = new Wire(drive);
        ScsiCommands.TestUnitReady(wire.Packet()); // unit attention of power-on
        drive.PacketOpcodes.Clear();
        wire.Recorder.Log.Clear();

        var result = ScsiCommands.TestUnitReady(wire.Packet());

        Assert.Equal(PacketOutcome.CheckCondition, result.Outcome);
        var sense = Assert.IsType<SenseData>(result.Sense);
        Assert.Equal(0x2, sense.SenseKey);
        Assert.Equal(0x3A, sense.AdditionalSenseCode);
        Assert.Equal(0x00, sense.Qualifier);
        Assert.Equal("NOT READY", sense.KeyName);
        Assert.Equal([ScsiOpcode.TestUnitReady, ScsiOpcode.RequestSense], drive.PacketOpcodes);
        // The sense key also showed in the error register's high nibble.
        var error = wire.Recorder.Log.First(a => a is { Kind: AccessKind.Read, Register: TaskFileRegister.ErrorFeatures }).Value;
        Assert.Equal(0x2, error >> 4);
    }

    [Fact]
    public void Inquiry_with_evpd_set_is_illegal_request_24_00()
    {
        var wire = new Wire(Wire.LiteOn());
        var data = new byte[64];

        var result = wire.Packet().Execute([ScsiOpcode.Inquiry, 0x01, 0x80, 0, 64, 0], data, DataDirection.In, TimeSpan.FromSeconds(5));

        Assert.Equal(PacketOutcome.CheckCondition, result.Outcome);
        Assert.Equal(new SenseData(0x5, 0x24, 0x00), result.Sense);
        Assert.Equal(0, result.Transferred);
    }

    [Fact]
    public void Unknown_opcode_is_illegal_request_20_00()
    {
        var wire = new Wire(Wire.LiteOn());
        ScsiCommands.TestUnitReady(wire.Packet()); // unit attention of power-on

        var result = wire.Packet().Execute([0xE7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [], DataDirection.None, TimeSpan.FromSeconds(5));

        Assert.Equal(PacketOutcome.CheckCondition, result.Outcome);
        Assert.Equal(new SenseData(0x5, 0x20, 0x00), result.Sense);
        Assert.Equal("invalid command operation code", result.Sense!.Description);
    }

    [Fact]
    public void Request_sense_after_sense_was_fetched_reports_no_sense()
    {
        var wire = new Wire(Wire.LiteOn());
        ScsiCommands.TestUnitReady(wire.Packet()); // unit attention, fetched by the host's REQUEST SENSE

        var sense = ScsiCommands.RequestSense(wire.Packet());

        Assert.Equal(new SenseData(0, 0, 0), sense);
    }

    [Fact]
    public void Read_beyond_the_end_of_the_disc_is_illegal_request_21_00()
    {
        var drive = Wire.LiteOn();
        drive.HasMedium = true;
        drive.MediumBlocks = 10;
        var wire = new Wire(drive);
        ScsiCommands.TestUnitReady(wire.Packet());

        var result = ScsiCommands.Read10(wire.Packet(), 9, 2, new byte[4096]);

        Assert.Equal(new SenseData(0x5, 0x21, 0x00), result.Sense);
        Assert.Equal(0, result.Transferred);
    }

    [Fact]
    public void First_command_after_device_reset_gets_unit_attention_29_00_and_inquiry_is_exempt()
    {
        var drive = Wire.LiteOn();
        drive.HasMedium = true;
        var wire = new Wire(drive);
        ScsiCommands.TestUnitReady(wire.Packet());

        wire.Host.DeviceReset(DeviceSelect.Master);
        var inquiry = ScsiCommands.Inquiry(wire.Packet());
        var first = ScsiCommands.TestUnitReady(wire.Packet());
        var second = ScsiCommands.TestUnitReady(wire.Packet());

        Assert.Equal("VS0C", inquiry.Revision);
        Assert.Equal(new SenseData(0x6, 0x29, 0x00), first.Sense);
        Assert.True(second.IsGood);
    }
}
