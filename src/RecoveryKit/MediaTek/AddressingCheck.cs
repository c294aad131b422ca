using RecoveryKit.Diagnostics;
using RecoveryKit.Profiles;

namespace RecoveryKit.MediaTek;

/// <summary>What the whole-flash read said about the mailbox's addressing.</summary>
public enum AddressingVerdict
{
    /// <summary>Every bank (and the upper half of a part above 1 MiB) reads differently from bank 0 (or the lower half).</summary>
    Proven,
    /// <summary>Bank 0 (or the lower half) is blank, so a mirror cannot be told from a blank chip; nothing in the flash can be lost.</summary>
    Inconclusive,
}

/// <summary>The outcome of <see cref="AddressingCheck.Check"/> when the run may go on.</summary>
public sealed record AddressingResult(AddressingVerdict Verdict, string Message);

/// <summary>
/// The self-check of the bank bits [R1] and A20 [R1b] on the drive itself, before the first erase. A drive that ignores
/// the device register's head bits returns bank 0 for every bank, and its erases and programs for bank N land in bank 0
/// — the boot code — while the per-sector verify reads through the same wrong address and passes. The backup shows it:
/// a bank that is a byte-for-byte copy of bank 0. Real firmware never repeats its first 64 KiB, so such a copy means
/// the addressing rule is wrong for this drive, and the run stops with nothing erased.
/// </summary>
public static class AddressingCheck
{
    private const int BankSize = 0x10000;
    private const int A20Boundary = 0x100000;

    /// <param name="flash">The whole flash as read through the mailbox (the backup).</param>
    /// <param name="profile">The drive profile whose addressing values the advice names.</param>
    /// <exception cref="RecoveryKitException"><see cref="FailureKind.AddressingUnproven"/>: a bank mirrors bank 0, or the upper half mirrors the lower half.</exception>
    public static AddressingResult Check(ReadOnlySpan<byte> flash, DriveProfile profile)
    {
        if (flash.Length <= BankSize)
            return new AddressingResult(AddressingVerdict.Proven, "the flash is a single 64 KiB bank: no bank bits are used");
        if (flash.Length > A20Boundary)
        {
            var half = flash.Length / 2;
            var lower = flash[..half];
            if (lower.IndexOfAnyExcept((byte)0xFF) >= 0 && lower.SequenceEqual(flash[half..]))
                throw Mirror($"the upper half of the {flash.Length / 1024} KiB flash (from {half:X6}h) reads exactly as the lower half",
                    $"the drive seems to ignore A20, which the {profile.Name} profile carries in features bit 0 [R1b] (drives.json bank4Register)");
        }
        var bank0 = flash[..BankSize];
        if (bank0.IndexOfAnyExcept((byte)0xFF) < 0)
            return new AddressingResult(AddressingVerdict.Inconclusive,
                "bank 0 is blank, so the bank addressing cannot be proven from the flash; nothing in it can be lost, and the whole-flash read-back after writing catches a misaddressed write");
        for (var bank = 1; bank * BankSize < flash.Length; bank++)
        {
            var start = bank * BankSize;
            var length = Math.Min(BankSize, flash.Length - start);
            if (flash.Slice(start, length).SequenceEqual(bank0[..length]))
                throw Mirror($"bank {bank} (from {start:X6}h) reads exactly as bank 0, the boot code",
                    $"the drive seems to ignore the bank bits, which the {profile.Name} profile carries in the device register's head bits [R1] (drives.json bankRegister)");
        }
        return new AddressingResult(AddressingVerdict.Proven, $"all {(flash.Length + BankSize - 1) / BankSize} banks read differently from bank 0: the bank addressing works on this drive");
    }

    private static RecoveryKitException Mirror(string seen, string meaning) =>
        new(FailureKind.AddressingUnproven, "addressing",
            $"{seen}: {meaning}, so writing there would overwrite the boot code",
            "Nothing was erased; the backup holds what was read. Check the drive profile's bank addressing (drives.json) and send the session log and backup to the RecoveryKit developers.");
}
