using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Packet;
using RecoveryKit.Profiles;

namespace RecoveryKit.MediaTek;

/// <summary>What a status byte after the intro means (PROTOCOL.md §3; the meanings are forum-graded [F]).</summary>
public enum VendorStatusMeaning
{
    /// <summary>70h: vendor mode, parallel flash (MtkFlash era).</summary>
    ParallelFlash,
    /// <summary>72h: vendor mode, SPI flash accessible.</summary>
    SpiAccessible,
    /// <summary>52h: vendor mode, SPI flash locked.</summary>
    SpiLocked,
    /// <summary>73h: BenQ serial flash found.</summary>
    BenqSerialFlash,
    /// <summary>50h or D0h: an invalid status for vendor mode.</summary>
    Invalid,
    /// <summary>51h: the intro should be sent again.</summary>
    Resend,
    /// <summary>80h: busy, no vendor mode ("Status = 80 should be 70").</summary>
    NoVendorMode,
    /// <summary>7Fh: dead drive.</summary>
    Dead,
    /// <summary>FFh: nothing on the bus.</summary>
    Absent,
    /// <summary>Anything else.</summary>
    Unexpected,
}

/// <summary>The typed result of one intro attempt.</summary>
public sealed record IntroResult(byte Status, byte Key, VendorStatusMeaning Meaning, bool Entered, string Advice)
{
    public static VendorStatusMeaning Classify(byte status) => status switch
    {
        0x70 => VendorStatusMeaning.ParallelFlash,
        0x72 => VendorStatusMeaning.SpiAccessible,
        0x52 => VendorStatusMeaning.SpiLocked,
        0x73 => VendorStatusMeaning.BenqSerialFlash,
        0x50 or 0xD0 => VendorStatusMeaning.Invalid,
        0x51 => VendorStatusMeaning.Resend,
        0x80 => VendorStatusMeaning.NoVendorMode,
        0x7F => VendorStatusMeaning.Dead,
        0xFF => VendorStatusMeaning.Absent,
        _ => VendorStatusMeaning.Unexpected,
    };

    public static string AdviceFor(VendorStatusMeaning meaning, byte status, byte expected) => meaning switch
    {
        _ when status == expected => "The drive is in vendor mode.",
        VendorStatusMeaning.ParallelFlash => $"Vendor mode with a parallel flash, but this drive profile expects {expected:X2}h: check that the right profile was picked.",
        VendorStatusMeaning.SpiLocked =>
            "The drive answered 52h: vendor mode with its SPI flash locked (the first 200h bytes are not blank); nothing was changed. Two ways on: '--try-locked' (52h as 'locked' is forum evidence only) goes on in vendor mode, clears the chip's block protection and stops before any erase if the flash reads blank; or the Lite-On erase ('recoverykit erase POS --liteon-erase'), which wipes the whole flash and the drive's own key block with it: use that only with a backup of this drive.",
        VendorStatusMeaning.SpiAccessible or VendorStatusMeaning.BenqSerialFlash =>
            $"The drive answered {status:X2}h: it keeps its firmware in serial (SPI) flash, which this drive profile does not expect ({expected:X2}h); nothing was changed: pick the drive's own profile (recoverykit drives lists DG-16D2S, DG-16D4S, DG-16D5S, VAD6038).",
        VendorStatusMeaning.Invalid => $"Status {status:X2}h is not a vendor-mode status: the drive's firmware refused the intro. Power-cycle the drive and try again.",
        VendorStatusMeaning.Resend => "The drive asks for the intro again: RecoveryKit resends it.",
        VendorStatusMeaning.NoVendorMode => "The drive did not enter vendor mode (status 80h, 'should be 70'): power-cycle it while RecoveryKit resends the intro.",
        VendorStatusMeaning.Dead => "The bus reads 7Fh: the drive is not powered or is dead. Check its power plug and cable, then power-cycle it.",
        VendorStatusMeaning.Absent => "Nothing answers at this position (FFh): check the cable and the master/slave jumper, or pick another position ('scan').",
        _ => $"Unexpected status {status:X2}h: power-cycle the drive and try again.",
    };
}

/// <summary>
/// Enters and leaves MediaTek vendor mode (PROTOCOL.md §3, §6). Only a <see cref="FlashTarget"/>, which
/// proves the position holds no ATA disk, can be put into vendor mode. The intro sends only the profile's
/// dialects (key + opcode) and refuses every erase trigger any profile lists; the outro follows the profile's steps.
/// </summary>
public sealed class VendorMode
{
    public VendorMode(FlashTarget target)
    {
        Target = target;
        Host = target.Host.With(target.Profile.HostTimeouts(target.Host.Timeouts));
    }

