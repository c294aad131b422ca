using System.Globalization;
using System.Text.Json;
using RecoveryKit.Diagnostics;

namespace RecoveryKit.Profiles;

/// <summary>The embedded drive and chip tables. Loaded once; a technician's corrections go into the JSON.</summary>
public static class ProfileCatalog
{
    private static readonly Lazy<IReadOnlyList<ChipSpec>> LazyChips = new(() => LoadChips(ReadResource("chips.json")));
    private static readonly Lazy<IReadOnlyList<DriveProfile>> LazyDrives = new(() => LoadDrives(ReadResource("drives.json")));

    public static IReadOnlyList<ChipSpec> Chips => LazyChips.Value;

    public static IReadOnlyList<DriveProfile> Drives => LazyDrives.Value;

    public static ChipSpec? FindChip(string name) =>
        Chips.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The chip answering with these IDs, or null.</summary>
    public static ChipSpec? FindChip(byte manufacturerId, byte deviceId) =>
        Chips.FirstOrDefault(c => c.ManufacturerId == manufacturerId && c.DeviceId == deviceId);

    public static DriveProfile? FindDrive(string name) =>
        Drives.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The profile whose INQUIRY strings match, or null.</summary>
    public static DriveProfile? MatchDrive(string? vendor, string? product) =>
        Drives.FirstOrDefault(d => d.Matches(vendor, product));

    private static string ReadResource(string file)
    {
        using var stream = typeof(ProfileCatalog).Assembly.GetManifestResourceStream("RecoveryKit.Profiles." + file)
            ?? throw new InvalidOperationException($"embedded profile {file} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    internal static IReadOnlyList<ChipSpec> LoadChips(string json)
    {
        var file = JsonSerializer.Deserialize(json, ProfileJsonContext.Default.ChipsFileJson) ?? throw Bad("chips.json", "empty");
        var result = new List<ChipSpec>();
        foreach (var c in file.Chips)
        {
            var sectors = new List<FlashSector>();
            uint at = 0;
            foreach (var run in c.Sectors)
            {
                for (var i = 0; i < run.Count; i++)
                {
                    sectors.Add(new FlashSector(sectors.Count, at, run.Size));
                    at += (uint)run.Size;
                }
            }
            if (at != c.SizeBytes || sectors.Count == 0)
                throw Bad("chips.json", $"chip {c.Name}: sectors add up to {at} bytes, size says {c.SizeBytes}");
            var program = c.Program switch
            {
                "byte" => ProgramModel.Byte,
                "page" => ProgramModel.Page,
                _ => throw Bad("chips.json", $"chip {c.Name}: program '{c.Program}' is neither 'byte' nor 'page'"),
            };
            result.Add(new ChipSpec(c.Name, c.Manufacturer, (byte)Hex(c.ManufacturerId), (byte)Hex(c.DeviceId), c.SizeBytes, [.. sectors],
                Hex(c.Unlock.First), Hex(c.Unlock.Second), Hex(c.Unlock.Mask), program, c.PageSize,
                new DatasheetTime(TimeSpan.FromMicroseconds(c.ProgramUs.Typical), TimeSpan.FromMicroseconds(c.ProgramUs.Maximum)),
                new DatasheetTime(TimeSpan.FromMilliseconds(c.SectorEraseMs.Typical), TimeSpan.FromMilliseconds(c.SectorEraseMs.Maximum)),
                new DatasheetTime(TimeSpan.FromMilliseconds(c.ChipEraseMs.Typical), TimeSpan.FromMilliseconds(c.ChipEraseMs.Maximum)),
                c.Grade, c.Source ?? string.Empty));
        }
        return result;
    }

    internal static IReadOnlyList<DriveProfile> LoadDrives(string json)
    {
        var file = JsonSerializer.Deserialize(json, ProfileJsonContext.Default.DrivesFileJson) ?? throw Bad("drives.json", "empty");
        var d = file.Defaults;
        GradedJson<T> Need<T>(GradedJson<T>? value, string name) => value ?? throw Bad("drives.json", $"defaults.{name} is missing");
        var result = new List<DriveProfile>();
        foreach (var drive in file.Drives)
        {
            var keys = drive.IntroKeys ?? Need(d.IntroKeys, "introKeys");
            var status = drive.VendorStatus ?? Need(d.VendorStatus, "vendorStatus");
            var spi = drive.Spi ?? Need(d.Spi, "spi");
            var bank = Need(d.BankRegister, "bankRegister");
            var bank4 = Need(d.Bank4Register, "bank4Register");
            var introTimeout = Need(d.IntroTimeoutMs, "introTimeoutMs");
            var mailboxTimeout = Need(d.MailboxTimeoutMs, "mailboxTimeoutMs");
            var outro = Need(d.Outro, "outro");
            var outroTimeout = Need(d.OutroTimeoutMs, "outroTimeoutMs");
            var validity = Need(d.BootValidity, "bootValidity");
            result.Add(new DriveProfile(
                drive.Name, drive.Family, drive.Vendor, drive.Products, drive.Chips,
                new Graded<IReadOnlyList<byte>>(keys.Value.Select(k => (byte)Hex(k)).ToArray(), keys.Grade, keys.Note),
                new Graded<byte>((byte)Hex(status.Value), status.Grade, status.Note),
                new Graded<TimeSpan>(TimeSpan.FromMilliseconds(introTimeout.Value), introTimeout.Grade, introTimeout.Note),
                new Graded<TimeSpan>(TimeSpan.FromMilliseconds(mailboxTimeout.Value), mailboxTimeout.Grade, mailboxTimeout.Note),
                new Graded<BankAddressing>(new BankAddressing(bank.Value == "device-head", bank4.Value == "features-bit0"), bank.Grade, bank.Note),
                new Graded<IReadOnlyList<string>>(outro.Value, outro.Grade, outro.Note),
                new Graded<TimeSpan>(TimeSpan.FromMilliseconds(outroTimeout.Value), outroTimeout.Grade, outroTimeout.Note),
                new Graded<string>(validity.Value, validity.Grade, validity.Note),
                new Graded<bool>(spi.Value, spi.Grade, spi.Note),
                drive.Grade, drive.Note));
        }
        return result;
    }

    internal static uint Hex(string text)
    {
        var t = text.Trim();
        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            t = t[2..];
        if (!uint.TryParse(t, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            throw Bad("profile", $"'{text}' is not a hex number");
        return value;
    }

    private static RecoveryKitException Bad(string file, string why) =>
        new(FailureKind.Internal, "profiles", $"{file}: {why}", "The embedded profile data is damaged: rebuild RecoveryKit from a clean checkout.");
}
