using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Packet;
using RecoveryKit.Profiles;

namespace RecoveryKit.MediaTek;

/// <summary>
/// Proof that a position holds an ATAPI device and not an ATA hard disk. Vendor mode can only be entered
/// through one, and only <see cref="Acquire"/> makes one: the single place that enforces
/// "never send a vendor command to a hard disk". It touches only the position it was given.
/// </summary>
public sealed class FlashTarget
{
    private FlashTarget(AtaHost host, DeviceSelect device, DriveProfile profile, string where, InquiryData? identity, bool acceptLocked)
    {
        Host = host;
        Device = device;
        Profile = profile;
        Where = where;
        Identity = identity;
        AcceptLockedStatus = acceptLocked;
    }

    /// <summary>
    /// --try-locked: the profile's locked status (52h, graded [F]/[R]) is taken as vendor mode instead of a refusal. The
    /// session then checks on the drive itself, before anything is erased, that the flash reads back what 52h claims.
    /// </summary>
    public bool AcceptLockedStatus { get; }

    /// <summary>
    /// What the drive said it is (INQUIRY) before vendor mode, read at the position itself whatever way the position
    /// was named; null when only its boot code answers (a dead drive cannot say what it is).
    /// </summary>
    public InquiryData? Identity { get; }

    public AtaHost Host { get; }

    public DeviceSelect Device { get; }

    public DriveProfile Profile { get; }

    /// <summary>"secondary master (0x170)".</summary>
    public string Where { get; }