    public FlashTarget Target { get; }

    /// <summary>The channel with the profile's waits (post-reset delay, IDENTIFY window, PACKET limits).</summary>
    private AtaHost Host { get; }

    private DriveProfile Profile => Target.Profile;

    /// <summary>
    /// One intro with the profile's dialect whose key is <paramref name="key"/> (the first dialect's opcode when
    /// none has that key: conformance tests send keys a drive must refuse). Never an erase trigger.
    /// </summary>
    public IntroResult SendIntro(byte key)
    {
        var dialect = Profile.Intro.Value.FirstOrDefault(d => d.Key == key) ?? Profile.Intro.Value[0];
        return SendIntro(new VendorTrigger(key, dialect.Opcode));
    }

    /// <summary>
    /// One intro exactly as MtkFlash 1.83c sends it: select the device, read status, LBA low ← key,
    /// command ← the dialect's opcode (80h for MtkFlash and JungleFlasher's phat dialect), then poll status until
    /// it reads the vendor status or the profile's intro timeout passes.
    /// </summary>
    /// <exception cref="RecoveryKitException">The key and opcode are an erase trigger of some profile: nothing is sent.</exception>
    public IntroResult SendIntro(VendorTrigger intro)
    {
        if (ProfileCatalog.IsEraseTrigger(intro) || Profile.EraseTriggers.Value.Contains(intro))
            throw new RecoveryKitException(FailureKind.Internal, "vendor-intro",
                $"intro {intro} is an erase trigger (it erases a Lite-On drive's whole flash); RecoveryKit never sends it as an intro",
                "Nothing was sent. Check the drive profile's intro and eraseTriggers (drives.json).");
        var regs = Host.Registers;
        regs.Write(TaskFileRegister.Device, Target.Device.RegisterValue());
        regs.Read(TaskFileRegister.StatusCommand);
        regs.Write(TaskFileRegister.LbaLow, intro.Key);
        regs.Write(TaskFileRegister.StatusCommand, intro.Opcode);
        var expected = Profile.VendorStatus.Value;
        var clock = regs.Clock;
        var deadline = clock.Now + Profile.IntroTimeout.Value;
        byte status;
        var polls = 0;
        while (true)
        {
            status = regs.Read(TaskFileRegister.StatusCommand);
            if (status == expected)
                break;
            var meaning = Classify(status);
            // Definite answers end the wait; busy or transitional ones are polled until the deadline.
            if (meaning is VendorStatusMeaning.SpiAccessible or VendorStatusMeaning.SpiLocked or VendorStatusMeaning.BenqSerialFlash or VendorStatusMeaning.Resend or VendorStatusMeaning.ParallelFlash)
                break;
            if ((status & 0x01) != 0 && (status & 0x80) == 0)
                break; // ERR: intro refused
            if (clock.Now >= deadline)
                break;
            if (++polls > 64)
                clock.Delay(TimeSpan.FromMilliseconds(1));
        }
        var kind = Classify(status);
        var entered = status == expected;
        return new IntroResult(status, intro.Key, kind, entered, IntroResult.AdviceFor(kind, status, expected));
    }

    private static VendorStatusMeaning Classify(byte status) => IntroResult.Classify(status);

    private static string LockedAccepted(byte status, Graded<byte> locked) =>
        $"WARNING: the drive answered {status:X2}h, which means 'SPI flash locked' only on [{locked.Grade}] evidence; --try-locked goes on in vendor mode. " +
        "The flash is read before anything is erased, and the run stops there if it reads blank (the lock would be hiding it).";

