using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using RecoveryKit.Diagnostics;

namespace RecoveryKit.Emulation;

/// <summary>How a virtual drive moves flash bytes in vendor mode (PROTOCOL.md §4).</summary>
public enum MailboxFraming
{
    /// <summary>MtkFlash's SC-code mailbox (15h, 20h, 40h, 42h, 01h / 08h), bank in the device register's head bits.</summary>
    MtkFlash,
    /// <summary>JungleFlasher's framing: address in LBA mid/high and DEV's low bits, CMD 01h writes, CMD 00h reads; SC codes mean nothing.</summary>
    CommandRegister,
    /// <summary>A serial-flash drive: the mailbox is an SPI byte buffer that is not modelled; SC codes and CMD 00h/01h reach no flash.</summary>
    SpiBuffer,
}

/// <summary>Where the drive takes address bits A19..A16 from in the MtkFlash framing.</summary>
public enum VariantBankRegister
{
    /// <summary>The head bits of the device register [R1], as the profiles assume.</summary>
    DeviceHead,
    /// <summary>The low nibble of the features register (the head bits are ignored; A20 is not decoded).</summary>
    Features,
}

/// <summary>
/// A way a real drive may differ from our reconstruction of it (issue 11): loaded from a variant file
/// (<c>--variant FILE.json</c>) and applied to every virtual MediaTek drive of a bench. Every property
/// defaults to the faithful drive, the one that behaves exactly as the profiles say.
/// </summary>
public sealed record DriveVariant
{
    /// <summary>The drive that does what the profiles say.</summary>
    public static DriveVariant Faithful { get; } = new();

    /// <summary>Where the variant came from (a file name), for messages.</summary>
    public string Name { get; init; } = "faithful";

    /// <summary>The drive ignores the bank bits: every mailbox access goes to bank 0 whatever the host selected.</summary>
    public bool IgnoresBankBits { get; init; }

    /// <summary>The drive ignores A20 (features bit 0): the upper MiB of a 2 MiB part aliases the lower.</summary>
    public bool IgnoresA20 { get; init; }

    /// <summary>How long the drive stays BSY after SRST or DEVICE RESET (null: the model's own times).</summary>
    public TimeSpan? BusyAfterReset { get; init; }

    /// <summary>How long IDENTIFY DEVICE (ECh) takes to be aborted (null: at once). See <see cref="IdentifyDeviceNeverAborts"/>.</summary>
    public TimeSpan? IdentifyDeviceAbort { get; init; }

    /// <summary>IDENTIFY DEVICE leaves the drive BSY until the next reset.</summary>
    public bool IdentifyDeviceNeverAborts { get; init; }

    /// <summary>Each flash operation takes its datasheet typical time times a factor drawn from [Min, Max] with <see cref="Seed"/>.</summary>
    public (double Min, double Max)? ChipTimeFactor { get; init; }

    /// <summary>Seed for every random draw the variant makes.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Which mailbox the drive speaks.</summary>
    public MailboxFraming Framing { get; init; } = MailboxFraming.MtkFlash;

    /// <summary>The status the drive answers a good intro with (null: the profile's vendor status).</summary>
    public byte? IntroStatus { get; init; }

    /// <summary>Whether the device register reads back what was written in vendor mode.</summary>
    public bool EchoesDevice { get; init; } = true;

    /// <summary>Where the bank bits are taken from.</summary>
    public VariantBankRegister BankRegister { get; init; } = VariantBankRegister.DeviceHead;

    /// <summary>DEVICE RESET does not take the drive out of vendor mode (only SRST or a power cycle does).</summary>
    public bool IgnoresOutro { get; init; }

    /// <summary>The drive stays BSY this long after a good intro before showing the vendor status.</summary>
    public TimeSpan IntroDelay { get; init; }

    /// <summary>The intro keys the drive honours (null: the profile's).</summary>
    public IReadOnlyList<byte>? IntroKeys { get; init; }

    /// <summary>A key that, sent with opcode 80h, erases the whole flash (PROTOCOL.md §3 DANGER).</summary>
    public byte? EraseTrigger { get; init; }

    /// <summary>
    /// Whether the drive also takes an intro and mailbox writes meant for the other device on its cable (issue 17,
    /// [F myce 55998]); null: as the scenario built it.
    /// </summary>
    public bool? HearsSharedChannel { get; init; }

    /// <summary>
    /// An SPI drive that entered vendor mode at the locked status (52h) clocks no SPI transaction: every byte it
    /// returns reads FFh and nothing reaches the chip. What "locked" may really mean ([F] geremia-12956 says only "first
    /// 200h bytes not blank"); the host's --try-locked must stop before any erase on such a drive.
    /// </summary>
    public bool LockedHidesFlash { get; init; }

