using System.Security.Cryptography;
using System.Text;

namespace RecoveryKit.Firmware;

/// <summary>How the identity strings were found in an image.</summary>
public enum IdentitySource
{
    /// <summary>No identity strings found.</summary>
    None,
    /// <summary>At a family's fixed offsets (BTC: 0x40BC/0x40C4/0x40D4 [V]).</summary>
    FixedOffsets,
    /// <summary>By searching the image for INQUIRY-like strings [R4].</summary>
    Search,
}

/// <summary>What an image says it is, and the sums that identify its bytes.</summary>
/// <param name="Vendor">INQUIRY vendor found in the image (trimmed), e.g. "LITE-ON".</param>
/// <param name="Model">INQUIRY product found in the image (trimmed), e.g. "DVDRW SOHW-832S".</param>
/// <param name="Revision">Firmware revision, e.g. "VS0C".</param>
/// <param name="Source">How the strings were found.</param>
/// <param name="VendorOffset">Where the vendor string starts in the image, when found.</param>
/// <param name="Family">The known family these strings belong to, or null.</param>
/// <param name="BootBlock">The boot-block range used for <paramref name="BootBlockSha256"/> (family's, else the default first 64 KiB).</param>
/// <param name="BootBlockSha256">SHA-256 of the boot block, lower-case hex.</param>
/// <param name="Sum16">16-bit sum of every byte (what btcflash prints as the firmware checksum).</param>
/// <param name="Sha256">SHA-256 of the whole image, lower-case hex.</param>
/// <param name="Size">Image size in bytes.</param>
public sealed record ImageIdentity(
    string? Vendor,
    string? Model,
    string? Revision,
    IdentitySource Source,
    int? VendorOffset,
    ImageFamily? Family,
    BootBlock BootBlock,
    string BootBlockSha256,
    ushort Sum16,
    string Sha256,
    int Size)
{
    /// <summary>"LITE-ON DVDRW SOHW-832S VS0C", with "?" for parts not found.</summary>
    public string Display => Source == IdentitySource.None
        ? "(no identity strings found)"
        : $"{Vendor ?? "?"} {Model ?? "?"} {Revision ?? "?"}";

    /// <summary>Reads the identity of an image against the embedded families.</summary>
    public static ImageIdentity Of(ReadOnlySpan<byte> image) => Of(image, ImageFamilies.All);

    /// <summary>Reads the identity of an image against the given families.</summary>
    public static ImageIdentity Of(ReadOnlySpan<byte> image, IReadOnlyList<ImageFamily> families)
    {
        var found = IdentityStrings.Find(image, families);
        var family = found.Family;
        var bootBlock = family?.BootBlock ?? BootBlock.Default;
        return new ImageIdentity(
            found.Vendor,
            found.Product,
            found.Revision,
            found.Source,
            found.VendorOffset,
            family,
            bootBlock,
            HashOfRange(image, bootBlock.Start, bootBlock.Length),
            ValidityRule.Sum16(image),
            Hex(SHA256.HashData(image)),
            image.Length);
    }

    /// <summary>SHA-256 of [start, start+length) clipped to the image, lower-case hex.</summary>
    public static string HashOfRange(ReadOnlySpan<byte> image, int start, int length)
    {
        var from = Math.Clamp(start, 0, image.Length);
        var to = (int)Math.Clamp((long)start + length, from, image.Length);
        return Hex(SHA256.HashData(image[from..to]));
    }

    internal static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}

/// <summary>Finds INQUIRY vendor/product/revision strings inside an image.</summary>
internal static class IdentityStrings
{
    internal const int VendorLength = 8;
    internal const int ProductLength = 16;
    internal const int RevisionLength = 4;
    private const int MaxHitsPerString = 256;

    internal readonly record struct Found(
        string? Vendor, string? Product, string? Revision, IdentitySource Source, int? VendorOffset, ImageFamily? Family)
    {
        public static Found Nothing => new(null, null, null, IdentitySource.None, null, null);
    }

