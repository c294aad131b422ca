using System.Globalization;
using System.Text.Json;
using RecoveryKit.Diagnostics;
using RecoveryKit.Profiles;

namespace RecoveryKit.Firmware;

/// <summary>The known image families, loaded from the embedded Profiles/families.json.</summary>
public static class ImageFamilies
{
    private const string ResourceName = "RecoveryKit.Profiles.families.json";
    private static readonly Lazy<IReadOnlyList<ImageFamily>> Embedded = new(LoadEmbedded);

    /// <summary>Every family in the embedded profile, in file order.</summary>
    public static IReadOnlyList<ImageFamily> All => Embedded.Value;

    /// <summary>The family with this name (case-insensitive), or null.</summary>
    public static ImageFamily? Find(string name) =>
        All.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The family with this name; throws a typed failure listing the known names when there is none.</summary>
    public static ImageFamily Get(string name) =>
        Find(name) ?? throw new RecoveryKitException(FailureKind.Usage, "image-family",
            $"no image family is called \"{name}\"",
            $"Known families: {string.Join(", ", All.Select(f => f.Name))}.");

    /// <summary>The first family whose INQUIRY vendor/product match, or null.</summary>
    public static ImageFamily? Match(string? vendor, string? product) =>
        All.FirstOrDefault(f => f.Match(vendor, product));

