using System.Globalization;
using System.Text;

namespace RecoveryKit.Diagnostics;

/// <summary>One step of a recorded session: a register access, or an event such as a power cycle.</summary>
/// <param name="Line">The transcript line it comes from (1-based).</param>
/// <param name="Index">Which access of that line (0 for a line that holds one).</param>
/// <param name="Event">For an event line ("power-cycle 3 yes"): its text; null for an access.</param>
public readonly record struct TranscriptEntry(RegisterAccess Access, int Line, int Index, string? Event = null);

/// <summary>A channel the recorded bench had ("# channel 1 secondary 170 376").</summary>
public sealed record TranscriptChannel(int Index, string Name, ushort CommandBase, ushort ControlBase);

/// <summary>What a transcript's header says: the command line that ran, the bench and its channels.</summary>
public sealed record TranscriptHeader(IReadOnlyList<string>? Arguments, string? Bench, IReadOnlyList<TranscriptChannel> Channels, string? Version);

/// <summary>
/// Reads both transcript formats (docs/transcript.md) back into the exact register accesses they stand for, in order.
/// Raw lines are a subset of the compact format, so one reader serves both.
/// </summary>
public static class TranscriptReader
{
    /// <summary>The header lines ("# …") before the first access.</summary>
    public static TranscriptHeader ReadHeader(IEnumerable<string> lines)
    {
        IReadOnlyList<string>? args = null;
        string? bench = null;
        string? version = null;
        var channels = new List<TranscriptChannel>();
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0)
                continue;
            if (!line.StartsWith('#'))
                break;
            var text = line[1..].Trim();
            if (text.StartsWith("args:", StringComparison.Ordinal))
                args = SplitArguments(text["args:".Length..]);
            else if (text.StartsWith("bench:", StringComparison.Ordinal))
                bench = text["bench:".Length..].Trim();
            else if (text.StartsWith("version:", StringComparison.Ordinal))
                version = text["version:".Length..].Trim();
            else if (text.StartsWith("channel ", StringComparison.Ordinal))
            {
                var p = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (p.Length == 5 && int.TryParse(p[1], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                    && ushort.TryParse(p[3], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var cmd)
                    && ushort.TryParse(p[4], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var ctl))
                    channels.Add(new TranscriptChannel(index, p[2], cmd, ctl));
            }
        }
        return new TranscriptHeader(args, bench, channels, version);
    }

    /// <summary>Every access (and event) the lines stand for, in order.</summary>
    /// <exception cref="RecoveryKitException">FileError naming the first line that is not a transcript line.</exception>
    public static IEnumerable<TranscriptEntry> Expand(IEnumerable<string> lines, string name = "the transcript")
    {
        var shadow = new TranscriptShadow();
        var mailboxBase = -1;
        var ready = -1;
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.AsSpan().Trim();
            if (line.IsEmpty || line[0] == '#')
                continue;
            var p = raw.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (p[0])
            {
                case "W" or "R":
                {
                    if (p.Length is not (3 or 4) || !TryHex(p[1], 1, 4, out var port) || !TryHex(p[2], 2, 4, out var value) || p[2].Length is 3)
                        throw Bad(name, number, raw, "an access is 'W|R PORT VALUE [xCOUNT]'");
                    long count = 1;
                    if (p.Length == 4 && !(p[3].Length > 1 && p[3][0] is 'x' or '×' && long.TryParse(p[3].AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out count) && count >= 1))
                        throw Bad(name, number, raw, "a repeat count is 'xN' with N ≥ 1");
                    var access = new RegisterAccess(p[0] == "W", port, (ushort)value, p[2].Length == 4);
                    if (access.IsWrite && !access.IsWord)
                        shadow.Track(port, (byte)value);
                    for (long i = 0; i < count; i++)
                        yield return new TranscriptEntry(access, number, (int)Math.Min(i, int.MaxValue));
                    break;
                }
                case "mailbox":
                    if (p.Length != 3 || !TryHex(p[1], 1, 4, out mailboxBase) || !TryHex(p[2], 2, 2, out ready))
                        throw Bad(name, number, raw, "a mailbox line is 'mailbox BASE READY'");
                    break;
                case "mw":
                {
                    RequireMailbox(name, number, raw, mailboxBase);
                    if (p.Length != 3 || !TryHex(p[1], 4, 4, out var address) || !TryHex(p[2], 2, 2, out var data))
                        throw Bad(name, number, raw, "a mailbox write is 'mw ADDRESS DATA'");
                    var index = 0;
                    foreach (var a in WriteCycle(mailboxBase, ready, address, (byte)data))
                        yield return new TranscriptEntry(a, number, index++);
                    break;
                }
                case "rd":
                {
                    RequireMailbox(name, number, raw, mailboxBase);
                    if (p.Length != 3 || !TryHex(p[1], 4, 4, out var start) || p[2].Length % 2 != 0 || !IsHex(p[2]) || start + (p[2].Length / 2) > 0x10000)
                        throw Bad(name, number, raw, "a read run is 'rd ADDRESS HEXBYTES' within 64 KiB");
                    var bank = shadow.Bank(mailboxBase);
                    var index = 0;
                    for (var i = 0; i < p[2].Length / 2; i++)
                    {
                        var value = (byte)int.Parse(p[2].AsSpan(i * 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
                        bank[start + i] = value;
                        foreach (var a in ReadCycle(mailboxBase, ready, start + i, value))
                            yield return new TranscriptEntry(a, number, index++);
                    }
                    break;
                }
                case "rs":
                {
                    RequireMailbox(name, number, raw, mailboxBase);
                    if (p.Length != 3 || !TryHex(p[1], 4, 4, out var start) || !int.TryParse(p[2], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                        || count < 1 || start + count > 0x10000)
                        throw Bad(name, number, raw, "a known-value read run is 'rs ADDRESS COUNT' within 64 KiB");
                    var bank = shadow.Bank(mailboxBase);
                    var index = 0;
                    for (var i = 0; i < count; i++)
                    {
                        var known = bank[start + i];
                        if (known < 0)
                            throw Bad(name, number, raw, $"address {start + i:X4} was never read or programmed before this line");
                        foreach (var a in ReadCycle(mailboxBase, ready, start + i, (byte)known))
                            yield return new TranscriptEntry(a, number, index++);
                    }
                    break;
                }
                case "pg":
                {
                    RequireMailbox(name, number, raw, mailboxBase);
                    if (p.Length != 5 || !TryHex(p[1], 4, 4, out var unlock1) || !TryHex(p[2], 4, 4, out var unlock2) || !TryHex(p[3], 4, 4, out var start)
                        || p[4].Length % 2 != 0 || !IsHex(p[4]) || start + (p[4].Length / 2) > 0x10000)
                        throw Bad(name, number, raw, "a program run is 'pg UNLOCK1 UNLOCK2 ADDRESS HEXBYTES' within 64 KiB");
                    var index = 0;
                    for (var i = 0; i < p[4].Length / 2; i++)
                    {
                        var value = (byte)int.Parse(p[4].AsSpan(i * 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
                        foreach (var a in WriteCycle(mailboxBase, ready, unlock1, 0xAA))
                            yield return new TranscriptEntry(a, number, index++);
                        foreach (var a in WriteCycle(mailboxBase, ready, unlock2, 0x55))
                            yield return new TranscriptEntry(a, number, index++);
                        foreach (var a in WriteCycle(mailboxBase, ready, unlock1, 0xA0))
                            yield return new TranscriptEntry(a, number, index++);
                        foreach (var a in WriteCycle(mailboxBase, ready, start + i, value))
                            yield return new TranscriptEntry(a, number, index++);
                        shadow.Bank(mailboxBase)[start + i] = value;
                        foreach (var a in ReadCycle(mailboxBase, ready, start + i, value))
                            yield return new TranscriptEntry(a, number, index++);
                    }
                    break;
                }
                case "power-cycle":
                    if (p.Length != 3 || p[2] is not ("yes" or "no"))
                        throw Bad(name, number, raw, "a power cycle is 'power-cycle POSITION yes|no'");
                    yield return new TranscriptEntry(default, number, 0, raw.Trim());
                    break;
                default:
                    throw Bad(name, number, raw, "unknown line kind");
            }
        }
    }

    /// <summary>The register accesses of one mailbox read cycle (PROTOCOL.md §4).</summary>
    public static RegisterAccess[] ReadCycle(int @base, int ready, int address, byte value) =>
    [
        new(true, @base + 2, 0x15, false),
        new(true, @base + 5, (ushort)((address >> 8) & 0xFF), false),
        new(true, @base + 4, (ushort)(address & 0xFF), false),
        new(false, @base + 7, (ushort)ready, false),
        new(true, @base + 2, 0x20, false),
        new(true, @base + 2, 0x08, false),
        new(false, @base + 3, value, false),
    ];

    /// <summary>The register accesses of one mailbox write cycle (PROTOCOL.md §4).</summary>
    public static RegisterAccess[] WriteCycle(int @base, int ready, int address, byte value) =>
    [
        new(true, @base + 2, 0x15, false),
        new(true, @base + 5, (ushort)((address >> 8) & 0xFF), false),
        new(true, @base + 4, (ushort)(address & 0xFF), false),
        new(false, @base + 7, (ushort)ready, false),
        new(true, @base + 3, value, false),
        new(true, @base + 2, 0x20, false),
        new(true, @base + 2, 0x40, false),
        new(true, @base + 2, 0x42, false),
        new(true, @base + 2, 0x01, false),
    ];

    /// <summary>The command line for a header: arguments separated by spaces, quoted with \" \\ \xNN where needed.</summary>
    public static string JoinArguments(IEnumerable<string> args) => string.Join(' ', args.Select(Quote));

    private static string Quote(string arg)
    {
        if (arg.Length > 0 && !arg.Any(c => c is ' ' or '"' or '\\' || char.IsControl(c)))
            return arg;
        var sb = new StringBuilder("\"");
        foreach (var c in arg)
        {
            if (c is '"' or '\\')
                sb.Append('\\').Append(c);
            else if (char.IsControl(c))
                sb.Append("\\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            else
                sb.Append(c);
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Splits what <see cref="JoinArguments"/> wrote.</summary>
    public static IReadOnlyList<string> SplitArguments(string text)
    {
        var result = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == ' ')
            {
                i++;
                continue;
            }
            var sb = new StringBuilder();
            if (text[i] == '"')
            {
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        if (text[i + 1] == 'x' && i + 3 < text.Length
                            && int.TryParse(text.AsSpan(i + 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                        {
                            sb.Append((char)code);
                            i += 4;
                            continue;
                        }
                        sb.Append(text[i + 1]);
                        i += 2;
                        continue;
                    }
                    sb.Append(text[i++]);
                }
                i++;
            }
            else
            {
                while (i < text.Length && text[i] != ' ')
                    sb.Append(text[i++]);
            }
            result.Add(sb.ToString());
        }
        return result;
    }

    private static void RequireMailbox(string name, int number, string raw, int mailboxBase)
    {
        if (mailboxBase < 0)
            throw Bad(name, number, raw, "a mailbox line comes before any 'mailbox BASE READY' line");
    }

    private static bool TryHex(string text, int minDigits, int maxDigits, out int value)
    {
        value = 0;
        return text.Length >= minDigits && text.Length <= maxDigits && IsHex(text)
            && int.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    private static bool IsHex(string text) => text.Length > 0 && text.AsSpan().IndexOfAnyExcept("0123456789ABCDEFabcdef") < 0;

    private static RecoveryKitException Bad(string name, int number, string raw, string rule)
    {
        var shown = raw.Length > 60 ? raw[..60] + "…" : raw;
        return new RecoveryKitException(FailureKind.FileError, "transcript",
            $"line {number} of {name} is not a transcript line (\"{TranscriptWriter.Escape(shown)}\": {rule})",
            "Use the file RecoveryKit wrote with --transcript, unedited (docs/transcript.md describes the format).");
    }
}
