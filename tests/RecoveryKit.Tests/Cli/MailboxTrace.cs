using RecoveryKit.Diagnostics;

namespace RecoveryKit.Tests.Cli;

/// <summary>
/// Decodes a --transcript into the flash-bus cycles the vendor-mode mailbox carried: the bank in the device
/// register's head bits, the address in LBA high/mid, the data in LBA low, then sector-count codes
/// 20h 40h 42h 01h for a write or 20h 08h (and a read of LBA low) for a read. Each CLI run builds a fresh
/// virtual bench, so this is how a test sees what a finished run did to the flash.
/// </summary>
internal sealed class MailboxTrace
{
    private MailboxTrace(List<(uint Address, byte Data)> writes, Dictionary<uint, byte> lastRead)
    {
        Writes = writes;
        LastRead = lastRead;
    }

    /// <summary>Every flash-bus write (command cycles and program data), in order.</summary>
    public IReadOnlyList<(uint Address, byte Data)> Writes { get; }

    /// <summary>The value each flash address gave the last time it was read.</summary>
    public IReadOnlyDictionary<uint, byte> LastRead { get; }

    /// <summary>Addresses of sector erases (AAh 55h 80h AAh 55h, then 30h at the sector).</summary>
    public IEnumerable<uint> SectorErases() =>
        Enumerable.Range(5, Math.Max(0, Writes.Count - 5))
            .Where(i => Writes[i].Data == 0x30 && Writes[i - 3].Data == 0x80 && Writes[i - 5].Data == 0xAA)
            .Select(i => Writes[i].Address);

    /// <summary>Whether a chip erase (… 80h AAh 55h 10h) was sent.</summary>
    public bool ChipErase() =>
        Enumerable.Range(3, Math.Max(0, Writes.Count - 3)).Any(i => Writes[i].Data == 0x10 && Writes[i - 3].Data == 0x80);

    public static MailboxTrace Decode(string transcriptPath, int commandBase)
    {
        var writes = new List<(uint, byte)>();
        var lastRead = new Dictionary<uint, byte>();
        uint bank = 0, high = 0, low = 0;
        byte data = 0;
        var codes = new List<byte>();
        uint? pendingRead = null;
        foreach (var entry in TranscriptReader.Expand(File.ReadLines(transcriptPath)))
        {
            var a = entry.Access;
            if (entry.Event is not null || a.IsWord)
                continue;
            var offset = a.Port - commandBase;
            var value = (byte)a.Value;
            if (a.IsWrite)
            {
                switch (offset)
                {
                    case 2:
                        codes.Add(value);
                        if (value == 0x01 && codes.Count >= 4 && codes[^4] == 0x20 && codes[^3] == 0x40 && codes[^2] == 0x42)
                            writes.Add(((bank << 16) | (high << 8) | low, data));
                        else if (value == 0x08 && codes.Count >= 2 && codes[^2] == 0x20)
                            pendingRead = (bank << 16) | (high << 8) | low;
                        break;
                    case 3: data = value; break;
                    case 4: low = value; break;
                    case 5: high = value; break;
                    case 6: bank = value & 0x0Fu; break;
                }
            }
            else if (offset == 3 && pendingRead is { } address)
            {
                lastRead[address] = value;
                pendingRead = null;
            }
        }
        return new MailboxTrace(writes, lastRead);
    }
}
