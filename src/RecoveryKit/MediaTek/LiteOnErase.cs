using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;
using RecoveryKit.Profiles;

namespace RecoveryKit.MediaTek;

/// <summary>What the Lite-On erase rests on: a verified backup of this drive, or the technician's typed admission that none exists.</summary>
public sealed record LiteOnEraseRequest
{
    /// <summary>The drive's own backup (a whole-flash file with the drive's key block), or null.</summary>
    public string? BackupPath { get; init; }

    /// <summary>The backup's second copy (RecoveryKit writes these drives' backups twice), when one exists.</summary>
    public string? BackupCopyPath { get; init; }

    /// <summary>--no-backup-possible: the erase goes ahead without a backup; the drive's key block is lost for good.</summary>
    public bool NoBackupPossible { get; init; }

    /// <summary>The typed confirmation, asked after every check passed and before the trigger (null: refused).</summary>
    public Func<string, bool>? Confirm { get; init; }

    /// <summary>Asks the technician to power-cycle the drive when it does not come back to 72h by itself; false gives up.</summary>
    public Func<bool>? PowerCycle { get; init; }

    public IProgress<StageEvent>? Stages { get; init; }
}

/// <summary>What the Lite-On erase did.</summary>
public sealed record LiteOnEraseOutcome(string? BackupKeyHash, byte StatusAfter, bool Erased, OutroResult Outro);

/// <summary>
/// JungleFlasher's "Lite-On Erase" (PROTOCOL.md §3 DANGER, [V-dec]): DEV ← dev, LBAL ← 2Eh, CMD ← 80h makes a Lite-On
/// 360 drive erase its whole flash — the drive's unique key block with it — and answer 72h with a blank flash. This is
/// the only place in RecoveryKit that sends an erase trigger; every intro refuses it. It runs only on a profile that
/// lists the trigger, with a verified backup of this drive (its key block present, its copies agreeing) or the typed
/// --no-backup-possible; then it watches for 72h (and for a power cycle, with <see cref="PowerCycleWatch"/>) and leaves
/// vendor mode with the profile's outro.
/// </summary>
public static class LiteOnErase
{
    /// <summary>F2h: 72h with BSY, the status JungleFlasher's erase loop accepts while the drive erases [V-dec].</summary>
    private const byte ErasingStatus = 0xF2;

    /// <summary>The status a Lite-On drive shows once its flash is blank and accessible [F geremia-12956, V-dec].</summary>
    private const byte BlankStatus = 0x72;

