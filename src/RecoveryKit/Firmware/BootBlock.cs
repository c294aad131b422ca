namespace RecoveryKit.Firmware;

/// <summary>
/// The range of flash holding the boot code that still answers the vendor intro when the main firmware is gone
/// (PROTOCOL.md §6). Its extent is not published for any family [R2]; each profile gives it with its grade. A length of
/// zero: the family keeps no boot code in its flash (vendor mode lives in the controller's ROM and survives a blank flash).
/// </summary>
public sealed record BootBlock(int Start, int Length, Evidence Evidence)
{
    /// <summary>The default when a family does not say: the whole first 64 KiB bank [R2].</summary>
    public static BootBlock Default { get; } = new(0, FlashSize.Bank,
        new Evidence(EvidenceGrade.Reconstructed, "R2 default: the whole first 64 KiB bank is treated as boot code."));

    /// <summary>One past the last boot-block byte.</summary>
    public int End => Start + Length;

    public bool Overlaps(int start, int length) => start < End && Start < start + length;

    /// <summary>The family keeps no boot code in its flash: nothing is held back, and no flag is needed to write any sector.</summary>
    public bool None => Length == 0;

    public override string ToString() => None ? "none (vendor mode is in the controller's ROM)" : $"0x{Start:X6}-0x{End - 1:X6} ({FlashSize.Describe(Length)})";
}
