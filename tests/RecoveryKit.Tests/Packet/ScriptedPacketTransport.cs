using RecoveryKit.Packet;

namespace RecoveryKit.Tests.Packet;

/// <summary>Answers packet commands by opcode from a script and records every CDB, as an OS pass-through would see them.</summary>
internal sealed class ScriptedPacketTransport : IPacketTransport
{
    public Dictionary<byte, Func<byte[], PacketResult>> Replies { get; } = [];

    public List<byte[]> Sent { get; } = [];

    public string Describe => "/dev/sg-test";

    public PacketResult Execute(ReadOnlySpan<byte> cdb, Span<byte> data, DataDirection direction, TimeSpan timeout)
    {
        PacketCommandGuard.Check(cdb, data.Length, direction);
        Sent.Add(cdb.ToArray());
        if (!Replies.TryGetValue(cdb[0], out var reply))
            return new PacketResult(PacketOutcome.CheckCondition, 0, new SenseData(0x05, 0x20, 0x00));
        var buffer = new byte[data.Length];
        var result = reply(buffer);
        buffer.AsSpan(0, result.Transferred).CopyTo(data);
        return result;
    }

    /// <summary>A 512-byte IDENTIFY PACKET DEVICE block: CD/DVD packet device with the given strings.</summary>
    public static void FillIdentify(byte[] block, string model, string revision, string serial)
    {
        void Put(int word, int words, string text)
        {
            var padded = text.PadRight(words * 2);
            for (var i = 0; i < words; i++)
            {
                // ATA strings: first character in the high byte; the block is little-endian words.
                block[2 * (word + i)] = (byte)padded[2 * i + 1];
                block[2 * (word + i) + 1] = (byte)padded[2 * i];
            }
        }
        block[0] = 0x80;
        block[1] = 0x85; // word 0 = 8580h: ATAPI, type 05h (CD/DVD), 12-byte packets
        Put(10, 10, serial);
        Put(23, 4, revision);
        Put(27, 20, model);
    }
}