    public static Found Find(ReadOnlySpan<byte> image, IReadOnlyList<ImageFamily> families)
    {
        Found? fallback = null;

        // 1. Fixed layouts: trust them when the strings there name a known family.
        foreach (var family in families)
        {
            var at = family.Identity;
            if (!at.IsFixed)
                continue;
            var vendor = Text(image, at.VendorAt!.Value, VendorLength);
            var product = Text(image, at.ProductAt!.Value, ProductLength);
            var revision = Text(image, at.RevisionAt!.Value, RevisionLength);
            if (vendor is null || product is null || revision is null || vendor.Length == 0 || product.Length == 0)
                continue;
            var owner = MatchFamily(families, vendor, product);
            var found = new Found(vendor, product, revision, IdentitySource.FixedOffsets, at.VendorAt, owner);
            if (owner is not null)
                return found;
            fallback ??= found;
        }

        // 2. Search for contiguous INQUIRY blocks: vendor(8) product(16) revision(4) [R4].
        foreach (var vendorText in families.Select(f => f.Vendor.Value).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var needle = Padded(vendorText, VendorLength);
            foreach (var hit in Occurrences(image, needle))
            {
                var product = Text(image, hit + VendorLength, ProductLength);
                if (string.IsNullOrEmpty(product))
                    continue;
                var revision = Revision(image, hit + VendorLength + ProductLength);
                var owner = MatchSearchFamily(families, vendorText, product);
                if (owner is not null)
                    return new Found(vendorText, product, revision, IdentitySource.Search, hit, owner);
            }
        }

        // 3. A known product string on its own (vendor not adjacent).
        foreach (var family in families.Where(f => !f.Identity.IsFixed))
        {
            foreach (var product in family.Products.Value)
            {
                var needle = Padded(product, ProductLength);
                foreach (var hit in Occurrences(image, needle))
                {
                    var vendor = hit >= VendorLength ? Text(image, hit - VendorLength, VendorLength) : null;
                    if (vendor is not null && !ImageFamily.Same(vendor, family.Vendor.Value))
                        vendor = null;
                    var revision = Revision(image, hit + ProductLength);
                    return new Found(vendor, product, revision, IdentitySource.Search,
                        vendor is null ? null : hit - VendorLength, family);
                }
            }
        }

        return fallback ?? Found.Nothing;
    }

    /// <summary>
    /// Families with a fixed layout are only recognised at their offsets: strings found elsewhere would place the image
    /// wrongly (and a shifted image bricks a drive).
    /// </summary>
    private static ImageFamily? MatchSearchFamily(IReadOnlyList<ImageFamily> families, string vendor, string product) =>
        families.FirstOrDefault(f => !f.Identity.IsFixed && f.Match(vendor, product));

    private static ImageFamily? MatchFamily(IReadOnlyList<ImageFamily> families, string vendor, string product) =>
        families.FirstOrDefault(f => f.Match(vendor, product));

    private static byte[] Padded(string text, int length)
    {
        var bytes = Enumerable.Repeat((byte)' ', Math.Max(length, text.Length)).ToArray();
        Encoding.ASCII.GetBytes(text, bytes);
        return bytes;
    }

    private static IEnumerable<int> Occurrences(ReadOnlySpan<byte> image, byte[] needle)
    {
        var hits = new List<int>();
        var from = 0;
        while (from < image.Length && hits.Count < MaxHitsPerString)
        {
            var index = image[from..].IndexOf(needle);
            if (index < 0)
                break;
            hits.Add(from + index);
            from += index + 1;
        }
        return hits;
    }

    /// <summary>Printable ASCII at [offset, offset+length), trimmed; null when out of range or not printable.</summary>
    internal static string? Text(ReadOnlySpan<byte> image, int offset, int length)
    {
        if (offset < 0 || offset + length > image.Length)
            return null;
        var slice = image.Slice(offset, length);
        foreach (var b in slice)
        {
            if (b is < 0x20 or > 0x7E)
                return null;
        }
        return Encoding.ASCII.GetString(slice).Trim();
    }

    /// <summary>A 4-character revision of letters and digits, e.g. "VS0C"; null otherwise.</summary>
    private static string? Revision(ReadOnlySpan<byte> image, int offset)
    {
        if (offset < 0 || offset + RevisionLength > image.Length)
            return null;
        foreach (var b in image.Slice(offset, RevisionLength))
        {
            if (!(b is >= (byte)'0' and <= (byte)'9' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z'))
                return null;
        }
        return Encoding.ASCII.GetString(image.Slice(offset, RevisionLength));
    }
}
