using RecoveryKit.Profiles;

namespace RecoveryKit.Firmware;

/// <summary>
/// A family of drives that share an image layout: identity strings, flash sizes, boot block and validity rule.
/// Every value comes from Profiles/families.json with its evidence grade.
/// </summary>
public sealed class ImageFamily
{
    internal ImageFamily(
        string name,
        string note,
        Graded<string> vendor,
        Graded<IReadOnlyList<string>> products,
        Graded<IReadOnlyList<string>> revisions,
        Graded<IReadOnlyList<int>> flashSizes,
        IdentityLocation identity,
        BootBlock bootBlock,
        ValidityRule validity,
        KeyBlock? keyBlock = null,
        Graded<bool>? driveUnique = null)
    {
        KeyBlock = keyBlock;
        DriveUnique = driveUnique ?? new Graded<bool>(false, "R", "no drive-unique data known");
        Name = name;
        Note = note;
        Vendor = vendor;
        Products = products;
        Revisions = revisions;
        FlashSizes = flashSizes;
        Identity = identity;
        BootBlock = bootBlock;
        Validity = validity;
    }

    /// <summary>Short name, e.g. "LDW-411S", "MT1939".</summary>
    public string Name { get; }

    public string Note { get; }

    /// <summary>INQUIRY vendor (8 characters, space padded in the drive; stored trimmed here).</summary>
    public Graded<string> Vendor { get; }

    /// <summary>INQUIRY product strings of the drives in this family (trimmed).</summary>
    public Graded<IReadOnlyList<string>> Products { get; }

    /// <summary>Typical firmware revisions (4 characters each, e.g. "FS0J").</summary>
    public Graded<IReadOnlyList<string>> Revisions { get; }

    /// <summary>Flash sizes the family ships with, in bytes.</summary>
    public Graded<IReadOnlyList<int>> FlashSizes { get; }

    public IdentityLocation Identity { get; }

    public BootBlock BootBlock { get; }

    public ValidityRule Validity { get; }

    /// <summary>Where the flash keeps the drive's own key block, or null when no fixed place is known.</summary>
    public KeyBlock? KeyBlock { get; }

    /// <summary>Whether the flash holds data unique to each drive (a lost backup cannot be replaced).</summary>
    public Graded<bool> DriveUnique { get; }

    /// <summary>
    /// Does a drive or image reporting these INQUIRY strings belong to this family? Comparison ignores case and
    /// padding; a null vendor is not held against the match (a dead drive's vendor may be unknown), a null or blank
    /// product never matches.
    /// </summary>
    public bool Match(string? vendor, string? product)
    {
        if (string.IsNullOrWhiteSpace(product))
            return false;
        if (!string.IsNullOrWhiteSpace(vendor) && !Same(vendor, Vendor.Value))
            return false;
        foreach (var known in Products.Value)
        {
            if (Same(product, known))
                return true;
        }
        return false;
    }

    /// <summary>Is this a flash size the family ships with?</summary>
    public bool FitsSize(int size) => FlashSizes.Value.Contains(size);

    internal static bool Same(string a, string b) =>
        string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);

    public override string ToString() => Name;
}
