using System.Buffers.Binary;
using System.Reflection.PortableExecutable;
using RecoveryKit.Diagnostics;

namespace RecoveryKit.Firmware;

/// <summary>
/// Finds a firmware image inside a vendor's updater executable (PROTOCOL.md §7). First a raw scan for a fixed-layout
/// family's identity strings (BTC: the strings fix the image's start); then the PE overlay (bytes after the last
/// section), each resource's data and each section's raw data. A block counts only when it has one of its family's
/// flash sizes, its identity strings name that family, and its start is established: by the fixed offsets, by filling
/// the region exactly, or by the family's stored checksum holding at that start (within 512 bytes of the region's
/// start). Updaters that keep the image scrambled or compressed (Lite-On from mid-2004) give a plain refusal, never a
/// guess.
/// </summary>
public static class VendorUpdater
{
    /// <summary>The message for an updater in which no image could be found.</summary>
    public const string ScrambledMessage =
        "this updater is scrambled or compressed; extract the .bin with the vendor tool or use a .bin";

    private const int MaxResourceEntries = 4096;
    private const int MaxResourceDepth = 3;
    private const int MaxSlide = 512;

    // Bounds that keep a crafted updater from costing more than a fraction of a second: the Windows loader itself
    // accepts at most 96 sections; real updaters have a handful of sections and resources.
    private const int MaxSections = 96;
    private const int MaxPlaces = 64;
    private const int MaxSlideAttempts = 2 * MaxSlide;

    /// <summary>Does the content start like a DOS/Windows executable?</summary>
    public static bool LooksLikeExecutable(ReadOnlySpan<byte> content) => content.StartsWith("MZ"u8);

    /// <summary>An image found in an updater: its bytes, where it starts in the file, and how it was found.</summary>
    public readonly record struct Found(byte[] Image, long Offset, string Location);

    /// <summary>Finds the embedded image.</summary>
    /// <exception cref="RecoveryKitException">ImageRejected: PE headers damaged, or no image found (scrambled).</exception>
    public static Found Extract(ReadOnlyMemory<byte> content, string sourceName) =>
        Extract(content, sourceName, ImageFamilies.All);

