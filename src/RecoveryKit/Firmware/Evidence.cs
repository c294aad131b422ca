using RecoveryKit.Profiles;

namespace RecoveryKit.Firmware;

/// <summary>How sure we are of a fact (PROTOCOL.md, grades at the top).</summary>
public enum EvidenceGrade
{
    /// <summary>[V] verified from source code, a tool's readme, or a trace of the real tool.</summary>
    Verified,
    /// <summary>[F] reported consistently by users in forum threads.</summary>
    Forum,
    /// <summary>[D] from the ATA/ATAPI standard or a chip datasheet.</summary>
    Datasheet,
    /// <summary>[R] our reconstruction; lives in profile data so it can be corrected without code changes.</summary>
    Reconstructed,
    /// <summary>[V-dec] what a real tool sends, read from a decompilation of its shipped binary (PROTOCOL.md).</summary>
    VerifiedDecompiled,
}

/// <summary>The grade of a profile value and the note that says where it comes from.</summary>
public sealed record Evidence(EvidenceGrade Grade, string Note)
{
    /// <summary>The one-letter tag used in PROTOCOL.md and families.json: V, F, D or R.</summary>
    public string Tag => Grade switch
    {
        EvidenceGrade.Verified => "V",
        EvidenceGrade.Forum => "F",
        EvidenceGrade.Datasheet => "D",
        EvidenceGrade.VerifiedDecompiled => "V-dec",
        _ => "R",
    };

    public static bool TryParseTag(string? tag, out EvidenceGrade grade)
    {
        switch (tag)
        {
            case "V": grade = EvidenceGrade.Verified; return true;
            case "F": grade = EvidenceGrade.Forum; return true;
            case "D": grade = EvidenceGrade.Datasheet; return true;
            case "R": grade = EvidenceGrade.Reconstructed; return true;
            case "V-dec": grade = EvidenceGrade.VerifiedDecompiled; return true;
            default: grade = EvidenceGrade.Reconstructed; return false;
        }
    }

    public override string ToString() => $"[{Tag}] {Note}";

    /// <summary>The grade and note of a profile value (RecoveryKit.Profiles.Graded).</summary>
    public static Evidence Of<T>(Graded<T> value)
    {
        TryParseTag(value.Grade, out var grade);
        return new Evidence(grade, value.Note ?? "");
    }
}
