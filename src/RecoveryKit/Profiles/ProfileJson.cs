using System.Text.Json.Serialization;

namespace RecoveryKit.Profiles;

// The on-disk shape of drives.json and chips.json. Read with source-generated System.Text.Json
// (no reflection), then turned into the immutable profile records the rest of the code uses.
// Unknown keys fail at load (UnmappedMemberHandling.Disallow): a misspelt override must never be
// silently ignored. Enumerated strings are checked by ProfileCatalog, which names the allowed values.

internal sealed class GradedJson<T>
{
    public T Value { get; set; } = default!;
    public string? Grade { get; set; }
    public string? Note { get; set; }
}

/// <summary>One intro dialect: the key written to LBA low and the opcode written to the command register.</summary>
internal sealed class DialectJson
{
    public string? Name { get; set; }
    public string? IntroKey { get; set; }
    public string? IntroOpcode { get; set; }
    public string? OutroOpcode { get; set; }
    public string? Grade { get; set; }
    public string? Note { get; set; }
}

/// <summary>A key/opcode pair known to erase the flash: never sent by any probe or intro.</summary>
internal sealed class TriggerJson
{
    public string? Key { get; set; }
    public string? Opcode { get; set; }
}

/// <summary>Every value a drive may take from the defaults or set for itself.</summary>
internal class DriveSettingsJson
{
    public GradedJson<string[]>? Intro { get; set; }
    public GradedJson<TriggerJson[]>? EraseTriggers { get; set; }
    public GradedJson<string>? VendorStatus { get; set; }
    public GradedJson<int>? IntroTimeoutMs { get; set; }
    public GradedJson<int>? MailboxTimeoutMs { get; set; }
    public GradedJson<int>? MailboxPollStepUs { get; set; }
    public GradedJson<int>? MailboxConfirmReads { get; set; }
    public GradedJson<string>? BankRegister { get; set; }
    public GradedJson<string>? Bank4Register { get; set; }
    public GradedJson<string[]>? Outro { get; set; }
    public GradedJson<int>? OutroTimeoutMs { get; set; }
    public GradedJson<int>? PostResetDelayMs { get; set; }
    public GradedJson<int>? IdentifyResponseMs { get; set; }
    public GradedJson<int>? PacketDeadlineMs { get; set; }
    public GradedJson<int>? PacketByteCap { get; set; }
    public GradedJson<string>? BootValidity { get; set; }
    public GradedJson<bool>? Spi { get; set; }
    public GradedJson<string>? Framing { get; set; }
    public GradedJson<SpiBufferJson>? SpiBuffer { get; set; }
    public GradedJson<string>? LockedStatus { get; set; }
}

/// <summary>An SPI buffer dialect (PROTOCOL.md §5b): buffer write/read opcodes, execute opcodes, count byte order, buffer base.</summary>
internal sealed class SpiBufferJson
{
    public string? Write { get; set; }
    public string? Read { get; set; }
    public string[]? Execute { get; set; }
    public string? CountOrder { get; set; }
    public string? Base { get; set; }
}

internal sealed class DriveDefaultsJson : DriveSettingsJson
{
}

internal sealed class DriveJson : DriveSettingsJson
{
    public string? Name { get; set; }
    public string? Family { get; set; }
    public string? Vendor { get; set; }
    public string[]? Products { get; set; }
    public string[]? Chips { get; set; }
    public string? Grade { get; set; }
    public string? Note { get; set; }
}

internal sealed class DrivesFileJson
{
    public string? Note { get; set; }
    public DialectJson[] Dialects { get; set; } = [];
    public DriveDefaultsJson? Defaults { get; set; }
    public DriveJson[] Drives { get; set; } = [];
    public MediaTekBrandsJson? MediatekBrands { get; set; }
}

/// <summary>drives.json's mediatekBrands: the brands whose drives may take a vendor intro meant for another drive on the cable.</summary>
internal sealed class MediaTekBrandsJson
{
    public string? Note { get; set; }
    public MediaTekBrandJson[] Brands { get; set; } = [];
}

internal sealed class MediaTekBrandJson
{
    public string? Brand { get; set; }
    public string[] Vendors { get; set; } = [];
    public string? Grade { get; set; }
    public string? Note { get; set; }
}

internal sealed class SectorRunJson
{
    public int Size { get; set; }
    public int Count { get; set; }
}

internal sealed class UnlockJson
{
    public string First { get; set; } = "0x5555";
    public string Second { get; set; } = "0x2AAA";
    public string Mask { get; set; } = "0x7FFF";
}

internal sealed class TimingJson
{
    public double Typical { get; set; }
    public double Maximum { get; set; }
}

internal sealed class ChipJson
{
    public string Name { get; set; } = "";
    public string Manufacturer { get; set; } = "";
    public string ManufacturerId { get; set; } = "0x00";
    public string DeviceId { get; set; } = "0x00";
    public int SizeBytes { get; set; }
    public SectorRunJson[] Sectors { get; set; } = [];
    public UnlockJson Unlock { get; set; } = new();
    public string Program { get; set; } = "byte";
    public int PageSize { get; set; }
    public double PageLoadWindowUs { get; set; }
    public TimingJson ProgramUs { get; set; } = new();
    public TimingJson SectorEraseMs { get; set; } = new();
    public TimingJson ChipEraseMs { get; set; } = new();
    public string Grade { get; set; } = "D";
    public string? Source { get; set; }
    public string? SupplyVolts { get; set; }
    public string Bus { get; set; } = "parallel";
    public SpiChipJson? Spi { get; set; }
}

/// <summary>What an SPI part needs beyond the common fields (chips.json rows with bus "spi").</summary>
internal sealed class SpiChipJson
{
    public string? SectorErase { get; set; }
    public string? ChipErase { get; set; }
    public bool Ewsr { get; set; }
    public TimingJson? StatusWriteMs { get; set; }
}

internal sealed class ChipsFileJson
{
    public string? Note { get; set; }
    public ChipJson[] Chips { get; set; } = [];
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(DrivesFileJson))]
[JsonSerializable(typeof(ChipsFileJson))]
internal sealed partial class ProfileJsonContext : JsonSerializerContext
{
}
