using System.Text;

namespace RecoveryKit.Firmware;

/// <summary>Ways to damage an image for tests, each modelled on something users ran into (PROTOCOL.md §9).</summary>
public enum Corruption
{
    /// <summary>The write stopped partway: from a seeded point in the second half on, the flash stays erased (0xFF).</summary>
    HalfWritten,
    /// <summary>One bit flipped in the main firmware (a bad byte program).</summary>
    BitFlip,
    /// <summary>One 4 KiB sector after the boot block erased and never programmed.</summary>
    ErasedSector,
    /// <summary>The file cut short by a seeded number of bytes (floppy or download error): no longer a valid size.</summary>
    Truncated,
}

/// <summary>
/// Builds deterministic fake firmware images for tests and the emulator: identity strings where the family keeps
/// them, code-like bytes (an 8051 opcode mix, not uniform noise), large erased 0xFF regions, and a checksum that
/// satisfies the family's validity rule. Never real vendor firmware.
/// </summary>
public static class SyntheticImage
{
    /// <summary>Where the INQUIRY block goes in images of families whose identity is found by search.</summary>
    public const int SearchIdentityOffset = 0x10100;

    /// <summary>
    /// Builds an image. The boot block depends only on the family and seed, so two revisions built with the same seed
    /// share their boot code (as real updates of one drive do); the rest depends on seed and revision.
    /// </summary>
    /// <exception cref="ArgumentException">The size is not one the family ships with, or the revision is not 4 characters.</exception>
    public static byte[] Build(ImageFamily family, int sizeBytes, string revision, int seed)
    {
        ArgumentNullException.ThrowIfNull(family);
        if (!family.FitsSize(sizeBytes))
        {
            throw new ArgumentException(
                $"{family.Name} images are {string.Join(" or ", family.FlashSizes.Value.Select(s => FlashSize.Describe(s)))}, not {FlashSize.Describe(sizeBytes)}",
                nameof(sizeBytes));
        }
        if (revision is null || revision.Length != IdentityStrings.RevisionLength || revision.Any(c => c is < ' ' or > '~'))
            throw new ArgumentException("a revision is 4 printable ASCII characters, e.g. \"FS0J\"", nameof(revision));

        var image = new byte[sizeBytes];
        Array.Fill(image, (byte)0xFF);
        var boot = family.BootBlock;

        // Boot code: reset vector, then code over part of the block; the rest stays erased.
        var bootRandom = new Random(Mix(seed, Stable(family.Name)));
        var bootStart = Math.Min(boot.Start, sizeBytes);
        var bootEnd = Math.Min(boot.End, sizeBytes);
        FillCode(image.AsSpan(bootStart, bootEnd - bootStart), bootRandom, 0.35, 0.75);
        if (bootEnd - bootStart >= 3)
        {
            image[bootStart] = 0x02; // LJMP to the boot code's start
            image[bootStart + 1] = 0x00;
            image[bootStart + 2] = 0x30;
        }

        // Main firmware: bank by bank, some banks code-heavy, some nearly empty, a few left fully erased.
        var mainRandom = new Random(Mix(Mix(seed, Stable(family.Name)), Stable(revision)));
        var reserved = ReservedRanges(family, sizeBytes);
        for (var bankStart = 0; bankStart < sizeBytes; bankStart += FlashSize.Bank)
        {
            var from = Math.Max(bankStart, bootEnd);
            var to = bankStart + FlashSize.Bank;
            if (from >= to)
                continue;
            if (bankStart > 0 && mainRandom.Next(5) == 0)
                continue; // an erased bank: large padding region
            FillCode(image.AsSpan(from, to - from), mainRandom, 0.2, 0.9);
        }
        foreach (var (start, length) in reserved)
            image.AsSpan(start, length).Fill(0xFF);

        // Identity strings.
        var vendorAt = family.Identity.IsFixed ? family.Identity.VendorAt!.Value : SearchIdentityOffset;
        var productAt = family.Identity.IsFixed ? family.Identity.ProductAt!.Value : vendorAt + IdentityStrings.VendorLength;
        var revisionAt = family.Identity.IsFixed ? family.Identity.RevisionAt!.Value : productAt + IdentityStrings.ProductLength;
        Put(image, vendorAt, family.Vendor.Value, IdentityStrings.VendorLength);
        Put(image, productAt, family.Products.Value[0], IdentityStrings.ProductLength);
        Put(image, revisionAt, revision, IdentityStrings.RevisionLength);

        // Make sure main firmware is not blank, then satisfy the validity rule.
        if (bootEnd < sizeBytes && image.AsSpan(bootEnd).IndexOfAnyExcept((byte)0xFF) < 0)
            image[bootEnd] = 0x22; // RET
        if (family.Validity.CanFix)
            family.Validity.Fix(image);
        return image;
    }

