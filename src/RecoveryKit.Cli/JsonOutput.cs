using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using RecoveryKit.Diagnostics;

namespace RecoveryKit.Cli;

/// <summary>
/// --json output: every command's result is one typed record, serialised through the source-generated
/// <see cref="RecoveryKitJson"/> context (no reflection), indented and readable (no \u escapes for "—" or "…").
/// Under --json, stdout holds exactly that one document; running commentary goes to stderr. Shapes: docs/json.md.
/// </summary>
internal static class JsonOutput
{
    private static readonly RecoveryKitJson Context = new(new JsonSerializerOptions
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    });

    /// <summary>The JSON document of a command, to stdout even when --json sent the commentary to stderr.</summary>
    public static void Write<T>(TextWriter output, T value, Func<RecoveryKitJson, JsonTypeInfo<T>> type)
    {
        var target = Terminal.JsonTarget(output);
        target.WriteLine(JsonSerializer.Serialize(value, type(Context)));
        target.Flush();
    }

    /// <summary>A failure as JSON: <c>{"error": {"stage", "cause", "advice", "exitCode", …}}</c>.</summary>
    public static void WriteError(TextWriter output, Failure failure, string? driveState = null) =>
        Write(output, new ErrorDocument(new ErrorJson(failure.Stage, failure.Cause, failure.Advice, (int)failure.Kind, Kind(failure.Kind),
            failure.Status is { } s ? $"{s:X2}" : null, failure.Error is { } e ? $"{e:X2}" : null, failure.Detail, failure.SectorMap, driveState)), c => c.ErrorDocument);

    /// <summary>The failure kind as a JSON word: "no-device", "image-rejected" …</summary>
    public static string Kind(FailureKind kind) => kind switch
    {
        FailureKind.Internal => "internal",
        FailureKind.Usage => "usage",
        FailureKind.NoDevice => "no-device",
        FailureKind.WrongDeviceClass => "wrong-device-class",
        FailureKind.NotInVendorMode => "not-in-vendor-mode",
        FailureKind.ChipUnknown => "chip-unknown",
        FailureKind.ImageRejected => "image-rejected",
        FailureKind.WriteFailed => "write-failed",
        FailureKind.VerifyFailed => "verify-failed",
        FailureKind.Cancelled => "cancelled",
        FailureKind.DeviceTimeout => "device-timeout",
        FailureKind.Environment => "environment",
        FailureKind.FileError => "file-error",
        _ => "unknown",
    };

    /// <summary>"0x1F0"-style hex.</summary>
    public static string Hex(long value, int digits) => "0x" + value.ToString("X" + digits, System.Globalization.CultureInfo.InvariantCulture);
}

// ---- errors ----

/// <summary>Every failure under --json.</summary>
internal sealed record ErrorDocument(ErrorJson Error);

/// <param name="Status">Status register seen last (hex), when the device gave one.</param>
/// <param name="DriveState">What state a flash failure leaves the drive in, in words.</param>
internal sealed record ErrorJson(string Stage, string Cause, string Advice, int ExitCode, string Kind, string? Status, string? ErrorRegister, string? Detail, string? SectorMap, string? DriveState);

// ---- scan, selftest ----

internal sealed record ScanJson(string Bench, IReadOnlyList<ScanPositionJson> Positions, IReadOnlyList<string> Notes, IReadOnlyList<KernelDriveJson> Kernel);

internal sealed record ScanPositionJson(int? Position, string? Name, string Channel, string Device, string Base, string Class,
    string? Model, string? Revision, string? Serial, string? Signature, string Status, string State, bool Flashable);

internal sealed record KernelDriveJson(string? Serial, string Sg, string? Block, string Vendor, string Model, string Revision);

internal sealed record SelftestJson(string Target, bool Passed, IReadOnlyList<SelftestCheckJson> Checks);

internal sealed record SelftestCheckJson(string Check, string Verdict, string Result, string Detail);

// ---- firmware files ----

internal sealed record IdentityJson(string Source, string? Vendor, string? Model, string? Revision, string? VendorOffset, string? Family);

internal sealed record BootBlockJson(string Start, string Length, string Grade, string Sha256);

internal sealed record FitJson(string Family, bool ModelMatches, bool SizeFits, bool ChecksumValid, string ChecksumRule, string ChecksumGrade, string Computed, string? Stored);

internal sealed record InspectJson(string File, IReadOnlyList<string> Notes, string Format, long Offset, string Location, int Size, IdentityJson Identity,
    string Sum16, string Sha256, BootBlockJson BootBlock, IReadOnlyList<FitJson> Fits);

internal sealed record ExtractJson(string Source, long Offset, string Location, int Size, string Output, IdentityJson Identity);

