using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Profiles;

namespace RecoveryKit.MediaTek;

/// <summary>
/// The wait after a JungleFlasher-style mailbox operation (PROTOCOL.md §4 second framing, §5b): status reads until the
/// drive shows its vendor status again. Busy statuses (F2h = 72h with BSY) are waited out up to the profile's mailbox
/// timeout; a wrong, not-busy status read the profile's confirm count in a row means the drive left vendor mode.
/// </summary>
internal sealed class VendorStatusPoll(IAtaRegisters regs, DriveProfile profile, byte? ready = null)
{
    private readonly byte _ready = ready ?? profile.VendorStatus.Value;
    private readonly TimeSpan _timeout = profile.MailboxTimeout.Value;
    private readonly TimeSpan _pollStep = profile.MailboxPollStep.Value;
    private readonly int _confirmReads = profile.MailboxConfirmReads.Value;

    public byte Ready => _ready;

    /// <summary>Waits for the vendor status after an operation named <paramref name="what"/> (named in the failure).</summary>
    public void Wait(string what)
    {
        if (!TryWait(out var status))
            throw LeftVendorMode(what, status);
    }

    /// <summary>The same after a mailbox cycle at <paramref name="address"/>: nothing is formatted unless it fails.</summary>
    public void Wait(uint address)
    {
        if (!TryWait(out var status))
            throw LeftVendorMode($"flash address {address:X6}h", status);
    }

    private bool TryWait(out byte status)
    {
        status = regs.Read(TaskFileRegister.StatusCommand);
        if (status == _ready)
            return true;
        var clock = regs.Clock;
        var deadline = clock.Now + _timeout;
        var wrongInARow = 0;
        while (true)
        {
            if ((status & (byte)AtaStatus.Busy) != 0)
            {
                if (clock.Now >= deadline)
                    return false;
                wrongInARow = 0;
                clock.Delay(_pollStep);
            }
            else if (++wrongInARow >= _confirmReads)
            {
                // A drive that left vendor mode reads the same wrong status every time; one bad read is the cable.
                return false;
            }
            status = regs.Read(TaskFileRegister.StatusCommand);
            if (status == _ready)
                return true;
        }
    }

    private RecoveryKitException LeftVendorMode(string what, byte status) =>
        new(new Failure(FailureKind.NotInVendorMode, "mailbox",
            $"the drive left vendor mode at {what} (status {status:X2}h, expected {_ready:X2}h)",
            "The drive reset or lost power. Power-cycle it and run the same command again: RecoveryKit re-enters vendor mode and rewrites only what is not yet right.")
        { Status = status });
}