    /// <summary>Returns a damaged copy of an image; deterministic from the seed.</summary>
    public static byte[] Corrupt(ReadOnlySpan<byte> image, Corruption kind, int seed, BootBlock? bootBlock = null)
    {
        var boot = bootBlock ?? BootBlock.Default;
        var random = new Random(seed);
        var copy = image.ToArray();
        var mainStart = Math.Min(boot.End, copy.Length);
        switch (kind)
        {
            case Corruption.HalfWritten:
            {
                var half = Math.Max(mainStart, copy.Length / 2);
                var stop = half + random.Next(Math.Max(1, copy.Length - half - 2));
                copy.AsSpan(stop).Fill(0xFF);
                break;
            }
            case Corruption.BitFlip:
            {
                // Flip a bit in a programmed byte of the main area so the change cannot hide in erased padding.
                var at = mainStart + random.Next(Math.Max(1, copy.Length - mainStart));
                var programmed = copy.AsSpan(at).IndexOfAnyExcept((byte)0xFF);
                at = programmed >= 0 ? at + programmed : mainStart;
                copy[at] ^= (byte)(1 << random.Next(8));
                break;
            }
            case Corruption.ErasedSector:
            {
                var sectors = (copy.Length - mainStart) / FlashSize.Sector;
                var start = mainStart + random.Next(Math.Max(1, sectors)) * FlashSize.Sector;
                copy.AsSpan(start, Math.Min(FlashSize.Sector, copy.Length - start)).Fill(0xFF);
                break;
            }
            case Corruption.Truncated:
                return copy[..Math.Max(0, copy.Length - 1 - random.Next(Math.Max(1, copy.Length / 4)))];
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown corruption");
        }
        return copy;
    }

    private static List<(int Start, int Length)> ReservedRanges(ImageFamily family, int size)
    {
        // Keep the checksum's stored bytes erased until the rule writes them.
        var ranges = new List<(int, int)>();
        if (family.Validity is Sum16BigEndianRule rule)
        {
            var at = rule.StoredAtOffset < 0 ? size + rule.StoredAtOffset : rule.StoredAtOffset;
            if (at >= 0 && at + 2 <= size)
                ranges.Add(((int)at, 2));
        }
        return ranges;
    }

    /// <summary>Fills a span with 8051-like code over a seeded fraction of it; the tail stays erased.</summary>
    private static void FillCode(Span<byte> target, Random random, double minFraction, double maxFraction)
    {
        var used = (int)(target.Length * (minFraction + random.NextDouble() * (maxFraction - minFraction)));
        var i = 0;
        while (i < used)
        {
            var roll = random.Next(100);
            ReadOnlySpan<byte> instruction = roll switch
            {
                < 12 => [0x74, (byte)random.Next(256)],                                  // MOV A,#imm
                < 22 => [0xF5, (byte)random.Next(0x20, 0x80)],                            // MOV direct,A
                < 30 => [0xE5, (byte)random.Next(0x20, 0x80)],                            // MOV A,direct
                < 38 => [0x90, (byte)random.Next(0x80, 0xFF), (byte)random.Next(256)],     // MOV DPTR,#xdata
                < 45 => [0xE0],                                                           // MOVX A,@DPTR
                < 51 => [0xF0],                                                           // MOVX @DPTR,A
                < 55 => [0xA3],                                                           // INC DPTR
                < 63 => [0x12, (byte)random.Next(256), (byte)random.Next(256)],           // LCALL
                < 67 => [0x02, (byte)random.Next(256), (byte)random.Next(256)],           // LJMP
                < 72 => [(byte)(0x60 | random.Next(2) << 4), (byte)random.Next(256)],     // JZ / JNZ rel
                < 76 => [0x80, (byte)random.Next(256)],                                   // SJMP rel
                < 80 => [0xB4, (byte)random.Next(256), (byte)random.Next(256)],           // CJNE A,#imm,rel
                < 84 => [(byte)(0xE8 | random.Next(8))],                                  // MOV A,Rn
                < 88 => [(byte)(0xF8 | random.Next(8))],                                  // MOV Rn,A
                < 91 => [(byte)(0xC2 | random.Next(2) << 4), (byte)random.Next(256)],     // CLR / SETB bit
                < 94 => [0xE4],                                                           // CLR A
                < 97 => [0x22],                                                           // RET
                _ => [(byte)(0xC0 | random.Next(2) << 4), (byte)random.Next(0x20, 0x80)], // PUSH / POP
            };
            if (i + instruction.Length > used)
                break;
            instruction.CopyTo(target[i..]);
            i += instruction.Length;
        }
    }

    private static void Put(byte[] image, int offset, string text, int length)
    {
        if (offset < 0 || offset + length > image.Length)
            return;
        var field = image.AsSpan(offset, length);
        field.Fill((byte)' ');
        Encoding.ASCII.GetBytes(text.AsSpan(0, Math.Min(text.Length, length)), field);
    }

    /// <summary>Combines two seeds; unlike HashCode.Combine it gives the same value in every process.</summary>
    private static int Mix(int a, int b) => unchecked((int)((uint)a * 0x9E3779B1u ^ (uint)b * 0x85EBCA77u));

    /// <summary>A string hash that is the same in every process (string.GetHashCode is randomised).</summary>
    private static int Stable(string text)
    {
        var hash = 17;
        foreach (var c in text)
            hash = unchecked(hash * 31 + c);
        return hash;
    }
}