    public static Found Extract(ReadOnlyMemory<byte> content, string sourceName, IReadOnlyList<ImageFamily> families)
    {
        var places = new List<(long Start, long Length, string Label)>();
        try
        {
            using var pe = new PEReader(new MemoryStream(content.ToArray(), writable: false));
            var headers = pe.PEHeaders;
            var sections = headers.SectionHeaders.Take(MaxSections).ToArray();
            long overlay = headers.PEHeaderStartOffset;
            foreach (var section in sections)
                overlay = Math.Max(overlay, (long)section.PointerToRawData + section.SizeOfRawData);
            if (overlay < content.Length)
                places.Add((overlay, content.Length - overlay, $"PE overlay at 0x{overlay:X}"));

            if (headers.PEHeader is { } peHeader && peHeader.ResourceTableDirectory.Size > 0)
                AddResources(content.Span, headers, sections, peHeader.ResourceTableDirectory, places);

            foreach (var section in sections)
            {
                if (section.SizeOfRawData > 0)
                {
                    places.Add((section.PointerToRawData, section.SizeOfRawData,
                        $"section {section.Name} at 0x{section.PointerToRawData:X}"));
                }
            }
        }
        catch (BadImageFormatException ex)
        {
            throw new RecoveryKitException(FailureKind.ImageRejected, "read-image",
                $"{sourceName} starts like an executable but its PE headers are damaged ({ex.Message})",
                "Use the firmware .bin, or get an intact copy of the updater.", ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new RecoveryKitException(FailureKind.ImageRejected, "read-image",
                $"{sourceName} starts like an executable but its PE headers are damaged ({ex.Message})",
                "Use the firmware .bin, or get an intact copy of the updater.", ex);
        }

        var span = content.Span;

        // Raw scan: identity strings of a fixed-layout family tell where the image must start.
        foreach (var family in families.Where(f => f.Identity.IsFixed))
        {
            var vendorAt = family.Identity.VendorAt!.Value;
            var needle = System.Text.Encoding.ASCII.GetBytes(family.Vendor.Value.PadRight(IdentityStrings.VendorLength));
            var from = 0;
            var hits = 0;
            while (from < span.Length && hits++ < 256)
            {
                var index = span[from..].IndexOf(needle);
                if (index < 0)
                    break;
                long start = from + index - vendorAt;
                from += index + 1;
                if (start < 0)
                    continue;
                if (TryBlock(span, start, span.Length - start, [family], out var image))
                    return new Found(image, start, $"raw scan at 0x{start:X} ({family.Name} identity at +0x{vendorAt:X})");
            }
        }

        // Each distinct region once, a bounded number of them, and a bounded amount of work in all: the cost stays
        // proportional to the file however many resources or sections point into it.
        var fileLength = (long)span.Length;
        var regions = places
            .Where(p => p.Start >= 0 && p.Start < fileLength && p.Length > 0)
            .DistinctBy(p => (p.Start, Math.Min(p.Length, fileLength - p.Start)))
            .Take(MaxPlaces)
            .ToList();
        var budget = (4L * span.Length) + (16L << 20);
        var slides = MaxSlideAttempts;
        foreach (var (start, length, label) in regions)
        {
            var available = (int)Math.Min(length, span.Length - start);
            budget -= available;
            if (budget < 0)
                break;
            var region = span.Slice((int)start, available);
            if (IdentityStrings.Find(region, families).Family is not { } family)
                continue;
            if (TryRegion(region, family, ref slides, out var shift, out var image))
                return new Found(image, start + shift, shift == 0 ? label : $"{label} + 0x{shift:X}");
        }

        throw new RecoveryKitException(FailureKind.ImageRejected, "read-image",
            $"{sourceName}: {ScrambledMessage}",
            "No block of a known family's flash size, naming that family and with an established start, was found; RecoveryKit does not guess.");
    }

    /// <summary>
    /// A block at a fixed-layout family's identity offsets: its start is known, so the family's size is enough.
    /// </summary>
    private static bool TryBlock(ReadOnlySpan<byte> span, long start, long available,
        IReadOnlyList<ImageFamily> families, out byte[] image)
    {
        foreach (var size in FlashSize.Valid.Reverse())
        {
            if (size > available)
                continue;
            var block = span.Slice((int)start, size);
            var found = IdentityStrings.Find(block, families);
            if (found.Family is { } family && family.FitsSize(size) && found.Source == IdentitySource.FixedOffsets)
            {
                image = block.ToArray();
                return true;
            }
        }
        image = [];
        return false;
    }

    /// <summary>
    /// A region (overlay, resource, section) holding identity strings of <paramref name="family"/>. A block that fills
    /// the region exactly is taken: the file's structure gives its start. In a region a little larger (a packer's header
    /// or trailer) the block is taken only at a start where the family's stored checksum holds, because a block that
    /// merely contains the strings could be shifted, and flashing a shifted image would brick the drive.
    /// </summary>
    private static bool TryRegion(ReadOnlySpan<byte> region, ImageFamily family, ref int slides, out int shift, out byte[] image)
    {
        foreach (var size in family.FlashSizes.Value.OrderDescending())
        {
            var excess = region.Length - size;
            if (excess < 0)
                continue;
            if (excess == 0 && Names(region, family))
            {
                shift = 0;
                image = region.ToArray();
                return true;
            }
            if (!family.Validity.CanFix)
                continue;
            for (shift = 0; shift <= Math.Min(excess, MaxSlide) && slides > 0; shift++)
            {
                slides--;
                var block = region.Slice(shift, size);
                if (family.Validity.IsValid(block) && Names(block, family))
                {
                    image = block.ToArray();
                    return true;
                }
            }
        }
        shift = 0;
        image = [];
        return false;
    }

    private static bool Names(ReadOnlySpan<byte> block, ImageFamily family) =>
        ReferenceEquals(IdentityStrings.Find(block, [family]).Family, family);

    private static void AddResources(ReadOnlySpan<byte> file, PEHeaders headers, SectionHeader[] sections, DirectoryEntry directory,
        List<(long Start, long Length, string Label)> places)
    {
        if (!headers.TryGetDirectoryOffset(directory, out var rootOffset) || rootOffset < 0)
            return;
        var count = 0;
        WalkResources(file, sections, rootOffset, rootOffset, 0, "", places, ref count);
    }

    /// <summary>Walks one IMAGE_RESOURCE_DIRECTORY (type / name / language levels), bounded in depth and entries.</summary>
    private static void WalkResources(ReadOnlySpan<byte> file, SectionHeader[] sections, int rootOffset, int tableOffset,
        int depth, string path, List<(long Start, long Length, string Label)> places, ref int count)
    {
        if (depth >= MaxResourceDepth || tableOffset < 0 || tableOffset + 16 > file.Length)
            return;
        int named = BinaryPrimitives.ReadUInt16LittleEndian(file[(tableOffset + 12)..]);
        int ids = BinaryPrimitives.ReadUInt16LittleEndian(file[(tableOffset + 14)..]);
        for (var i = 0; i < named + ids; i++)
        {
            if (++count > MaxResourceEntries)
                return;
            var entry = tableOffset + 16 + i * 8;
            if (entry + 8 > file.Length)
                return;
            var name = BinaryPrimitives.ReadUInt32LittleEndian(file[entry..]);
            var target = BinaryPrimitives.ReadUInt32LittleEndian(file[(entry + 4)..]);
            var label = path + "/" + ((name & 0x8000_0000) != 0 ? "#named" : name.ToString());
            var at = (long)rootOffset + (target & 0x7FFF_FFFF);
            if (at + 16 > file.Length)
                continue;
            if ((target & 0x8000_0000) != 0)
            {
                WalkResources(file, sections, rootOffset, (int)at, depth + 1, label, places, ref count);
                continue;
            }
            var dataRva = BinaryPrimitives.ReadInt32LittleEndian(file[(int)at..]);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(file[((int)at + 4)..]);
            if (TryFileOffset(sections, dataRva, out var fileOffset))
                places.Add((fileOffset, size, $"resource {label.TrimStart('/')} at 0x{fileOffset:X}"));
        }
    }

    private static bool TryFileOffset(SectionHeader[] sections, int rva, out long fileOffset)
    {
        foreach (var section in sections)
        {
            if (rva >= section.VirtualAddress && rva < (long)section.VirtualAddress + Math.Max(section.VirtualSize, section.SizeOfRawData))
            {
                fileOffset = (long)section.PointerToRawData + (rva - section.VirtualAddress);
                return true;
            }
        }
        fileOffset = -1;
        return false;
    }
}
