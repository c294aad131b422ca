using System.Text;

namespace RecoveryKit.Ata;

/// <summary>The fields RecoveryKit uses from a 512-byte IDENTIFY (PACKET) DEVICE block (PROTOCOL.md §2).</summary>
public sealed record IdentifyData(string Model, string Revision, string Serial, bool IsPacketDevice, int PacketDeviceType, long Sectors)
{
    /// <summary>Parses 256 little-endian words as they came off the data port.</summary>
    public static IdentifyData Parse(ReadOnlySpan<ushort> words)
    {
        if (words.Length < 256)
            throw new ArgumentException("IDENTIFY data is 256 words", nameof(words));
        var general = words[0];
        var packet = (general & 0xC000) == 0x8000;
        var type = (general >> 8) & 0x1F;
        long sectors = packet ? 0 : words[60] | ((long)words[61] << 16);
        return new IdentifyData(AtaString(words.Slice(27, 20)), AtaString(words.Slice(23, 4)), AtaString(words.Slice(10, 10)), packet, type, sectors);
    }

    /// <summary>Decodes an ATA string: two characters per word, the first in the high byte; trailing spaces trimmed.</summary>
    public static string AtaString(ReadOnlySpan<ushort> words)
    {
        Span<byte> bytes = stackalloc byte[words.Length * 2];
        for (var i = 0; i < words.Length; i++)
        {
            bytes[2 * i] = (byte)(words[i] >> 8);
            bytes[2 * i + 1] = (byte)words[i];
        }
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] < 0x20 || bytes[i] > 0x7E)
                bytes[i] = (byte)(bytes[i] == 0 ? ' ' : '?');
        }
        return Encoding.ASCII.GetString(bytes).Trim();
    }
}