internal sealed record DiffBankJson(int Bank, string Start, int BytesDiffering, IReadOnlyList<string> Sectors);

internal sealed record DiffJson(string A, string B, int SizeA, int SizeB, bool Identical, bool BootBlocksDiffer, long BytesDiffering, long? FirstDifference, IReadOnlyList<DiffBankJson> Banks);

internal sealed record FixChecksumJson(string Source, string Family, string Rule, string? Stored, string Computed, bool Changed, bool Written, string Output, string? Backup,
    string RuleGrade, string? Warning);

// ---- drive commands ----

internal sealed record InquiryJson(string Vendor, string Product, string Revision);

internal sealed record OutroJson(string Method, bool CameBack, string State, InquiryJson? Answers);

internal sealed record ChipIdJson(string Name, string Id, string Third);

/// <param name="Answer">"packet-device" (IDENTIFY PACKET DEVICE answered), "hard-disk", "boot-code-only", "nothing".</param>
internal sealed record IdentifyJson(string Where, string Answer, string? Model, string? Revision, string? Serial, InquiryJson? Inquiry, string? Profile, ChipIdJson? Chip, OutroJson? Outro);

internal sealed record BackupJson(string Where, string Output, string Profile, OutroJson Outro);

internal sealed record VerifyJson(string Where, string Image, bool Identical, IReadOnlyList<SectorJson> Differing, OutroJson Outro);

internal sealed record SectorJson(int Index, string Start);

internal sealed record EraseJson(string Where, string Backup, bool BootCodeErased);

internal sealed record ResetJson(string Where, OutroJson Outro);

internal sealed record PlanJson(int SectorsToWrite, int SectorsInChip, int SectorsToErase, long BytesToProgram, bool RewritesBootBlock, bool BootBlockDiffers, double EstimateSeconds, string Summary);

/// <summary>flash, unbrick and mtkflash's write: what was written and whether the drive came back.</summary>
internal sealed record FlashJson(string Where, string Image, string ImageIdentity, string Profile, string Chip, string ChipId, PlanJson Plan,
    string Sectors, int Retries, string Backup, double DeviceTimeSeconds, OutroJson Outro, string SessionLog, string? SecondBackup = null, KeyBlockJson? KeyBlock = null);

/// <summary>The key block of a drive-unique flash: hashes only, never the bytes.</summary>
internal sealed record KeyBlockJson(string Range, string DriveHash, string ImageHash, string Decision);

// ---- sim-image, mtkflash, drives ----

internal sealed record ScenarioJson(string Name, bool Recoverable, string Description);

internal sealed record SimImageListJson(IReadOnlyList<ScenarioJson> Scenarios);

internal sealed record SimImageJson(string Scenario, string Output, int Size);

internal sealed record ExplainedJson(string Token, string Meaning);

/// <summary>mtkflash --explain: the translation only (a run prints the translated command's own JSON).</summary>
internal sealed record MtkFlashJson(string Command, IReadOnlyList<ExplainedJson> Explained, string Modern, IReadOnlyList<string> ModernArgs);

internal sealed record GradedJson(string Value, string Grade, string? Note);

internal sealed record DriveJson(string Name, string Vendor, IReadOnlyList<string> Products, string Family, IReadOnlyList<string> Chips, string Grade, string? Note,
    bool Writable, GradedJson IntroKeys, GradedJson VendorStatus, GradedJson Spi, GradedJson Outro);

internal sealed record ChipJson(string Name, string Manufacturer, string Id, int SizeBytes, string Sectors, string Program, string Grade, string Source);

internal sealed record DrivesJson(IReadOnlyList<DriveJson> Drives, IReadOnlyList<ChipJson> Chips);

/// <summary>The source-generated serialiser for every --json document.</summary>
[JsonSerializable(typeof(ErrorDocument))]
[JsonSerializable(typeof(ScanJson))]
[JsonSerializable(typeof(SelftestJson))]
[JsonSerializable(typeof(InspectJson))]
[JsonSerializable(typeof(ExtractJson))]
[JsonSerializable(typeof(DiffJson))]
[JsonSerializable(typeof(FixChecksumJson))]
[JsonSerializable(typeof(IdentifyJson))]
[JsonSerializable(typeof(BackupJson))]
[JsonSerializable(typeof(VerifyJson))]
[JsonSerializable(typeof(EraseJson))]
[JsonSerializable(typeof(ResetJson))]
[JsonSerializable(typeof(FlashJson))]
[JsonSerializable(typeof(SimImageListJson))]
[JsonSerializable(typeof(SimImageJson))]
[JsonSerializable(typeof(MtkFlashJson))]
[JsonSerializable(typeof(DrivesJson))]
internal sealed partial class RecoveryKitJson : JsonSerializerContext;
