using System.Security.Cryptography;

namespace RecoveryKit.Firmware;

/// <summary>
/// Where a family's flash keeps data unique to each drive (PROTOCOL.md §7: the DG-16D2S's 20-byte key block at 1FF00h,
/// the slim drives' key sector at 3E000h). From families.json with its grade. The bytes themselves are never shown:
/// only <see cref="Hash"/>.
/// </summary>
public sealed record KeyBlock(int Start, int Length, Evidence Evidence)
{
    public int End => Start + Length;

    public bool Overlaps(int start, int length) => start < End && Start < start + length;

    /// <summary>Whether an image of <paramref name="size"/> bytes contains the block.</summary>
    public bool Fits(int size) => End <= size;

    /// <summary>The block's bytes in <paramref name="flash"/> (empty when the image is too small).</summary>
    public ReadOnlySpan<byte> Of(ReadOnlySpan<byte> flash) => Fits(flash.Length) ? flash.Slice(Start, Length) : [];

    /// <summary>True when the block is all FFh (an erased drive) or all 00h.</summary>
    public bool IsBlank(ReadOnlySpan<byte> flash)
    {
        var bytes = Of(flash);
        return bytes.IsEmpty || bytes.IndexOfAnyExcept((byte)0xFF) < 0 || bytes.IndexOfAnyExcept((byte)0x00) < 0;
    }

    /// <summary>
    /// A short fingerprint of the block for logs and output: the first 16 hex digits of its SHA-256. Enough to tell two
    /// drives apart and to match a backup to its drive; too short and one-way, so the key cannot be read back from it.
    /// </summary>
    public string Hash(ReadOnlySpan<byte> flash)
    {
        var bytes = Of(flash);
        if (bytes.IsEmpty)
            return "(outside the image)";
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(bytes, digest);
        return Convert.ToHexStringLower(digest[..8]);
    }

    public override string ToString() => $"0x{Start:X6}-0x{End - 1:X6} ({Length} bytes)";
}
