namespace RecoveryKit.Profiles;

/// <summary>A value from profile data with its evidence grade (V, F, D or R) and a note saying why.</summary>
public sealed record Graded<T>(T Value, string Grade, string? Note);

/// <summary>How the mailbox carries flash address bits above A15 ([R1], [R1b] in PROTOCOL.md §4).</summary>
public sealed record BankAddressing(bool DeviceHeadBits, bool FeaturesBit0ForA20);

/// <summary>An address range in the flash.</summary>
public readonly record struct FlashRange(uint Start, uint Length)
{
    public uint End => Start + Length;

    public bool Overlaps(uint start, uint length) => start < End && Start < start + length;
}

/// <summary>A MediaTek drive family's profile (drives.json): what the flasher may assume about it, graded.</summary>
public sealed record DriveProfile(
    string Name,
    string Family,
    string Vendor,
    IReadOnlyList<string> Products,
    IReadOnlyList<string> Chips,
    Graded<IReadOnlyList<byte>> IntroKeys,
    Graded<byte> VendorStatus,
    Graded<TimeSpan> IntroTimeout,
    Graded<TimeSpan> MailboxTimeout,
    Graded<BankAddressing> Banking,
    Graded<IReadOnlyList<string>> Outro,
    Graded<TimeSpan> OutroTimeout,
    Graded<string> BootValidity,
    Graded<bool> Spi,
    string Grade,
    string? Note)
{
    /// <summary>Whether INQUIRY's vendor/product names this drive.</summary>
    public bool Matches(string? vendor, string? product) =>
        product is not null && Products.Any(p => string.Equals(Normalise(p), Normalise(product), StringComparison.OrdinalIgnoreCase))
        && (vendor is null || string.Equals(Normalise(vendor), Normalise(Vendor), StringComparison.OrdinalIgnoreCase));

    private static string Normalise(string s) => string.Join(' ', s.Split(' ', StringSplitOptions.RemoveEmptyEntries));
}
