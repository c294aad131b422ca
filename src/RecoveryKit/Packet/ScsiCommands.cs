using System.Buffers.Binary;
using RecoveryKit.Diagnostics;

namespace RecoveryKit.Packet;

/// <summary>Standard INQUIRY data: what a drive says it is (PROTOCOL.md §2).</summary>
public sealed record InquiryData(byte PeripheralType, string Vendor, string Product, string Revision)
{
    /// <summary>Peripheral device type 05h: CD/DVD.</summary>
    public bool IsOpticalDrive => PeripheralType == 0x05;

    public static InquiryData Parse(ReadOnlySpan<byte> raw)
    {
        if (raw.Length < 36)
            throw new RecoveryKitException(FailureKind.DeviceTimeout, "inquiry",
                $"INQUIRY returned {raw.Length} bytes, 36 expected", "Power-cycle the drive and try again.");
        return new InquiryData((byte)(raw[0] & 0x1F), Ascii(raw.Slice(8, 8)), Ascii(raw.Slice(16, 16)), Ascii(raw.Slice(32, 4)));
    }

    private static string Ascii(ReadOnlySpan<byte> field)
    {
        Span<char> chars = stackalloc char[field.Length];
        for (var i = 0; i < field.Length; i++)
            chars[i] = field[i] is >= 0x20 and <= 0x7E ? (char)field[i] : ' ';
        return new string(chars).Trim();
    }
}

/// <summary>The MMC/SPC commands RecoveryKit sends to healthy drives, over any <see cref="IPacketTransport"/>.</summary>
public static class ScsiCommands
{
    private static readonly TimeSpan ShortCommand = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MediumCommand = TimeSpan.FromSeconds(30);

    public static InquiryData Inquiry(IPacketTransport transport)
    {
        Span<byte> data = stackalloc byte[36];
        ReadOnlySpan<byte> cdb = [ScsiOpcode.Inquiry, 0, 0, 0, 36, 0];
        var result = transport.Execute(cdb, data, DataDirection.In, ShortCommand);
        if (!result.IsGood)
            throw CheckCondition("inquiry", transport, result);
        return InquiryData.Parse(data[..result.Transferred]);
    }

    /// <summary>TEST UNIT READY: GOOD, or CHECK CONDITION with the reason (no disc, becoming ready, unit attention).</summary>
    public static PacketResult TestUnitReady(IPacketTransport transport) =>
        transport.Execute([ScsiOpcode.TestUnitReady, 0, 0, 0, 0, 0], [], DataDirection.None, ShortCommand);

    /// <summary>REQUEST SENSE: the drive's pending sense data (NO SENSE when there is none).</summary>
    public static SenseData RequestSense(IPacketTransport transport)
    {
        Span<byte> data = stackalloc byte[18];
        var result = transport.Execute([ScsiOpcode.RequestSense, 0, 0, 0, 18, 0], data, DataDirection.In, ShortCommand);
        if (!result.IsGood)
            throw CheckCondition("request-sense", transport, result);
        return SenseData.Parse(data[..result.Transferred]) ?? new SenseData(0, 0, 0);
    }

    /// <summary>READ CAPACITY(10): last LBA and block length, or null with the sense when there is no readable disc.</summary>
    public static (uint LastLba, uint BlockLength)? ReadCapacity(IPacketTransport transport, out SenseData? sense)
    {
        Span<byte> data = stackalloc byte[8];
        var result = transport.Execute([ScsiOpcode.ReadCapacity, 0, 0, 0, 0, 0, 0, 0, 0, 0], data, DataDirection.In, MediumCommand);
        sense = result.Sense;
        if (!result.IsGood || result.Transferred < 8)
            return null;
        return (BinaryPrimitives.ReadUInt32BigEndian(data), BinaryPrimitives.ReadUInt32BigEndian(data[4..]));
    }

    /// <summary>READ(10) of <paramref name="blocks"/> 2048-byte blocks into <paramref name="buffer"/>.</summary>
    public static PacketResult Read10(IPacketTransport transport, uint lba, ushort blocks, Span<byte> buffer)
    {
        Span<byte> cdb = stackalloc byte[10];
        cdb.Clear();
        cdb[0] = ScsiOpcode.Read10;
        BinaryPrimitives.WriteUInt32BigEndian(cdb[2..], lba);
        BinaryPrimitives.WriteUInt16BigEndian(cdb[7..], blocks);
        return transport.Execute(cdb, buffer, DataDirection.In, MediumCommand);
    }

    private static RecoveryKitException CheckCondition(string stage, IPacketTransport transport, PacketResult result) =>
        new(FailureKind.DeviceTimeout, stage,
            $"the {transport.Describe} answered CHECK CONDITION: {result.Sense?.ToString() ?? "no sense data"}",
            "Power-cycle the drive and try again.");

}
