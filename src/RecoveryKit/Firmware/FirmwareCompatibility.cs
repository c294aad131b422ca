namespace RecoveryKit.Firmware;

/// <summary>
/// What is known of the drive to be flashed; any part may be null. A healthy drive gives INQUIRY/IDENTIFY strings;
/// a dead one may only give what vendor mode can read: the boot block's hash and the flash chip's size.
/// </summary>
public sealed record DriveIdentity(
    string? Vendor,
    string? Product,
    string? Revision,
    string? BootBlockSha256 = null,
    int? ChipSize = null);

/// <summary>The outcome of one comparison.</summary>
public enum CheckOutcome
{
    /// <summary>Image and drive agree.</summary>
    Match,
    /// <summary>They differ: the image is refused.</summary>
    Mismatch,
    /// <summary>They differ, and the user overrode the refusal (--force-model).</summary>
    Overridden,
    /// <summary>One side is not known, so nothing could be compared.</summary>
    Unknown,
}

/// <summary>One comparison, with the two values side by side.</summary>
public sealed record CompatibilityCheck(string Name, CheckOutcome Outcome, string ImageValue, string DriveValue, string Note)
{
    public override string ToString() => $"{Name}: {Outcome} (image: {ImageValue} | drive: {DriveValue}){(Note.Length > 0 ? " - " + Note : "")}";
}

/// <summary>Every comparison made; <see cref="Allowed"/> is false when any of them is a mismatch.</summary>
public sealed record CompatibilityResult(IReadOnlyList<CompatibilityCheck> Checks)
{
    public bool Allowed => Checks.All(c => c.Outcome != CheckOutcome.Mismatch);

    /// <summary>The mismatches that refuse the image.</summary>
    public IReadOnlyList<CompatibilityCheck> Refusals => Checks.Where(c => c.Outcome == CheckOutcome.Mismatch).ToArray();

    /// <summary>True when a model mismatch was let through by the user's override; the CLI must log it.</summary>
    public bool ModelOverridden => Checks.Any(c => c.Outcome == CheckOutcome.Overridden);
}

/// <summary>Does an image fit the drive it is about to be written to? (binflash's lesson: refuse on model or boot-code mismatch.)</summary>
public static class FirmwareCompatibility
{
    public const string Model = "model";
    public const string BootBlockCheck = "boot-block";
    public const string FlashSizeCheck = "flash-size";

    /// <summary>Compares model, boot block and flash size; only a model mismatch can be overridden.</summary>
    public static CompatibilityResult Check(FirmwareImage image, DriveIdentity drive, bool forceModel = false)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(drive);
        return new CompatibilityResult([CheckModel(image, drive, forceModel), CheckBootBlock(image, drive), CheckSize(image, drive)]);
    }

    private static CompatibilityCheck CheckModel(FirmwareImage image, DriveIdentity drive, bool forceModel)
    {
        var identity = image.Identity;
        var imageFamily = identity.Family;
        var imageText = identity.Source == IdentitySource.None
            ? "(no identity strings)"
            : $"{identity.Vendor ?? "?"} {identity.Model ?? "?"}{(imageFamily is null ? "" : $" [{imageFamily.Name}]")}";
        if (string.IsNullOrWhiteSpace(drive.Product))
            return new CompatibilityCheck(Model, CheckOutcome.Unknown, imageText, "(unknown)", "the drive did not report its model");

        var driveFamily = ImageFamilies.Match(drive.Vendor, drive.Product);
        var driveText = $"{drive.Vendor?.Trim() ?? "?"} {drive.Product.Trim()}{(driveFamily is null ? "" : $" [{driveFamily.Name}]")}";

        bool same;
        string note;
        if (imageFamily is not null && driveFamily is not null)
        {
            same = ReferenceEquals(imageFamily, driveFamily);
            note = same ? "same family" : "different families";
        }
        else if (identity.Model is not null)
        {
            same = ImageFamily.Same(identity.Model, drive.Product)
                && (identity.Vendor is null || drive.Vendor is null || ImageFamily.Same(identity.Vendor, drive.Vendor));
            note = same ? "same INQUIRY strings" : "different INQUIRY strings";
        }
        else
        {
            return new CompatibilityCheck(Model, CheckOutcome.Unknown, imageText, driveText,
                "the image carries no model string to compare");
        }

        if (same)
            return new CompatibilityCheck(Model, CheckOutcome.Match, imageText, driveText, note);
        return forceModel
            ? new CompatibilityCheck(Model, CheckOutcome.Overridden, imageText, driveText, note + "; overridden by --force-model")
            : new CompatibilityCheck(Model, CheckOutcome.Mismatch, imageText, driveText, note + "; use --force-model only for a deliberate cross-flash");
    }

    private static CompatibilityCheck CheckBootBlock(FirmwareImage image, DriveIdentity drive)
    {
        var imageHash = image.Identity.BootBlockSha256;
        var imageText = $"{Short(imageHash)} over {image.Identity.BootBlock}";
        if (string.IsNullOrWhiteSpace(drive.BootBlockSha256))
            return new CompatibilityCheck(BootBlockCheck, CheckOutcome.Unknown, imageText, "(not read)", "the drive's boot block was not read");
        var same = string.Equals(imageHash, drive.BootBlockSha256.Trim(), StringComparison.OrdinalIgnoreCase);
        return new CompatibilityCheck(BootBlockCheck, same ? CheckOutcome.Match : CheckOutcome.Mismatch,
            imageText, Short(drive.BootBlockSha256.Trim()),
            same ? "same boot code" : "the drive runs different boot code than this image was built for");
    }

    private static CompatibilityCheck CheckSize(FirmwareImage image, DriveIdentity drive)
    {
        var imageText = FlashSize.Describe(image.Size);
        if (drive.ChipSize is not { } chip)
            return new CompatibilityCheck(FlashSizeCheck, CheckOutcome.Unknown, imageText, "(unknown)", "the flash chip's size is not known");
        var same = chip == image.Size;
        return new CompatibilityCheck(FlashSizeCheck, same ? CheckOutcome.Match : CheckOutcome.Mismatch,
            imageText, FlashSize.Describe(chip),
            same ? "" : chip < image.Size ? "the image does not fit the chip" : "the image would leave part of the chip unwritten");
    }

    private static string Short(string hash) => hash.Length > 16 ? hash[..16] + "…" : hash;
}