    /// <summary>
    /// Reads a families document (the embedded one, or a technician's corrected copy).
    /// </summary>
    /// <exception cref="RecoveryKitException">The document is malformed; the cause names the family and field.</exception>
    public static IReadOnlyList<ImageFamily> Parse(string json, string sourceName)
    {
        FamiliesDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, FamiliesJsonContext.Default.FamiliesDocument);
        }
        catch (JsonException ex)
        {
            throw Bad(sourceName, $"is not a valid families document ({ex.Message})", ex);
        }
        if (document is null || document.Families.Count == 0)
            throw Bad(sourceName, "lists no families");

        var families = new List<ImageFamily>();
        foreach (var entry in document.Families)
        {
            var family = Convert(entry, sourceName);
            if (families.Any(f => string.Equals(f.Name, family.Name, StringComparison.OrdinalIgnoreCase)))
                throw Bad(sourceName, $"names family \"{family.Name}\" twice");
            families.Add(family);
        }
        return families;
    }

    private static IReadOnlyList<ImageFamily> LoadEmbedded()
    {
        using var stream = typeof(ImageFamilies).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new RecoveryKitException(FailureKind.Internal, "image-family",
                $"the embedded resource {ResourceName} is missing from this build", "Rebuild RecoveryKit.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), ResourceName);
    }

    private static ImageFamily Convert(FamilyEntry entry, string source)
    {
        var name = entry.Name;
        if (string.IsNullOrWhiteSpace(name))
            throw Bad(source, "has a family without a name");
        string where = $"family \"{name}\"";

        var vendor = Required(entry.Vendor, source, where, "vendor");
        var products = Required(entry.Products, source, where, "products");
        if (products.Value!.Count == 0)
            throw Bad(source, $"{where}: products is empty");
        if (vendor.Value!.Trim().Length is 0 or > IdentityStrings.VendorLength)
            throw Bad(source, $"{where}: vendor \"{vendor.Value}\" must be 1 to {IdentityStrings.VendorLength} characters (the INQUIRY vendor field)");
        foreach (var product in products.Value)
        {
            if (product.Trim().Length is 0 or > IdentityStrings.ProductLength)
                throw Bad(source, $"{where}: product \"{product}\" must be 1 to {IdentityStrings.ProductLength} characters (the INQUIRY product field)");
        }
        var revisions = entry.Revisions is null ? null : Required(entry.Revisions, source, where, "revisions");
        var sizes = Required(entry.FlashSizes, source, where, "flashSizes");
        var sizeValues = new List<int>();
        foreach (var text in sizes.Value!)
        {
            var size = Number(text, source, where, "flashSizes");
            if (!FlashSize.IsValid(size))
                throw Bad(source, $"{where}: flash size {text} is not one of {FlashSize.DescribeValid()}");
            sizeValues.Add((int)size);
        }
        if (sizeValues.Count == 0)
            throw Bad(source, $"{where}: flashSizes is empty");

        var identity = Required(entry.Identity, source, where, "identity");
        var identityEvidence = EvidenceOf(identity, source, where, "identity");
        IdentityLocation location = identity.Value!.Kind switch
        {
            "fixed" => new IdentityLocation(
                Offset(identity.Value.VendorAt, source, where, "identity.vendorAt"),
                Offset(identity.Value.ProductAt, source, where, "identity.productAt"),
                Offset(identity.Value.RevisionAt, source, where, "identity.revisionAt"),
                identityEvidence),
            "search" => IdentityLocation.Search(identityEvidence),
            var other => throw Bad(source, $"{where}: identity kind \"{other}\" is not \"fixed\" or \"search\""),
        };

        BootBlock bootBlock = BootBlock.Default;
        if (entry.BootBlock is not null)
        {
            var range = Required(entry.BootBlock, source, where, "bootBlock");
            var start = Offset(range.Value!.Start, source, where, "bootBlock.start");
            var length = Offset(range.Value.Length, source, where, "bootBlock.length");
            if (length < 0)
                throw Bad(source, $"{where}: bootBlock.length must not be negative");
            bootBlock = new BootBlock(start, length, EvidenceOf(range, source, where, "bootBlock"));
        }

        var validity = Required(entry.Validity, source, where, "validity");
        var validityEvidence = EvidenceOf(validity, source, where, "validity");
        var rule = validity.Value!;
        ValidityRule validityRule = rule.Kind switch
        {
            "sum16-be" => new Sum16BigEndianRule(
                Number(rule.Start, source, where, "validity.start"),
                Number(rule.End, source, where, "validity.end"),
                Number(rule.StoredAt, source, where, "validity.storedAt"),
                validityEvidence),
            "sum16-total" => new Sum16TotalRule(
                rule.MainStart is null ? bootBlock.End : Number(rule.MainStart, source, where, "validity.mainStart"),
                validityEvidence),
            "none" => new NoKnownRule(validityEvidence),
            var other => throw Bad(source, $"{where}: validity kind \"{other}\" is not \"sum16-be\", \"sum16-total\" or \"none\""),
        };

        KeyBlock? keyBlock = null;
        if (entry.KeyBlock is not null)
        {
            var range = Required(entry.KeyBlock, source, where, "keyBlock");
            var start = Offset(range.Value!.Start, source, where, "keyBlock.start");
            var length = Offset(range.Value.Length, source, where, "keyBlock.length");
            if (length <= 0)
                throw Bad(source, $"{where}: keyBlock.length must be positive");
            keyBlock = new KeyBlock(start, length, EvidenceOf(range, source, where, "keyBlock"));
        }
        Graded<bool> driveUnique = new(false, "R", "no drive-unique data known");
        if (entry.DriveUnique is not null)
        {
            if (entry.DriveUnique.Value is not bool unique)
                throw Bad(source, $"{where}: driveUnique is missing its value");
            var evidence = EvidenceOf(entry.DriveUnique, source, where, "driveUnique");
            driveUnique = new Graded<bool>(unique, evidence.Tag, evidence.Note);
        }
        if (keyBlock is not null && !driveUnique.Value)
            throw Bad(source, $"{where}: a family with a keyBlock is driveUnique (set driveUnique true)");

        return new ImageFamily(
            name.Trim(),
            entry.Note ?? "",
            Graded<string, string>(vendor.Value!, vendor, source, where, "vendor"),
            Graded<IReadOnlyList<string>, List<string>>(products.Value!, products, source, where, "products"),
            revisions is null
                ? new Graded<IReadOnlyList<string>>([], "R", "no revisions listed")
                : Graded<IReadOnlyList<string>, List<string>>(revisions.Value!, revisions, source, where, "revisions"),
            Graded<IReadOnlyList<int>, List<string>>(sizeValues, sizes, source, where, "flashSizes"),
            location,
            bootBlock,
            validityRule,
            keyBlock,
            driveUnique);
    }

    private static GradedEntry<T> Required<T>(GradedEntry<T>? entry, string source, string where, string field)
        where T : class
    {
        if (entry?.Value is null)
            throw Bad(source, $"{where}: {field} is missing");
        return entry;
    }

    private static Graded<T> Graded<T, TEntry>(T value, GradedEntry<TEntry> entry, string source, string where, string field)
    {
        var evidence = EvidenceOf(entry, source, where, field);
        return new Graded<T>(value, evidence.Tag, evidence.Note);
    }

    private static Evidence EvidenceOf<T>(GradedEntry<T> entry, string source, string where, string field)
    {
        if (!Evidence.TryParseTag(entry.Grade, out var grade))
            throw Bad(source, $"{where}: {field} has grade \"{entry.Grade}\"; every value needs one of V, V-dec, F, D, R");
        return new Evidence(grade, entry.Note ?? "");
    }

    private static int Offset(string? text, string source, string where, string field)
    {
        var value = Number(text, source, where, field);
        if (value < 0 || value > FlashSize.Largest)
            throw Bad(source, $"{where}: {field} = {text} is outside the largest flash ({FlashSize.Describe(FlashSize.Largest)})");
        return (int)value;
    }

    /// <summary>Parses "0x40BC", "16572" or "-0x2".</summary>
    internal static long Number(string? text, string source, string where, string field)
    {
        if (text is not null && TryParseNumber(text, out var value))
            return value;
        throw Bad(source, $"{where}: {field} = \"{text}\" is not a number (write hex as 0x…)");
    }

    internal static bool TryParseNumber(string text, out long value)
    {
        var t = text.Trim();
        var negative = t.StartsWith('-');
        if (negative)
            t = t[1..];
        bool ok = t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? long.TryParse(t.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (ok && negative)
            value = -value;
        return ok && Math.Abs(value) <= FlashSize.Largest;
    }

    private static RecoveryKitException Bad(string source, string what, Exception? inner = null) =>
        new(FailureKind.Usage, "image-family", $"the families profile {source} {what}",
            "Correct the profile (see PROTOCOL.md §7 for the fields and grades).", inner);
}