    /// <summary>
    /// Classifies the device at <paramref name="device"/> with IDENTIFY DEVICE (which an ATA disk answers and
    /// an ATAPI device aborts, posting its 14h/EBh signature) and refuses anything that is not ATAPI. Then reads what
    /// the drive says it is (IDENTIFY PACKET DEVICE, INQUIRY — read-only) and refuses a drive that identifies as a
    /// model no profile covers: vendor commands go only to drives RecoveryKit has a profile for. A drive that
    /// identifies as another profile's model than <paramref name="profile"/> is refused too, unless
    /// <paramref name="allowOtherProfile"/> (a deliberate cross-flash, --force-model).
    /// </summary>
    /// <param name="resetOnly">The caller sends no vendor command, only the outro's standard resets ('reset'): a drive of
    /// another profile, or of none, is not refused.</param>
    /// <param name="acceptLocked">--try-locked: see <see cref="AcceptLockedStatus"/>.</param>
    /// <param name="neighbour">The shared-cable gate (issue 17): run after the drive's own checks, before any vendor command, unless
    /// <paramref name="resetOnly"/>. Null: <see cref="Discovery.SharedChannelGuard.Strict"/>, which refuses a MediaTek-brand
    /// neighbour or one that cannot say what it is.</param>
    public static FlashTarget Acquire(AtaHost host, DeviceSelect device, DriveProfile profile, string where, bool allowOtherProfile = false, bool resetOnly = false,
        Discovery.SharedChannelGuard? neighbour = null, bool acceptLocked = false)
    {
        // The drive's own waits (post-reset delay, IDENTIFY window, PACKET limits) where its profile overrides the defaults.
        host = host.With(profile.HostTimeouts(host.Timeouts));
        host.Select(device);
        var status = host.Registers.ReadAlternateStatus();
        if (status == 0xFF && !host.RegistersHoldValues(device))
            throw new RecoveryKitException(new Failure(FailureKind.NoDevice, "target", $"nothing answers at {where} (the bus floats)",
                "Check the cable, power and master/slave jumper, or pick another position ('scan' lists them).") { Status = status });
        if (status == 0x7F)
            throw new RecoveryKitException(new Failure(FailureKind.NoDevice, "target", $"{where} reads 7Fh on every register",
                "That is a dead or unpowered drive, or an empty cable with a pull-down: check the power plug and cable, power-cycle the drive and run 'scan'.") { Status = status });
        if (VendorMode.ShowsVendorStatus(profile, status))
        {
            // Left in vendor mode by an earlier run (one that stopped on a failure): the profile's outro steps bring it back,
            // as they would have at the end of that run: the dialect's outro opcode (81h/F0h/BEh, which an SPI drive needs
            // before it honours DEVICE RESET), then DEVICE RESET, falling back to SRST. An ATA disk never shows these statuses.
            VendorMode.RunOutroSteps(host, device, profile, "target");
        }
        try
        {
            host.WaitNotBusy("target", host.Timeouts.NotBusy, device);
        }
        catch (RecoveryKitException)
        {
            // Still busy: boot code that hung on an earlier command. DEVICE RESET reaches only this device and is
            // the one command an ATAPI device accepts while BSY; an ATA disk never hangs like this and ignores it.
            host.DeviceReset(device, profile.OutroTimeout.Value, "target");
        }
        var identify = host.Identify(device, AtaCommand.IdentifyDevice);
        switch (identify.Outcome)
        {
            case IdentifyOutcome.Data:
                throw new RecoveryKitException(new Failure(FailureKind.WrongDeviceClass, "target",
                    $"{where} holds a hard disk ({identify.Data!.Model}); RecoveryKit never sends vendor commands to hard disks",
                    "Pick the optical drive's position instead ('scan' lists every position and what is on it).") { Status = identify.Status });
            case IdentifyOutcome.NoResponse:
                throw new RecoveryKitException(new Failure(FailureKind.NoDevice, "target",
                    $"nothing at {where} reacts to commands (status {identify.Status:X2}h)",
                    "Check the cable and jumper, or pick another position ('scan' lists them).") { Status = identify.Status });
        }
        var signature = host.ReadSignature();
        if (!signature.IsAtapi)
            throw new RecoveryKitException(new Failure(FailureKind.WrongDeviceClass, "target",
                $"{where} refused IDENTIFY DEVICE but shows no ATAPI signature ({signature.LbaMid:X2}h/{signature.LbaHigh:X2}h)",
                "RecoveryKit only flashes ATAPI optical drives. Power-cycle the drive and run 'scan'; if the signature stays wrong, move the drive to its own cable.")
            { Status = identify.Status, Error = identify.Error });
        var inquiry = ReadIdentity(host, device, profile);
        if (inquiry is not null && !resetOnly)
        {
            var covering = ProfileCatalog.MatchDrive(inquiry.Vendor, inquiry.Product);
            if (covering is null)
                throw new RecoveryKitException(new Failure(FailureKind.WrongDeviceClass, "target",
                    $"{where} holds {inquiry.Vendor.Trim()} {inquiry.Product.Trim()} {inquiry.Revision.Trim()}, a drive no RecoveryKit profile covers; it never gets a vendor command",
                    "Pick the dead MediaTek drive's position instead ('scan' lists every position and what is on it; 'recoverykit drives' lists the supported models)."));
            if (!string.Equals(covering.Name, profile.Name, StringComparison.OrdinalIgnoreCase) && !allowOtherProfile)
                throw new RecoveryKitException(new Failure(FailureKind.WrongDeviceClass, "target",
                    $"{where} says it is {inquiry.Vendor.Trim()} {inquiry.Product.Trim()} (profile {covering.Name}), not a {profile.Name}",
                    $"Use the {covering.Name} profile and an image made for it; --force-model only for a deliberate cross-flash."));
        }
        // Last, the other device on the cable, with read-only standard commands (issue 17): a refusal comes before any
        // vendor command, and both drives have then been sent nothing but identification.
        if (!resetOnly)
            (neighbour ?? Discovery.SharedChannelGuard.Strict).Check(host, device, where);
        return new FlashTarget(host, device, profile, where, inquiry, acceptLocked);
    }

    /// <summary>
    /// IDENTIFY PACKET DEVICE and, when the drive answers it, INQUIRY: what a drive running its main firmware says it is.
    /// Null when only the boot code answers (it refuses packet commands) or the answer is unreadable.
    /// </summary>
    private static InquiryData? ReadIdentity(AtaHost host, DeviceSelect device, DriveProfile profile)
    {
        try
        {
            var packet = host.Identify(device, AtaCommand.IdentifyPacketDevice);
            if (packet.Outcome == IdentifyOutcome.Data)
                return ScsiCommands.Inquiry(new AtaPacketHost(host, device));
        }
        catch (RecoveryKitException)
        {
            // boot code that half-answers: it cannot say what it is
        }
        // Some boot code hangs (BSY) on a packet command it does not know; DEVICE RESET reaches only this device and
        // brings it back before the intro, which a busy drive would not see.
        if ((host.Registers.ReadAlternateStatus() & (byte)AtaStatus.Busy) != 0)
            host.DeviceReset(device, profile.OutroTimeout.Value, "target");
        return null;
    }
}
