using System.Text;
using RecoveryKit.Diagnostics;

namespace RecoveryKit.Firmware;

/// <summary>
/// BTC/MediaTek Intel-HEX (PROTOCOL.md §7, [V btcflash]): data records carry 16-bit offsets inside the current
/// 64 KiB bank, the non-standard record <c>:00000155AA</c> moves to the next bank, <c>:00000001FF</c> ends the file.
/// The reader is strict: every checksum is verified, and overlapping or out-of-order records, bank overflow and
/// unknown record types are rejected with the line number. Missing bytes read as 0xFF (erased flash).
/// </summary>
public static class IntelHex
{
    /// <summary>The bank-advance record.</summary>
    public const string NextBankRecord = ":00000155AA";

    /// <summary>The end-of-file record.</summary>
    public const string EndRecord = ":00000001FF";

    private const byte DataRecord = 0x00;
    private const byte EndOfFileRecord = 0x01;
    private const byte BankRecord = 0x55;
    private const int MaxBanks = 32; // 2 MiB, the largest flash

    /// <summary>Does the content look like Intel-HEX text (first non-blank character ':' and only text bytes)?</summary>
    public static bool LooksLikeHex(ReadOnlySpan<byte> content)
    {
        var i = 0;
        if (content.StartsWith("\uFEFF"u8))
            i = 3;
        while (i < content.Length && content[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            i++;
        if (i >= content.Length || content[i] != (byte)':')
            return false;
        var probe = content[i..Math.Min(content.Length, i + 256)];
        foreach (var b in probe)
        {
            if (b is not ((>= 0x20 and <= 0x7E) or (byte)'\r' or (byte)'\n' or (byte)'\t'))
                return false;
        }
        return true;
    }

    /// <summary>Reads a HEX file into a whole-flash image, rounded up to a valid flash size.</summary>
    /// <exception cref="RecoveryKitException">ImageRejected, naming the line.</exception>
    public static byte[] Read(ReadOnlySpan<byte> content, string sourceName)
    {
        var image = new byte[FlashSize.Largest];
        Array.Fill(image, (byte)0xFF);
        var written = new bool[FlashSize.Largest];
        var bank = 0;
        var highest = -1;       // highest address written
        var lastEnd = 0;        // one past the last record's bytes, for order checks
        var ended = false;
        var lineNumber = 0;
        var start = 0;
        if (content.StartsWith("\uFEFF"u8))
            start = 3;

        while (start < content.Length)
        {
            var newline = content[start..].IndexOf((byte)'\n');
            var raw = newline < 0 ? content[start..] : content.Slice(start, newline);
            start = newline < 0 ? content.Length : start + newline + 1;
            lineNumber++;
            if (raw.Length > 0 && raw[^1] == (byte)'\r')
                raw = raw[..^1];
            var line = raw.Trim(" \t"u8);
            if (line.IsEmpty)
                continue;
            if (ended)
                throw Bad(sourceName, lineNumber, "there is a record after the end record (:00000001FF)");
            if (line[0] != (byte)':')
                throw Bad(sourceName, lineNumber, "the line does not start with ':'");

            var record = DecodeRecord(line[1..], sourceName, lineNumber);
            var length = record[0];
            var offset = record[1] << 8 | record[2];
            var type = record[3];

            switch (type)
            {
                case DataRecord:
                    if (length == 0)
                        throw Bad(sourceName, lineNumber, "a data record carries no bytes");
                    if (offset + length > FlashSize.Bank)
                    {
                        throw Bad(sourceName, lineNumber,
                            $"the record at offset 0x{offset:X4} with {length} bytes runs past the end of 64 KiB bank {bank}");
                    }
                    var address = bank * FlashSize.Bank + offset;
                    if (address < lastEnd)
                    {
                        for (var i = 0; i < length; i++)
                        {
                            if (written[address + i])
                            {
                                throw Bad(sourceName, lineNumber,
                                    $"the record at 0x{address:X6} overlaps bytes already written at 0x{address + i:X6}");
                            }
                        }
                        throw Bad(sourceName, lineNumber,
                            $"the record at 0x{address:X6} is out of order (the previous record ended at 0x{lastEnd:X6})");
                    }
                    for (var i = 0; i < length; i++)
                    {
                        image[address + i] = record[4 + i];
                        written[address + i] = true;
                    }
                    lastEnd = address + length;
                    highest = Math.Max(highest, lastEnd - 1);
                    break;

                case BankRecord when length == 0 && offset == 0x0001:
                    bank++;
                    if (bank >= MaxBanks)
                    {
                        throw Bad(sourceName, lineNumber,
                            $"bank {bank} is past the largest flash ({FlashSize.Describe(FlashSize.Largest)} = {MaxBanks} banks)");
                    }
                    lastEnd = Math.Max(lastEnd, bank * FlashSize.Bank);
                    break;

                case EndOfFileRecord when length == 0 && offset == 0:
                    ended = true;
                    break;

                default:
                    throw Bad(sourceName, lineNumber,
                        $"record type 0x{type:X2} (length {length}, offset 0x{offset:X4}) is not a data record, " +
                        $"the bank record {NextBankRecord} or the end record {EndRecord}");
            }
        }

        if (!ended)
        {
            throw new RecoveryKitException(FailureKind.ImageRejected, "read-image",
                $"{sourceName} has no end record ({EndRecord}); the file is probably cut short",
                "Get a complete copy of the HEX file.");
        }
        if (highest < 0)
        {
            throw new RecoveryKitException(FailureKind.ImageRejected, "read-image",
                $"{sourceName} holds no data records", "Check that this is a firmware HEX file.");
        }

        var used = Math.Max(highest + 1, (bank + 1) * FlashSize.Bank);
        var size = FlashSize.RoundUp(used)!.Value; // bank < 32 keeps this within 2 MiB
        return image.AsSpan(0, size).ToArray();
    }

    /// <summary>
    /// Writes an image as BTC HEX: 16-byte data records, runs of erased 0xFF bytes left out, one bank record between
    /// banks, the end record last. Reading the result gives back exactly the same bytes.
    /// </summary>
    public static string Write(ReadOnlySpan<byte> image, string newline = "\r\n")
    {
        if (!FlashSize.IsValid(image.Length))
            throw new ArgumentException($"image size {image.Length} is not a valid flash size", nameof(image));
        const int recordLength = 16;
        var text = new StringBuilder(image.Length * 3);
        var banks = image.Length / FlashSize.Bank;
        for (var bank = 0; bank < banks; bank++)
        {
            if (bank > 0)
                text.Append(NextBankRecord).Append(newline);
            var bankBytes = image.Slice(bank * FlashSize.Bank, FlashSize.Bank);
            for (var offset = 0; offset < FlashSize.Bank; offset += recordLength)
            {
                var chunk = bankBytes.Slice(offset, recordLength);
                if (chunk.IndexOfAnyExcept((byte)0xFF) < 0)
                    continue;
                var sum = recordLength + (offset >> 8) + (offset & 0xFF) + DataRecord;
                text.Append(':').Append(recordLength.ToString("X2")).Append(offset.ToString("X4")).Append("00");
                foreach (var b in chunk)
                {
                    text.Append(b.ToString("X2"));
                    sum += b;
                }
                text.Append(((byte)(0x100 - (sum & 0xFF))).ToString("X2")).Append(newline);
            }
        }
        text.Append(EndRecord).Append(newline);
        return text.ToString();
    }

    private static byte[] DecodeRecord(ReadOnlySpan<byte> hex, string sourceName, int lineNumber)
    {
        if (hex.Length < 10 || hex.Length % 2 != 0)
            throw Bad(sourceName, lineNumber, $"the record has {hex.Length} hex digits; a record needs an even count of at least 10");
        var bytes = new byte[hex.Length / 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            var high = Digit(hex[2 * i]);
            var low = Digit(hex[2 * i + 1]);
            if (high < 0 || low < 0)
                throw Bad(sourceName, lineNumber, $"'{RecoveryKit.Diagnostics.TranscriptWriter.Escape(((char)hex[high < 0 ? 2 * i : 2 * i + 1]).ToString())}' at column {2 * i + (high < 0 ? 2 : 3)} is not a hex digit");
            bytes[i] = (byte)(high << 4 | low);
        }
        if (bytes[0] + 5 != bytes.Length)
            throw Bad(sourceName, lineNumber, $"the record says {bytes[0]} data bytes but carries {bytes.Length - 5}");
        byte sum = 0;
        foreach (var b in bytes)
            sum += b;
        if (sum != 0)
        {
            var expected = (byte)(bytes[^1] - sum);
            throw Bad(sourceName, lineNumber, $"checksum 0x{bytes[^1]:X2} is wrong (the record's bytes need 0x{expected:X2})");
        }
        return bytes;
    }

    private static int Digit(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        _ => -1,
    };

    private static RecoveryKitException Bad(string sourceName, int lineNumber, string what) =>
        new(FailureKind.ImageRejected, "read-image", $"{sourceName} line {lineNumber}: {what}",
            "The HEX file is damaged or not a BTC/MediaTek HEX file; get a clean copy (or use the .bin).");
}