    /// <summary>
    /// Checks the backup (or the admission that none exists) without touching the drive: returns the backup's key-block
    /// hash, or null with --no-backup-possible. Throws the refusal.
    /// </summary>
    public static string? CheckBackup(DriveProfile profile, ImageFamily family, LiteOnEraseRequest request)
    {
        if (TriggerOf(profile) is null)
            throw new RecoveryKitException(FailureKind.Usage, "liteon-erase",
                $"the {profile.Name} profile lists no Lite-On erase trigger (2Eh/80h): this drive is not erased that way",
                "Use 'erase' (through vendor mode) for drives that still enter it; nothing was sent.");
        if (request.BackupPath is null)
        {
            if (request.NoBackupPossible)
                return null;
            throw new RecoveryKitException(FailureKind.Usage, "liteon-erase",
                "the Lite-On erase wipes the drive's unique key block, and no backup of this drive was given",
                "Give the drive's own backup with --drive-backup FILE (the file RecoveryKit or JungleFlasher saved from THIS drive). Only if no backup exists anywhere, type --no-backup-possible in full: the drive's identity is then lost for good. Nothing was sent.");
        }
        byte[] data;
        try
        {
            data = File.ReadAllBytes(request.BackupPath);
            if (!data.AsSpan().SequenceEqual(File.ReadAllBytes(request.BackupPath)))
                throw new IOException("two reads of the file differ");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RecoveryKitException(FailureKind.FileError, "liteon-erase", $"the backup {request.BackupPath} cannot be read: {ex.Message}",
                "Give a readable copy of the drive's backup; nothing was sent.", ex);
        }
        if (!family.FitsSize(data.Length))
            throw new RecoveryKitException(FailureKind.ImageRejected, "liteon-erase",
                $"{request.BackupPath} is {FlashSize.Describe(data.Length)}, not a whole {family.Name} flash ({string.Join(" or ", family.FlashSizes.Value.Select(s => FlashSize.Describe(s)))})",
                "Give the whole-flash backup of this drive; nothing was sent.");
        var key = family.KeyBlock;
        if (key is not null && (!key.Fits(data.Length) || key.IsBlank(data)))
            throw new RecoveryKitException(FailureKind.ImageRejected, "liteon-erase",
                $"{request.BackupPath} has no key block at {key} (blank): it is not a backup of a working drive",
                "Give the backup saved from this drive before it failed; nothing was sent.");
        var hash = key?.Hash(data) ?? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data))[..16];
        if (request.BackupCopyPath is { } copyPath && File.Exists(copyPath))
        {
            var copy = File.ReadAllBytes(copyPath);
            var copyHash = key?.Hash(copy) ?? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(copy))[..16];
            if (!copy.AsSpan().SequenceEqual(data))
                throw new RecoveryKitException(FailureKind.ImageRejected, "liteon-erase",
                    $"the backup {request.BackupPath} (key-block hash {hash}) and its copy {copyPath} (key-block hash {copyHash}) differ",
                    "One of the two copies is damaged or belongs to another drive: find out which before erasing; nothing was sent.");
        }
        return hash;
    }

    /// <summary>Sends the trigger, waits for 72h (power cycle if needed) and leaves vendor mode.</summary>
    public static LiteOnEraseOutcome Run(FlashTarget target, ImageFamily family, LiteOnEraseRequest request)
    {
        var stages = request.Stages;
        var profile = target.Profile;
        var backupHash = CheckBackup(profile, family, request);
        stages?.Report(new StageEvent(backupHash is null ? "warning" : "backup",
            backupHash is null
                ? "no backup of this drive: --no-backup-possible was given; the drive's key block will be lost for good"
                : $"the drive's backup {request.BackupPath} checks out (key-block hash {backupHash}{(request.BackupCopyPath is { } c && File.Exists(c) ? $", its copy {c} agrees" : "")})"));
        var trigger = TriggerOf(profile)!.Value;
        var question = backupHash is null
            ? $"This ERASES THE WHOLE FLASH of {target.Where}, its unique key block included, with NO backup. Type NO-BACKUP-ERASE to go on:"
            : $"This erases the whole flash of {target.Where} (key block included; the backup with hash {backupHash} restores it). Type LITEON-ERASE to go on:";
        if (request.Confirm is not { } confirm || !confirm(question))
            throw new RecoveryKitException(FailureKind.Cancelled, "liteon-erase", "the Lite-On erase was not confirmed; nothing was sent", "Run it again when ready.");

        var host = target.Host;
        var regs = host.Registers;
        var device = target.Device;
        stages?.Report(new StageEvent("liteon-erase", $"sending the erase trigger {trigger} to {target.Where}"));
        // PROTOCOL.md §3: DEV ← dev; LBAL ← 2Eh; CMD ← 80h. Nothing else, nowhere else.
        regs.Write(TaskFileRegister.Device, device.RegisterValue());
        regs.Write(TaskFileRegister.LbaLow, trigger.Key);
        regs.Write(TaskFileRegister.StatusCommand, trigger.Opcode);

        var status = WaitForBlank(regs, profile.OutroTimeout.Value * 8);
        if (status != BlankStatus)
        {
            stages?.Report(new StageEvent("power-cycle", $"the drive shows {status:X2}h, not 72h: power-cycle it now (RecoveryKit watches the bus and resends the intro)"));
            for (var attempt = 0; status != BlankStatus; attempt++)
            {
                if (attempt >= 3 || request.PowerCycle is not { } cycle || !cycle())
                    break;
                var intro = new VendorMode(target).SendIntro(profile.Intro.Value[0].Trigger);
                status = intro.Status;
            }
        }
        var erased = status == BlankStatus;
        stages?.Report(new StageEvent(erased ? "liteon-erase" : "warning", erased
            ? "the drive answers 72h: its flash is blank and accessible (flash the drive's own backup next)"
            : $"the drive did not show 72h (last status {status:X2}h); the erase may not have run"));
        var outro = new VendorMode(target).Exit();
        stages?.Report(new StageEvent("outro", $"drive reset ({outro.Method}); {outro.State}"));
        return new LiteOnEraseOutcome(backupHash, status, erased, outro);
    }

    /// <summary>Status reads while the drive erases (F2h, or any BSY status) until it shows 72h or <paramref name="timeout"/> passes.</summary>
    private static byte WaitForBlank(IAtaRegisters regs, TimeSpan timeout)
    {
        var clock = regs.Clock;
        var deadline = clock.Now + timeout;
        byte status;
        while (true)
        {
            status = regs.Read(TaskFileRegister.StatusCommand);
            if (status == BlankStatus)
                return status;
            if (status != ErasingStatus && (status & (byte)AtaStatus.Busy) == 0)
                return status;
            if (clock.Now >= deadline)
                return status;
            clock.Delay(TimeSpan.FromMilliseconds(10));
        }
    }

    private static VendorTrigger? TriggerOf(DriveProfile profile) =>
        profile.EraseTriggers.Value.Any(t => t == new VendorTrigger(0x2E, 0x80)) ? new VendorTrigger(0x2E, 0x80) : null;
}