    /// <summary>
    /// Sends the intro with each of the profile's dialects, resending on 51h; when the drive does not answer,
    /// asks <paramref name="powerCycle"/> (the technician, or a virtual bench) to power-cycle the drive and
    /// keeps resending until it answers or the callback gives up (returns false).
    /// </summary>
    public IntroResult Enter(Func<IntroResult, int, bool>? powerCycle = null, int resends = 3)
    {
        IntroResult last = null!;
        var cycles = 0;
        while (true)
        {
            foreach (var dialect in Profile.Intro.Value)
            {
                for (var attempt = 0; attempt < resends; attempt++)
                {
                    last = SendIntro(dialect.Trigger);
                    if (last.Entered)
                        return last;
                    if (last.Meaning != VendorStatusMeaning.Resend)
                        break;
                }
                if (Profile.LockedStatus is { } locked && last.Status == locked.Value)
                {
                    // 52h means "locked" only on forum evidence ([F] phat, [R] slim): --try-locked takes it as vendor mode,
                    // and VendorSession checks on the flash itself, before any erase, that the drive lets it be read.
                    if (Target.AcceptLockedStatus)
                        return last with { Entered = true, Advice = LockedAccepted(last.Status, locked) };
                    var advice = Profile.EraseTriggers.Value.Count > 0 ? last.Advice :
                        $"The drive answered {last.Status:X2}h: vendor mode with its SPI flash locked ([{locked.Grade}] on this drive); nothing was changed. " +
                        "'--try-locked' goes on in vendor mode, clears the chip's block protection and stops before any erase if the flash reads blank (this drive has no known erase trigger).";
                    throw LeaveAfterRefusal(Refused(last with { Advice = advice }, FailureKind.FlashProtected), last);
                }
                if (last.Meaning is VendorStatusMeaning.SpiAccessible or VendorStatusMeaning.SpiLocked or VendorStatusMeaning.BenqSerialFlash)
                    throw LeaveAfterRefusal(Refused(last, FailureKind.ChipUnknown), last);
            }
            if (powerCycle is null || !powerCycle(last, ++cycles))
                throw LeaveAfterRefusal(Refused(last, FailureKind.NotInVendorMode), last);
        }
    }

    /// <summary>
    /// A drive that answered with some vendor-mode status, just not this profile's (70h where 72h was expected, or
    /// an SPI status), is in vendor mode: the profile's reset steps bring it back before the refusal is reported,
    /// so a wrong profile never leaves the drive stuck. Vendor opcodes are not sent (they belong to the profile's
    /// dialect, which this drive did not answer to). A reset that fails changes nothing in the refusal.
    /// </summary>
    private RecoveryKitException LeaveAfterRefusal(RecoveryKitException refusal, IntroResult last)
    {
        if (last.Meaning is not (VendorStatusMeaning.ParallelFlash or VendorStatusMeaning.SpiAccessible or VendorStatusMeaning.SpiLocked or VendorStatusMeaning.BenqSerialFlash))
            return refusal;
        foreach (var step in Profile.Outro.Value.Where(s => s.IsReset))
        {
            try
            {
                if (step.Kind == OutroStepKind.DeviceReset)
                {
                    Host.DeviceReset(Target.Device, Profile.OutroTimeout.Value, "vendor-intro");
                }
                else
                {
                    Host.SoftReset(waitForMaster: false);
                    Host.Select(Target.Device);
                    Host.WaitNotBusy("vendor-intro", Profile.OutroTimeout.Value, Target.Device);
                }
                break;
            }
            catch (RecoveryKitException)
            {
                // Try the next reset step; the refusal stands either way.
            }
        }
        return refusal;
    }

    private RecoveryKitException Refused(IntroResult result, FailureKind kind) =>
        new(new Failure(kind, "vendor-intro",
            $"Status = {result.Status:X2} should be {Profile.VendorStatus.Value:X2}: the {Host.Describe(Target.Device)} did not enter vendor mode (intro key {result.Key:X2}h)",
            result.Advice)
        { Status = result.Status });

    /// <summary>
    /// The outro, step by step from the profile ([R3]; JungleFlasher's 81h before DEVICE RESET [V-dec]): vendor
    /// opcodes go only to a drive that still shows its vendor status (a drive already out of vendor mode runs
    /// firmware that must not get them); the first reset step that brings the drive out of BSY ends the list,
    /// later ones are fallbacks. Then waits for the drive to boot and answer as an ATAPI device again. Returns what
    /// the drive says it is now (null when it only runs its boot code).
    /// </summary>
    public OutroResult Exit()
    {
        var device = Target.Device;
        var (how, sent, failed) = RunOutroSteps(Host, device, Profile, "outro");
        if (how is null)
            throw failed ?? new RecoveryKitException(FailureKind.Internal, "outro", "the profile's outro has no reset step", "Check the drive profile's outro (drives.json).");
        var signature = Host.ReadSignature();
        if (!signature.IsAtapi)
            return new OutroResult(how, signature, null, "the drive did not come back with the ATAPI signature") { Steps = sent };
        var identify = Host.Identify(device, AtaCommand.IdentifyPacketDevice);
        if (identify.Outcome != IdentifyOutcome.Data)
            return new OutroResult(how, signature, null, "the drive answers, but only with its boot code (IDENTIFY PACKET DEVICE refused)") { Steps = sent };
        InquiryData? inquiry;
        try
        {
            inquiry = ScsiCommands.Inquiry(new AtaPacketHost(Host, device));
        }
        catch (RecoveryKitException ex)
        {
            return new OutroResult(how, signature, null, $"the drive identifies, but INQUIRY fails: {ex.Failure.Cause}") { Steps = sent };
        }
        return new OutroResult(how, signature, inquiry, "the drive runs its main firmware again") { Steps = sent };
    }

