using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Packet;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Ata;

/// <summary>PROTOCOL.md §2: IDENTIFY DEVICE / IDENTIFY PACKET DEVICE tell a drive from a hard disk.</summary>
public sealed class IdentifyTests
{
    [Fact]
    public void Identify_device_on_atapi_drive_is_aborted_with_signature_14_EB()
    {
        var wire = new Wire(Wire.LiteOn());
        wire.ScribbleOverSignature();

        var result = wire.Host.Identify(DeviceSelect.Master, AtaCommand.IdentifyDevice);

        Assert.Equal(IdentifyOutcome.Aborted, result.Outcome);
        Assert.Null(result.Data);
        Assert.NotEqual(0, result.Status & (byte)AtaStatus.Error);
        Assert.Equal(0, result.Status & (byte)AtaStatus.DataRequest);
        Assert.Equal(AtaError.Aborted, result.Error);
        Assert.Equal(new Signature(0x01, 0x01, 0x14, 0xEB), wire.Host.ReadSignature());
    }

    [Fact]
    public void Identify_packet_device_returns_lite_on_model_revision_and_serial_decoded_from_byte_swapped_words()
    {
        var wire = new Wire(Wire.LiteOn());

        var result = wire.Host.Identify(DeviceSelect.Master, AtaCommand.IdentifyPacketDevice);

        Assert.Equal(IdentifyOutcome.Data, result.Outcome);
        var data = Assert.IsType<IdentifyData>(result.Data);
        Assert.Equal("LITE-ON DVDRW SOHW-832S", data.Model);
        Assert.Equal("VS0C", data.Revision);
        Assert.Equal("LITEON832S0001", data.Serial);
        Assert.Equal(0, result.Status & (byte)(AtaStatus.Busy | AtaStatus.DataRequest | AtaStatus.Error));
    }

    [Fact]
    public void Identify_packet_device_words_carry_the_first_character_in_the_high_byte()
    {
        var wire = new Wire(Wire.LiteOn());

        wire.Host.Identify(DeviceSelect.Master, AtaCommand.IdentifyPacketDevice);

        var words = wire.Recorder.Log.Where(a => a.Kind == AccessKind.ReadData).Select(a => a.Value).ToArray();
        Assert.Equal(256, words.Length);
        Assert.Equal(('L' << 8) | 'I', words[27]);  // model "LI"
        Assert.Equal(('V' << 8) | 'S', words[23]);  // revision "VS"
        Assert.Equal(('0' << 8) | 'C', words[24]);  // revision "0C"
        Assert.Equal(('L' << 8) | 'I', words[10]);  // serial "LI"
    }

    [Fact]
    public void Identify_packet_device_general_config_says_atapi_cd_dvd_device()
    {
        var wire = new Wire(Wire.LiteOn());

        var result = wire.Host.Identify(DeviceSelect.Master, AtaCommand.IdentifyPacketDevice);

        var general = wire.Recorder.Log.First(a => a.Kind == AccessKind.ReadData).Value;
        Assert.Equal(0x8000, general & 0xC000);        // bits 15..14 = 10b: ATAPI
        Assert.Equal(0x05, (general >> 8) & 0x1F);      // bits 12..8 = 05h: CD/DVD
        Assert.True(result.Data!.IsPacketDevice);
        Assert.Equal(0x05, result.Data.PacketDeviceType);
    }

    [Fact]
    public void Identify_device_on_hard_disk_returns_its_model_and_capacity()
    {
        var wire = new Wire(Wire.Disk());

        var result = wire.Host.Identify(DeviceSelect.Master, AtaCommand.IdentifyDevice);

        Assert.Equal(IdentifyOutcome.Data, result.Outcome);
        var data = Assert.IsType<IdentifyData>(result.Data);
        Assert.Equal("ST340016A", data.Model);
        Assert.Equal("3HS0QX2K", data.Serial);
        Assert.Equal("3.10", data.Revision);
        Assert.False(data.IsPacketDevice);
        Assert.Equal(78_165_360, data.Sectors);
    }

    [Fact]
    public void Identify_packet_device_on_hard_disk_is_aborted()
    {
        var wire = new Wire(Wire.Disk());

        var result = wire.Host.Identify(DeviceSelect.Master, AtaCommand.IdentifyPacketDevice);

        Assert.Equal(IdentifyOutcome.Aborted, result.Outcome);
        Assert.Equal(AtaError.Aborted, result.Error);
        Assert.NotEqual(0, result.Status & (byte)AtaStatus.Error);
    }

    [Fact]
    public void Packet_command_to_hard_disk_is_aborted_and_reported_as_wrong_device_class()
    {
        var disk = Wire.Disk();
        var wire = new Wire(disk);

        var ex = Assert.Throws<RecoveryKitException>(() => ScsiCommands.Inquiry(wire.Packet()));

        Assert.Equal(FailureKind.WrongDeviceClass, ex.Failure.Kind);
        Assert.Equal("packet-command", ex.Failure.Stage);
        Assert.Equal(AtaError.Aborted, ex.Failure.Error);
        Assert.NotEqual(0, ex.Failure.Status!.Value & (byte)AtaStatus.Error);
        Assert.False(string.IsNullOrWhiteSpace(ex.Failure.Cause));
        Assert.False(string.IsNullOrWhiteSpace(ex.Failure.Advice));
        Assert.Equal([AtaCommand.Packet], disk.CommandsReceived);
        Assert.DoesNotContain(wire.Recorder.Log, a => a.Kind == AccessKind.WriteData); // no CDB went to the disk
    }

    [Fact]
    public void Identify_of_an_absent_slave_behind_a_master_reports_no_response()
    {
        var master = Wire.LiteOn();
        var wire = new Wire(master);

        var result = wire.Host.Identify(DeviceSelect.Slave, AtaCommand.IdentifyPacketDevice);

        Assert.Equal(IdentifyOutcome.NoResponse, result.Outcome);
        Assert.Empty(master.CommandsReceived);
    }

    [Fact]
    public void Identify_rejects_opcodes_that_are_not_identify()
    {
        var wire = new Wire(Wire.LiteOn());

        Assert.Throws<ArgumentOutOfRangeException>(() => wire.Host.Identify(DeviceSelect.Master, AtaCommand.MediaTekVendor));
        Assert.Empty(wire.Recorder.Log);
    }
}
