using System.Buffers.Binary;
using RecoveryKit.Diagnostics;

namespace RecoveryKit.Firmware;

/// <summary>
/// The rule a drive's boot code applies before it starts the main firmware, as far as it is known (PROTOCOL.md §7,
/// R5/R6). Every rule comes from families.json with its evidence grade.
/// </summary>
public abstract class ValidityRule
{
    protected ValidityRule(Evidence evidence) => Evidence = evidence;

    public Evidence Evidence { get; }

    /// <summary>The rule's name in families.json, e.g. "sum16-be".</summary>
    public abstract string Kind { get; }

    /// <summary>True when the image carries a stored value that <see cref="Fix"/> can rewrite.</summary>
    public abstract bool CanFix { get; }

    /// <summary>The checksum the rule computes over the image (what a fixed image would store or send).</summary>
    public abstract ushort Compute(ReadOnlySpan<byte> image);

    /// <summary>The value stored in the image, or null when the rule stores none or the image is too small.</summary>
    public abstract ushort? Stored(ReadOnlySpan<byte> image);

    /// <summary>Would the boot code accept this image and start it?</summary>
    public abstract bool IsValid(ReadOnlySpan<byte> image);

    /// <summary>Rewrites the stored checksum so that <see cref="IsValid"/> holds.</summary>
    /// <exception cref="RecoveryKitException">The rule has no stored checksum, or the image is too small for it.</exception>
    public abstract void Fix(Span<byte> image);

    /// <summary>One line for reports, e.g. "16-bit sum of 0x010000-0x1E1FFF stored big-endian at 0x1FFFFE".</summary>
    public abstract string Describe();

    internal static ushort Sum16(ReadOnlySpan<byte> bytes)
    {
        uint sum = 0;
        foreach (var b in bytes)
            sum += b;
        return (ushort)sum;
    }
}

/// <summary>
/// A 16-bit byte sum over [start, end] stored big-endian at storedAt. Offsets may be negative: they then count from
/// the end of the image (-2 = the last two bytes), so one rule fits every flash size of a family.
/// </summary>
public sealed class Sum16BigEndianRule : ValidityRule
{
    public Sum16BigEndianRule(long start, long end, long storedAt, Evidence evidence) : base(evidence)
    {
        StartOffset = start;
        EndOffset = end;
        StoredAtOffset = storedAt;
    }

    /// <summary>First summed byte (negative: from the end).</summary>
    public long StartOffset { get; }

    /// <summary>Last summed byte, inclusive (negative: from the end).</summary>
    public long EndOffset { get; }

    /// <summary>Where the big-endian sum is stored (negative: from the end).</summary>
    public long StoredAtOffset { get; }

    public override string Kind => "sum16-be";

    public override bool CanFix => true;

    private bool TryResolve(int length, out int start, out int end, out int storedAt)
    {
        start = Resolve(StartOffset, length);
        end = Resolve(EndOffset, length);
        storedAt = Resolve(StoredAtOffset, length);
        return start >= 0 && end >= start && end < length && storedAt >= 0 && storedAt + 1 < length;
    }

    private static int Resolve(long offset, int length)
    {
        var value = offset < 0 ? length + offset : offset;
        return value is < 0 or > int.MaxValue ? -1 : (int)value;
    }

    public override ushort Compute(ReadOnlySpan<byte> image)
    {
        if (!TryResolve(image.Length, out var start, out var end, out _))
            return 0;
        return Sum16(image[start..(end + 1)]);
    }

    public override ushort? Stored(ReadOnlySpan<byte> image)
    {
        if (!TryResolve(image.Length, out _, out _, out var storedAt))
            return null;
        return BinaryPrimitives.ReadUInt16BigEndian(image[storedAt..]);
    }

    public override bool IsValid(ReadOnlySpan<byte> image)
    {
        if (!TryResolve(image.Length, out _, out _, out _))
            return false;
        return Stored(image) == Compute(image);
    }

    public override void Fix(Span<byte> image)
    {
        if (!TryResolve(image.Length, out _, out _, out var storedAt))
        {
            throw new RecoveryKitException(FailureKind.ImageRejected, "fix-checksum",
                $"the image ({FlashSize.Describe(image.Length)}) is too small for the rule \"{Describe()}\"",
                "Check that the image belongs to this family.");
        }
        BinaryPrimitives.WriteUInt16BigEndian(image[storedAt..], Compute(image));
    }

    public override string Describe() =>
        $"16-bit sum of {Show(StartOffset)}-{Show(EndOffset)} stored big-endian at {Show(StoredAtOffset)}";

    private static string Show(long offset) => offset < 0 ? $"end-0x{-offset:X}" : $"0x{offset:X6}";
}

/// <summary>
/// BTC: the 16-bit sum of every byte is computed by the flasher and sent with the upload (WRITE BUFFER header,
/// PROTOCOL.md §8) [V btcflash]; the image itself stores no sum. The only in-image check left is that the firmware
/// after <see cref="MainStart"/> is not erased; that part is a reconstruction and says so in its evidence.
/// </summary>
public sealed class Sum16TotalRule : ValidityRule
{
    public Sum16TotalRule(long mainStart, Evidence evidence) : base(evidence) => MainStart = mainStart;

    /// <summary>Where main firmware starts; an image erased (all 0xFF) from here on is invalid.</summary>
    public long MainStart { get; }

    public override string Kind => "sum16-total";

    public override bool CanFix => false;

    public override ushort Compute(ReadOnlySpan<byte> image) => Sum16(image);

    public override ushort? Stored(ReadOnlySpan<byte> image) => null;

    public override bool IsValid(ReadOnlySpan<byte> image)
    {
        if (!FlashSize.IsValid(image.Length) || MainStart >= image.Length)
            return false;
        return image[(int)MainStart..].IndexOfAnyExcept((byte)0xFF) >= 0;
    }

    public override void Fix(Span<byte> image) =>
        throw new RecoveryKitException(FailureKind.ImageRejected, "fix-checksum",
            "this family stores no checksum in the image (the flasher sends the 16-bit sum with the upload)",
            "Nothing to fix: flash the image as it is.");

    public override string Describe() =>
        $"16-bit sum of all bytes, sent with the upload, not stored; main firmware from 0x{MainStart:X6} must not be erased";
}

/// <summary>
/// No rule is known for what the boot code checks (the Xbox 360 drives): an image counts as startable when it is not
/// blank. The rule carries its evidence like any other and never gates a flash on its own.
/// </summary>
public sealed class NoKnownRule : ValidityRule
{
    public NoKnownRule(Evidence evidence) : base(evidence)
    {
    }

    public override string Kind => "none";

    public override bool CanFix => false;

    public override ushort Compute(ReadOnlySpan<byte> image) => Sum16(image);

    public override ushort? Stored(ReadOnlySpan<byte> image) => null;

    public override bool IsValid(ReadOnlySpan<byte> image) =>
        FlashSize.IsValid(image.Length) && image.IndexOfAnyExcept((byte)0xFF) >= 0;

    public override void Fix(Span<byte> image) =>
        throw new RecoveryKitException(FailureKind.ImageRejected, "fix-checksum",
            "no checksum rule is known for this family",
            "Nothing to fix: flash the image as it is.");

    public override string Describe() => "no known rule; the image must not be blank";
}
