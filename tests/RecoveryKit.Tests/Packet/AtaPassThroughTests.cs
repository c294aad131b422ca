using RecoveryKit.Diagnostics;
using RecoveryKit.Discovery;
using RecoveryKit.Packet;

namespace RecoveryKit.Tests.Packet;

public class AtaPassThroughTests
{
    [Fact]
    public void Identify_packet_device_goes_out_as_pass_through_16_and_parses_the_block()
    {
        var transport = new ScriptedPacketTransport();
        transport.Replies[0x85] = block =>
        {
            ScriptedPacketTransport.FillIdentify(block, "LITE-ON DVDRW SOHW-832S", "VS0C", "LITEON832S0001");
            return new PacketResult(PacketOutcome.Good, 512, null);
        };

        var id = AtaPassThrough.IdentifyPacketDevice(transport, out var sense);

        Assert.Null(sense);
        Assert.NotNull(id);
        Assert.Equal("LITE-ON DVDRW SOHW-832S", id.Model);
        Assert.Equal("VS0C", id.Revision);
        Assert.Equal("LITEON832S0001", id.Serial);
        Assert.True(id.IsPacketDevice);
        Assert.Equal(5, id.PacketDeviceType);
        var cdb = Assert.Single(transport.Sent);
        Assert.Equal(AtaPassThroughCdb.IdentifyPacketDevice().Bytes.ToArray(), cdb);
    }

    [Fact]
    public void A_layer_that_refuses_ata_commands_gives_null_and_its_sense()
    {
        var transport = new ScriptedPacketTransport();
        var id = AtaPassThrough.IdentifyPacketDevice(transport, out var sense);
        Assert.Null(id);
        Assert.Equal(new SenseData(0x05, 0x20, 0x00), sense);
    }

    [Fact]
    public void A_short_identify_block_is_a_failure_not_garbage()
    {
        var transport = new ScriptedPacketTransport();
        transport.Replies[0x85] = _ => new PacketResult(PacketOutcome.Good, 100, null);
        var e = Assert.Throws<RecoveryKitException>(() => AtaPassThrough.IdentifyPacketDevice(transport, out _));
        Assert.Contains("100 of 512", e.Failure.Cause);
    }

    [Fact]
    public void Packet_selftest_over_a_pass_through_runs_the_table_without_register_checks()
    {
        var transport = new ScriptedPacketTransport();
        transport.Replies[0x85] = block =>
        {
            ScriptedPacketTransport.FillIdentify(block, "LITE-ON DVDRW SOHW-832S", "VS0C", "X");
            return new PacketResult(PacketOutcome.Good, 512, null);
        };
        transport.Replies[ScsiOpcode.Inquiry] = data =>
        {
            data[0] = 0x05;
            "LITE-ON "u8.CopyTo(data.AsSpan(8));
            "DVDRW SOHW-832S "u8.CopyTo(data.AsSpan(16));
            "VS0C"u8.CopyTo(data.AsSpan(32));
            return new PacketResult(PacketOutcome.Good, 36, null);
        };
        transport.Replies[ScsiOpcode.RequestSense] = data =>
        {
            data[0] = 0x70;
            data[2] = 0x02;
            data[7] = 10;
            data[12] = 0x3A;
            return new PacketResult(PacketOutcome.Good, 18, null);
        };
        transport.Replies[ScsiOpcode.TestUnitReady] = _ => new PacketResult(PacketOutcome.CheckCondition, 0, new SenseData(0x02, 0x3A, 0x00));

        var report = Selftest.RunPacket(transport);

        Assert.Equal("/dev/sg-test", report.Target);
        Assert.Equal(
            ["bus", "signature", "identify-packet-device", "inquiry", "request-sense", "test-unit-ready", "read-lba-0"],
            report.Checks.Select(c => c.Check));
        Assert.Equal(
            [SelftestVerdict.Skipped, SelftestVerdict.Skipped, SelftestVerdict.Pass, SelftestVerdict.Pass, SelftestVerdict.Pass, SelftestVerdict.Pass, SelftestVerdict.Skipped],
            report.Checks.Select(c => c.Verdict));
        Assert.True(report.Passed);
        Assert.Equal("LITE-ON DVDRW SOHW-832S VS0C", report.Checks[2].Result);
        Assert.Contains("NOT READY", report.Checks[4].Detail);
        // Read-only and never the 12-byte pass-through: exactly these opcodes, in this order.
        Assert.Equal([0x85, ScsiOpcode.Inquiry, ScsiOpcode.RequestSense, ScsiOpcode.TestUnitReady], transport.Sent.Select(c => c[0]));
    }

    [Fact]
    public void Packet_selftest_marks_a_refused_pass_through_as_a_warning_and_goes_on_to_read()
    {
        // A USB bridge without SAT: ATA PASS-THROUGH is an invalid opcode (the script's default reply).
        var transport = new ScriptedPacketTransport();
        transport.Replies[ScsiOpcode.Inquiry] = data =>
        {
            data[0] = 0x05;
            "BENQ    DVD DD DW1640   BSRB"u8.CopyTo(data.AsSpan(8));
            return new PacketResult(PacketOutcome.Good, 36, null);
        };
        transport.Replies[ScsiOpcode.RequestSense] = data =>
        {
            data[0] = 0x70;
            data[7] = 10;
            return new PacketResult(PacketOutcome.Good, 18, null);
        };
        transport.Replies[ScsiOpcode.TestUnitReady] = _ => new PacketResult(PacketOutcome.Good, 0, null);
        transport.Replies[ScsiOpcode.Read10] = data =>
        {
            data[0] = 0xAB;
            return new PacketResult(PacketOutcome.Good, data.Length, null);
        };

        var report = Selftest.RunPacket(transport);

        var identify = report.Checks.Single(c => c.Check == "identify-packet-device");
        Assert.Equal(SelftestVerdict.Warn, identify.Verdict);
        Assert.Contains("does not pass ATA commands", identify.Result);
        Assert.Contains("ILLEGAL REQUEST", identify.Detail);
        Assert.Equal("no pending sense", report.Checks.Single(c => c.Check == "request-sense").Result);
        var read = report.Checks.Single(c => c.Check == "read-lba-0");
        Assert.Equal(SelftestVerdict.Pass, read.Verdict);
        Assert.Contains("AB000000", read.Detail);
        Assert.True(report.Passed);
        Assert.Equal([0x85, ScsiOpcode.Inquiry, ScsiOpcode.RequestSense, ScsiOpcode.TestUnitReady, ScsiOpcode.Read10], transport.Sent.Select(c => c[0]));
    }
}
