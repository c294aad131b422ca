using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Packet;

namespace RecoveryKit.Tests.Packet;

public class PacketCommandTests
{
    [Fact]
    public void Identify_packet_device_is_an_ata_pass_through_16_pio_data_in_of_one_block()
    {
        var cdb = AtaPassThroughCdb.IdentifyPacketDevice();
        Assert.Equal(
            new byte[] { 0x85, 0x08, 0x0E, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0xA1, 0 },
            cdb.Bytes.ToArray());
        Assert.Equal(16, cdb.Bytes.Length);
        Assert.Equal(512, cdb.DataLength);

        // Decode the fields the SAT layer reads, so a wrong bit shows up by name.
        var b = cdb.Bytes;
        Assert.Equal(4, (b[1] >> 1) & 0x0F); // PROTOCOL = PIO Data-In
        Assert.Equal(0, b[1] & 0x01); // EXTEND = 0 (28-bit command)
        Assert.Equal(0, (b[2] >> 5) & 1); // CK_COND = 0
        Assert.Equal(1, (b[2] >> 3) & 1); // T_DIR = from device
        Assert.Equal(1, (b[2] >> 2) & 1); // BYTE_BLOCK = blocks
        Assert.Equal(2, b[2] & 0x03); // T_LENGTH = in the COUNT field
        Assert.Equal(AtaCommand.IdentifyPacketDevice, b[14]);
    }

    [Fact]
    public void Each_call_gives_its_own_bytes()
    {
        var a = AtaPassThroughCdb.IdentifyPacketDevice();
        var b = AtaPassThroughCdb.IdentifyPacketDevice();
        Assert.True(a.Bytes.SequenceEqual(b.Bytes));
        Assert.NotSame(a, b);
    }

    [Fact]
    public void The_cdb_type_offers_no_public_way_to_build_other_commands()
    {
        // Only named factories: no public constructor, no public setter, no span that could be written through.
        Assert.Empty(typeof(AtaPassThroughCdb).GetConstructors());
        Assert.DoesNotContain(typeof(AtaPassThroughCdb).GetProperties(), p => p.SetMethod?.IsPublic == true);
        Assert.Equal(typeof(ReadOnlySpan<byte>), typeof(AtaPassThroughCdb).GetProperty(nameof(AtaPassThroughCdb.Bytes))!.PropertyType);
    }

    private static Failure Refused(byte[] cdb, int dataLength = 0, DataDirection direction = DataDirection.None)
    {
        var e = Assert.Throws<RecoveryKitException>(() => PacketCommandGuard.Check(cdb, dataLength, direction));
        Assert.Equal(FailureKind.Internal, e.Failure.Kind);
        return e.Failure;
    }

    [Fact]
    public void Opcode_a1_is_refused_whatever_its_length()
    {
        foreach (var length in new[] { 12, 16 })
        {
            var cdb = new byte[length];
            cdb[0] = 0xA1;
            Assert.Contains("BLANK", Refused(cdb).Cause);
        }
    }

    [Fact]
    public void A_short_ata_pass_through_16_is_refused()
    {
        var cdb = new byte[12];
        cdb[0] = 0x85;
        Assert.Contains("16 bytes", Refused(cdb).Cause);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(17)]
    public void Cdb_lengths_outside_6_to_16_are_refused(int length) =>
        Assert.Contains($"{length}-byte CDB", Refused(new byte[length]).Cause);

    [Fact]
    public void Direction_and_buffer_must_agree()
    {
        Assert.Contains("direction None", Refused([0x00, 0, 0, 0, 0, 0], 8, DataDirection.None).Cause);
        Assert.Contains("empty data buffer", Refused([0x12, 0, 0, 0, 36, 0], 0, DataDirection.In).Cause);
    }

    [Fact]
    public void Ordinary_commands_and_the_pass_through_16_pass()
    {
        PacketCommandGuard.Check([0x12, 0, 0, 0, 36, 0], 36, DataDirection.In);
        PacketCommandGuard.Check([0x00, 0, 0, 0, 0, 0], 0, DataDirection.None);
        PacketCommandGuard.Check(AtaPassThroughCdb.IdentifyPacketDevice().Bytes, 512, DataDirection.In);
        PacketCommandGuard.Check([0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0], 2048, DataDirection.In);
    }
}