    /// <summary>The keys a variant file may hold, for the usage message.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "ignoresBankBits", "ignoresA20", "busyAfterResetMs", "identifyDeviceAbortMs", "chipTimeFactor", "seed", "framing", "introStatus",
        "echoesDevice", "bankRegister", "ignoresOutro", "introDelayMs", "introKeys", "eraseTrigger", "note",
        "hearsSharedChannel", "lockedHidesFlash",
    ];

    /// <summary>Reads a variant file. A file that cannot be read is a file error; anything wrong inside it is a usage error.</summary>
    public static DriveVariant Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new RecoveryKitException(FailureKind.FileError, "variant", $"cannot read the variant file {path}: {ex.Message}",
                "Give --variant the path of a JSON variant file (README: 'Practise first').", ex);
        }
        return Parse(json, Path.GetFileName(path));
    }

    /// <summary>Parses a variant document; every key is optional, an unknown key or a bad value is a usage error.</summary>
    public static DriveVariant Parse(string json, string name)
    {
        DriveVariantJson? doc;
        try
        {
            doc = JsonSerializer.Deserialize(json, DriveVariantJsonContext.Default.DriveVariantJson);
        }
        catch (JsonException ex)
        {
            throw Bad(name, $"is not a valid variant ({ex.Message})", ex);
        }
        if (doc is null)
            throw Bad(name, "is not a JSON object");
        if (doc.BusyAfterResetMs is < 0)
            throw Bad(name, $"busyAfterResetMs is {doc.BusyAfterResetMs}: give a time in ms, 0 or more");
        if (doc.IdentifyDeviceAbortMs is < -1)
            throw Bad(name, $"identifyDeviceAbortMs is {doc.IdentifyDeviceAbortMs}: give a time in ms, or -1 for 'never aborts'");
        if (doc.IntroDelayMs is < 0)
            throw Bad(name, $"introDelayMs is {doc.IntroDelayMs}: give a time in ms, 0 or more");
        (double, double)? factor = null;
        if (doc.ChipTimeFactor is { } f)
        {
            if (f.Length != 2 || !(f[0] > 0) || !(f[1] >= f[0]) || f[1] > 1000)
                throw Bad(name, "chipTimeFactor must be [min, max] with 0 < min <= max <= 1000 (multiples of the datasheet's typical times)");
            factor = (f[0], f[1]);
        }
        var framing = doc.Framing switch
        {
            null or "mtkflash" => MailboxFraming.MtkFlash,
            "command-register" => MailboxFraming.CommandRegister,
            _ => throw Bad(name, $"framing '{doc.Framing}' is not one of mtkflash, command-register"),
        };
        var bank = doc.BankRegister switch
        {
            null or "device-head" => VariantBankRegister.DeviceHead,
            "features" => VariantBankRegister.Features,
            _ => throw Bad(name, $"bankRegister '{doc.BankRegister}' is not one of device-head, features"),
        };
        return new DriveVariant
        {
            Name = name,
            IgnoresBankBits = doc.IgnoresBankBits ?? false,
            IgnoresA20 = doc.IgnoresA20 ?? false,
            BusyAfterReset = doc.BusyAfterResetMs is { } busy ? TimeSpan.FromMilliseconds(busy) : null,
            IdentifyDeviceAbort = doc.IdentifyDeviceAbortMs is { } abort and >= 0 ? TimeSpan.FromMilliseconds(abort) : null,
            IdentifyDeviceNeverAborts = doc.IdentifyDeviceAbortMs == -1,
            ChipTimeFactor = factor,
            Seed = doc.Seed ?? 1,
            Framing = framing,
            IntroStatus = doc.IntroStatus is { } status ? Hex(name, "introStatus", status) : null,
            EchoesDevice = doc.EchoesDevice ?? true,
            BankRegister = bank,
            IgnoresOutro = doc.IgnoresOutro ?? false,
            IntroDelay = TimeSpan.FromMilliseconds(doc.IntroDelayMs ?? 0),
            IntroKeys = doc.IntroKeys?.Select(k => Hex(name, "introKeys", k)).ToArray(),
            EraseTrigger = doc.EraseTrigger is { } trigger ? Hex(name, "eraseTrigger", trigger) : null,
            HearsSharedChannel = doc.HearsSharedChannel,
            LockedHidesFlash = doc.LockedHidesFlash ?? false,
        };
    }

    private static byte Hex(string name, string key, string text)
    {
        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text.EndsWith('h') || text.EndsWith('H') ? text[..^1] : text;
        if (digits.Length is < 1 or > 2 || !byte.TryParse(digits, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
            throw Bad(name, $"{key} '{text}' is not a byte in hex (e.g. \"72\" or \"0x72\")");
        return value;
    }

    private static RecoveryKitException Bad(string name, string what, Exception? inner = null) =>
        new(FailureKind.Usage, "variant", $"the variant file {name} {what}",
            $"A variant is a JSON object with any of: {string.Join(", ", Keys)} (README: 'Practise first').", inner);

    /// <summary>Applies the variant to every virtual MediaTek drive on <paramref name="bench"/>.</summary>
    public void ApplyTo(SimBench bench)
    {
        foreach (var (_, drive) in bench.MtkDrives())
            ApplyTo(drive);
    }

    /// <summary>Applies the variant to one drive and its flash chip.</summary>
    public void ApplyTo(VirtualMtkDrive drive)
    {
        drive.Variant = this;
        if (ChipTimeFactor is { } f)
            drive.Memory.SetTimeFactor(f.Min, f.Max, Seed);
    }
}

/// <summary>The on-disk shape of a variant file.</summary>
internal sealed class DriveVariantJson
{
    public bool? IgnoresBankBits { get; set; }
    public bool? IgnoresA20 { get; set; }
    public int? BusyAfterResetMs { get; set; }
    public int? IdentifyDeviceAbortMs { get; set; }
    public double[]? ChipTimeFactor { get; set; }
    public int? Seed { get; set; }
    public string? Framing { get; set; }
    public string? IntroStatus { get; set; }
    public bool? EchoesDevice { get; set; }
    public string? BankRegister { get; set; }
    public bool? IgnoresOutro { get; set; }
    public int? IntroDelayMs { get; set; }
    public string[]? IntroKeys { get; set; }
    public string? EraseTrigger { get; set; }
    public string? Note { get; set; }
    public bool? HearsSharedChannel { get; set; }
    public bool? LockedHidesFlash { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(DriveVariantJson))]
internal sealed partial class DriveVariantJsonContext : JsonSerializerContext;
