using System.Text.Json.Serialization;

namespace RecoveryKit.Firmware;

// The shape of Profiles/families.json. Numbers are strings ("0x40BC", "-0x2") so the file reads like the
// protocol notes; ImageFamilies turns them into typed values and rejects anything it does not understand.

internal sealed class FamiliesDocument
{
    public int Version { get; set; }
    public List<FamilyEntry> Families { get; set; } = [];
}

internal sealed class GradedEntry<T>
{
    public T? Value { get; set; }
    public string? Grade { get; set; }
    public string? Note { get; set; }
}

internal sealed class FamilyEntry
{
    public string? Name { get; set; }
    public string? Note { get; set; }
    public GradedEntry<string>? Vendor { get; set; }
    public GradedEntry<List<string>>? Products { get; set; }
    public GradedEntry<List<string>>? Revisions { get; set; }
    public GradedEntry<List<string>>? FlashSizes { get; set; }
    public GradedEntry<IdentityEntry>? Identity { get; set; }
    public GradedEntry<RangeEntry>? BootBlock { get; set; }
    public GradedEntry<ValidityEntry>? Validity { get; set; }
    public GradedEntry<RangeEntry>? KeyBlock { get; set; }
    public GradedEntry<bool?>? DriveUnique { get; set; }
}

internal sealed class IdentityEntry
{
    public string? Kind { get; set; }
    public string? VendorAt { get; set; }
    public string? ProductAt { get; set; }
    public string? RevisionAt { get; set; }
}

internal sealed class RangeEntry
{
    public string? Start { get; set; }
    public string? Length { get; set; }
}

internal sealed class ValidityEntry
{
    public string? Kind { get; set; }
    public string? Start { get; set; }
    public string? End { get; set; }
    public string? StoredAt { get; set; }
    public string? MainStart { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(FamiliesDocument))]
internal sealed partial class FamiliesJsonContext : JsonSerializerContext;