    /// <summary>
    /// The profile's outro steps, shared by <see cref="Exit"/> and by a later run that finds the drive still in vendor mode
    /// (<see cref="FlashTarget.Acquire"/>): vendor opcodes only while the drive shows its vendor (or locked) status; a
    /// reset step counts only when the drive is out of BSY <em>and</em> no longer shows that status (an SPI drive that did
    /// not get its outro opcode ignores DEVICE RESET [R]), otherwise the next step (SRST) is tried.
    /// </summary>
    internal static (string? How, List<string> Sent, RecoveryKitException? Failed) RunOutroSteps(AtaHost host, DeviceSelect device, DriveProfile profile, string stage)
    {
        var timeout = profile.OutroTimeout.Value;
        var regs = host.Registers;
        var sent = new List<string>();
        string? how = null;
        RecoveryKitException? failed = null;
        var inVendorMode = false;
        var first = true;
        foreach (var step in profile.Outro.Value)
        {
            if (how is not null)
                break;
            switch (step.Kind)
            {
                case OutroStepKind.VendorOpcode:
                    if (first)
                    {
                        regs.Write(TaskFileRegister.Device, device.RegisterValue());
                        inVendorMode = ShowsVendorStatus(profile, regs.Read(TaskFileRegister.StatusCommand));
                        first = false;
                    }
                    if (!inVendorMode)
                        continue;
                    regs.Write(TaskFileRegister.Device, device.RegisterValue());
                    regs.Write(TaskFileRegister.StatusCommand, step.Opcode);
                    host.Settle();
                    regs.Write(TaskFileRegister.Device, device.RegisterValue()); // JungleFlasher re-selects before DEVICE RESET
                    sent.Add(step.Name);
                    break;
                case OutroStepKind.DeviceReset:
                    first = false;
                    sent.Add(step.Name);
                    try
                    {
                        host.DeviceReset(device, timeout, stage);
                        how = StillInVendorMode(host, device, profile, step.Name, stage, ref failed) ? null : step.Name;
                    }
                    catch (RecoveryKitException ex)
                    {
                        failed = ex;
                    }
                    break;
                case OutroStepKind.SoftReset:
                    first = false;
                    sent.Add(step.Name);
                    try
                    {
                        host.SoftReset(waitForMaster: false);
                        host.Select(device);
                        host.WaitNotBusy(stage, timeout, device);
                        how = StillInVendorMode(host, device, profile, step.Name, stage, ref failed) ? null : step.Name;
                    }
                    catch (RecoveryKitException ex)
                    {
                        failed = ex;
                    }
                    break;
            }
        }
        return (how, sent, failed);
    }

    /// <summary>The drive's vendor-mode status (or its locked SPI status, 52h): it is still in vendor mode.</summary>
    internal static bool ShowsVendorStatus(DriveProfile profile, byte status) =>
        status == profile.VendorStatus.Value || (profile.LockedStatus is { } locked && status == locked.Value);

    private static bool StillInVendorMode(AtaHost host, DeviceSelect device, DriveProfile profile, string step, string stage, ref RecoveryKitException? failed)
    {
        var status = host.Registers.ReadAlternateStatus();
        if (!ShowsVendorStatus(profile, status))
            return false;
        failed = new RecoveryKitException(new Failure(FailureKind.NotInVendorMode, stage,
            $"after {step} the drive still shows its vendor-mode status {status:X2}h",
            "Power the drive off and on, then run 'recoverykit reset POS' or the flash again.") { Status = status });
        return true;
    }
}


/// <summary>How the drive came back after leaving vendor mode.</summary>
public sealed record OutroResult(string Method, Signature Signature, InquiryData? Inquiry, string State)
{
    /// <summary>The outro steps sent, in order ("vendor-81h", "device-reset", …); <see cref="Method"/> is the reset that worked.</summary>
    public IReadOnlyList<string> Steps { get; init; } = [];

    public bool CameBack => Inquiry is not null;
}
