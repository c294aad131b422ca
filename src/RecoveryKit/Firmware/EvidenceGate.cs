using RecoveryKit.Diagnostics;

namespace RecoveryKit.Firmware;

/// <summary>What a gate decided about one rule.</summary>
public enum GateVerdict
{
    /// <summary>The rule holds.</summary>
    Passed,
    /// <summary>The rule fails and rests on a verified fact ([V]/[D]): refused, no flag helps.</summary>
    Refused,
    /// <summary>The rule fails but is only a reconstruction or a forum report ([R]/[F]): refused until its flag is given.</summary>
    NeedsOverride,
    /// <summary>The rule fails, is a reconstruction or forum report, and the technician's flag let it through (logged).</summary>
    Overridden,
}

/// <summary>One gate's decision, with the evidence it rests on and the flag that overrides it.</summary>
/// <param name="Rule">What was checked, e.g. "checksum".</param>
/// <param name="Evidence">The grade and source of the rule.</param>
/// <param name="Verdict">What the gate decided.</param>
/// <param name="Cause">What was seen when the rule failed (empty when it passed).</param>
/// <param name="OverrideFlag">The command-line flag that overrides an [R]/[F] rule, e.g. "--ignore-checksum".</param>
public sealed record GateResult(string Rule, Evidence Evidence, GateVerdict Verdict, string Cause, string OverrideFlag)
{
    /// <summary>One line for the stage log: what was seen, the rule's grade, and what was decided.</summary>
    public string Describe() => Verdict switch
    {
        GateVerdict.Passed => $"{Rule}: holds [{Evidence.Tag}]",
        GateVerdict.Overridden => $"WARNING: {Cause}; the {Rule} rule is graded [{Evidence.Tag}] ({Evidence.Note}) and was overridden by {OverrideFlag}",
        GateVerdict.NeedsOverride => $"{Cause}; the {Rule} rule is graded [{Evidence.Tag}], not verified",
        _ => $"{Cause} [{Evidence.Tag}]",
    };
}

/// <summary>
/// The one place where a rule's evidence grade decides what its failure does (DESIGN.md, "one gate policy"): a rule
/// built on a verified fact ([V] source or trace, [V-dec] a real tool's decompiled binary, [D] standard or datasheet) refuses; one built on a reconstruction
/// [R] or a forum report [F] refuses only until the technician names its override flag, then warns and is logged.
/// A later source that re-grades a rule in the profile data changes the behaviour without touching code.
/// </summary>
public static class EvidenceGate
{
    /// <summary>True for the grades that may refuse outright.</summary>
    public static bool Gates(EvidenceGrade grade) => grade is EvidenceGrade.Verified or EvidenceGrade.VerifiedDecompiled or EvidenceGrade.Datasheet;

    public static GateResult Check(string rule, Evidence evidence, bool holds, string cause, string overrideFlag, bool overridden)
    {
        if (holds)
            return new GateResult(rule, evidence, GateVerdict.Passed, string.Empty, overrideFlag);
        if (Gates(evidence.Grade))
            return new GateResult(rule, evidence, GateVerdict.Refused, cause, overrideFlag);
        return new GateResult(rule, evidence, overridden ? GateVerdict.Overridden : GateVerdict.NeedsOverride, cause, overrideFlag);
    }

    /// <summary>Throws the typed refusal for a gate that refused or needs its flag; returns the result otherwise.</summary>
    /// <param name="advice">What to do when the rule rests on a verified fact (no flag offered then).</param>
    public static GateResult Enforce(GateResult result, FailureKind kind, string stage, string advice)
    {
        switch (result.Verdict)
        {
            case GateVerdict.Refused:
                throw new RecoveryKitException(kind, stage, $"{result.Cause} (rule graded [{result.Evidence.Tag}]: {result.Evidence.Note})", advice);
            case GateVerdict.NeedsOverride:
                throw new RecoveryKitException(kind, stage,
                    $"{result.Cause}; this {result.Rule} rule is only graded [{result.Evidence.Tag}] ({result.Evidence.Note})",
                    $"If the image is the right one and the rule is what is wrong, run again with {result.OverrideFlag} (it is logged). Nothing was written.");
            default:
                return result;
        }
    }
}
