using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;
using RecoveryKit.Packet;
using RecoveryKit.Profiles;

namespace RecoveryKit.MediaTek;

/// <summary>One line per stage, for the CLI to render and the log to keep.</summary>
public readonly record struct StageEvent(string Stage, string Message);

/// <summary>What a flash run needs. Everything here is checked before the first register write to the drive.</summary>
public sealed class FlashRequest
{
    /// <summary>The whole-flash image.</summary>
    public required ReadOnlyMemory<byte> Image { get; init; }

    /// <summary>Where the image came from (for messages and the log).</summary>
    public required string ImageName { get; init; }

    /// <summary>The drive profile (intro keys, vendor status, mailbox addressing).</summary>
    public required DriveProfile Profile { get; init; }

    /// <summary>The image family of the drive (boot block, validity rule, flash sizes).</summary>
    public required ImageFamily Family { get; init; }

    /// <summary>The parsed image, for the compatibility check against what the drive holds (null: checks skipped).</summary>
    public FirmwareImage? Firmware { get; init; }

    /// <summary>--force-model: a model mismatch is logged instead of refused.</summary>
    public bool ForceModel { get; init; }

    /// <summary>--flash-chip: use this chip even when the ID read says otherwise or nothing.</summary>
    public ChipSpec? ChipOverride { get; init; }

    /// <summary>--write-bootcode: the boot block may be rewritten (last, alone) when it differs. Never waives the model check.</summary>
    public bool WriteBootCode { get; init; }

    /// <summary>--ignore-checksum: an image that fails its family's validity rule is written anyway, when that rule is only [R]/[F].</summary>
    public bool IgnoreChecksum { get; init; }

    /// <summary>--ignore-family-size: an image of a size the family is not known to ship is written anyway, when that size list is only [R]/[F]. The chip's own size (from its ID) still gates.</summary>
    public bool IgnoreFamilySize { get; init; }

    /// <summary>
    /// --take-image-key: write the image's key block instead of keeping the drive's own (PROTOCOL.md §7). Still needs
    /// <see cref="ConfirmImageKey"/> to answer yes: a drive must never lose its identity by accident.
    /// </summary>
    public bool TakeImageKey { get; init; }

    /// <summary>The typed confirmation for replacing the drive's key block (null: refused, never assumed).</summary>
    public Func<KeyBlockCheck, bool>? ConfirmImageKey { get; init; }

    /// <summary>
    /// A second place for the backup, for drives whose flash is unique to them (families.json driveUnique): written and
    /// read back before any erase, like the first.
    /// </summary>
    public string? SecondBackupPath { get; init; }

    /// <summary>
    /// The folder of the key-block journals (<see cref="KeyJournal"/>; the CLI: keys/ in the data folder). Null: no journal,
    /// and a run stopped while the key block was rewritten cannot be told apart from a blank drive.
    /// </summary>
    public string? KeyJournalFolder { get; init; }

    /// <summary>Where the backup of the whole flash goes (a new file; never overwrites).</summary>
    public required string BackupPath { get; init; }

    /// <summary>Sees the plan; returns false to stop before anything is erased. Null: confirmed (--yes).</summary>
    public Func<FlashPlan, bool>? Confirm { get; init; }

    /// <summary>Second confirmation, asked only when the plan rewrites the boot block.</summary>
    public Func<FlashPlan, bool>? ConfirmBootCode { get; init; }

    /// <summary>Asked to power-cycle the drive when the intro is not answered; false gives up.</summary>
    public Func<IntroResult, int, bool>? PowerCycle { get; init; }

    public IProgress<StageEvent>? Stages { get; init; }

    /// <summary>The shared-cable gate (null: refuse a risky neighbour); the caller re-identifies the neighbour after the run.</summary>
    public Discovery.SharedChannelGuard? Neighbour { get; init; }

    /// <summary>--try-locked: take the profile's locked status (52h) as vendor mode; the flash is checked before any erase.</summary>
    public bool AcceptLocked { get; init; }

    public IProgress<FlashProgress>? Progress { get; init; }

    public CancellationToken Cancel { get; init; }
}

/// <summary>What a flash run did.</summary>
/// <param name="DriveIdentity">What the drive is, as far as it could tell (INQUIRY before vendor mode, or its flash backup).</param>
/// <param name="Gates">Every evidence-graded rule checked, with what was decided (overrides included).</param>
public sealed record FlashOutcome(ChipSpec Chip, ChipId Id, IntroResult Intro, FlashPlan Plan, FlashReport Report, string BackupPath, OutroResult Outro, TimeSpan DeviceTime,
    DriveIdentity? DriveIdentity = null, IReadOnlyList<GateResult>? Gates = null)
{
    /// <summary>The key block comparison and what was decided (null: the family has no fixed key block).</summary>
    public KeyBlockCheck? KeyBlock { get; init; }

    /// <summary>The second copy of the backup (drive-unique flash), or null.</summary>
    public string? SecondBackupPath { get; init; }
}

/// <summary>What happened to the drive's own key block in a flash (PROTOCOL.md §7).</summary>
public enum KeyBlockDecision
{
    /// <summary>The image carries the drive's own key block.</summary>
    Same,
    /// <summary>The image carries another key block; the drive's own is written instead (the default).</summary>
    KeptDrive,
    /// <summary>--take-image-key, confirmed: the image's key block replaces the drive's.</summary>
    TookImage,
    /// <summary>The drive's key area is blank (an erased drive): the image's is written; it must be this drive's own backup.</summary>
    DriveBlank,
}

/// <summary>The drive's and the image's key block, as hashes only (never the bytes), and the decision.</summary>
public sealed record KeyBlockCheck(Firmware.KeyBlock Block, string DriveHash, string ImageHash, bool DriveBlank, KeyBlockDecision Decision)
{
    public string Describe() => Decision switch
    {
        KeyBlockDecision.Same => $"key block {Block}: drive and image agree (hash {DriveHash})",
        KeyBlockDecision.KeptDrive => $"key block {Block}: the image carries another drive's (hash {ImageHash}); the drive's own (hash {DriveHash}) is kept",
        KeyBlockDecision.TookImage => $"key block {Block}: the drive's (hash {DriveHash}) is REPLACED by the image's (hash {ImageHash}), as confirmed",
        _ => $"key block {Block}: the drive's is blank (an erased drive); the image's (hash {ImageHash}) is written — the image must be this drive's own backup, or the drive loses its identity",
    };
}

/// <summary>
/// The session and policy layer: the single place where RecoveryKit's safety rules live. It checks the
/// image against the drive family and the backup folder for room before touching the drive, refuses any
/// position that is not an ATAPI device, backs up every readable byte before the first erase, writes
/// differentially with the boot block last and alone (only on request), verifies, and brings the drive back.
/// </summary>
public static class FlashSession
{
    public static FlashOutcome Run(AtaHost host, DeviceSelect device, string where, FlashRequest request)
    {
        var stages = request.Stages;
        var image = request.Image;
        var family = request.Family;
        var start = host.Clock.Now;

        // 1. Everything that can be checked without the drive. Family rules are graded: [V]/[D] refuse, [R]/[F] need their flag.
        var gates = CheckImage(request);
        foreach (var gate in gates.Where(g => g.Verdict == GateVerdict.Overridden))
            stages?.Report(new StageEvent("warning", gate.Describe()));
        var backupPath = BackupStore.Reserve(request.BackupPath, image.Length);
        string? secondBackup = null;
        if (request.SecondBackupPath is { } second)
        {
            try
            {
                secondBackup = BackupStore.Reserve(second, image.Length);
            }
            catch
            {
                BackupStore.Abandon(backupPath);
                throw;
            }
        }
        stages?.Report(new StageEvent("check", $"image {request.ImageName}: {FlashSize.Describe(image.Length)}, fits {family.Name}; backup will go to {backupPath}"));

        // Until the backup is written the reserved file is empty: a run that stops before then leaves no file.
        byte[] current;
        VendorMode vendor;
        IntroResult intro;
        ChipId id;
        ChipSpec chip;
        IFlashEngine flash;
        FlashTarget target;
        // A family with no flash boot block (Lite-On/BenQ SPI: vendor mode is in the controller's ROM) needs no flag, but its
        // first 200h bytes still go last and alone: a Lite-On drive whose first 200h bytes are not blank answers the intro with
        // 52h, locked (PROTOCOL.md §3 [F]), so a run stopped before the end must leave them as they were to be rerun.
        var headLast = family.BootBlock.None;
        var bootBlock = headLast ? new FlashRange(0, 0x200) : new FlashRange((uint)family.BootBlock.Start, (uint)family.BootBlock.Length);
        var writeBootCode = request.WriteBootCode || headLast;
        FlashPlan plan;
        try
        {
            // 2. The position must hold an ATAPI drive a profile covers (never a hard disk); what it says it is, is
            // read at the position itself, whatever way the position was named, and checked before any vendor command.
            target = FlashTarget.Acquire(host, device, request.Profile, where, allowOtherProfile: true, neighbour: request.Neighbour, acceptLocked: request.AcceptLocked);
            if (request.Firmware is { } early && target.Identity is { } said)
                CheckModelBeforeIntro(early, said, request, stages);

            // 3-4. Vendor mode and the flash chip; the chip's size from its ID [D] is the size gate.
            var connected = VendorSession.Open(target, request.ChipOverride, request.PowerCycle, stages);
            vendor = connected.Vendor;
            intro = connected.Intro;
            id = connected.Id;
            chip = connected.Chip.Spec;
            if (chip.SizeBytes != image.Length)
            {
                vendor.Exit();
                throw new RecoveryKitException(FailureKind.ImageRejected, "image",
                    $"{request.ImageName} is {FlashSize.Describe(image.Length)}, the drive's {chip.Name} holds {FlashSize.Describe(chip.SizeBytes)}",
                    "Use the image made for this drive (or correct --flash-chip); nothing was written.");
            }
            flash = connected.Chip;

            // 5. Backup of every byte before anything is erased: the chip is read once, and the sectors that differ from
            // the image (those the plan changes, and boot-block sectors it keeps) a second time: a bit flipped on the
            // cable must not reach the backup of a sector about to go, nor the old boot block the read-back compares with.
            current = new byte[chip.SizeBytes];
            plan = ReadForBackup(flash, current, image.Span, bootBlock, writeBootCode);
            BackupStore.Write(backupPath, current);
            if (secondBackup is not null)
                BackupStore.Write(secondBackup, current);
        }
        catch
        {
            BackupStore.Abandon(backupPath);
            if (secondBackup is not null)
                BackupStore.Abandon(secondBackup);
            throw;
        }
        stages?.Report(new StageEvent("backup", $"{FlashSize.Describe(current.Length)} saved to {backupPath}{(secondBackup is null ? "" : $" and {secondBackup} (this drive's flash is unique to it), both read back")}"));

        // 5b. The drive's own key block (PROTOCOL.md §7): shown as a hash, compared with the image's, kept by default.
        KeyBlockCheck? keyCheck = null;
        FlashRange? keyRange = null;
        KeyJournal? journal = null;
        KeyJournal? restoredFrom = null;
        if (family.KeyBlock is { } key && key.Fits(current.Length) && key.Fits(image.Length))
        {
            keyRange = new FlashRange((uint)key.Start, (uint)key.Length);
            try
            {
                // A run that stopped while it rewrote the key block left a journal naming the backup with the drive's key.
                var drive = current;
                if (request.KeyJournalFolder is { } journals)
                {
                    (drive, journal) = RecoverKeyFromJournal(journals, key, current, request.Profile.Name, stages);
                    restoredFrom = journal;
                }
                keyCheck = CheckKeyBlock(key, drive, image.Span, request);
                stages?.Report(new StageEvent(keyCheck.Decision is KeyBlockDecision.Same or KeyBlockDecision.KeptDrive ? "key-block" : "warning", keyCheck.Describe()));
                if (keyCheck.Decision == KeyBlockDecision.KeptDrive)
                {
                    var kept = image.ToArray();
                    key.Of(drive).CopyTo(kept.AsSpan(key.Start, key.Length));
                    image = kept;
                    plan = FlashPlan.Create(chip, current, image.Span, bootBlock, writeBootCode);
                }
                // The key pass writes the drive's own key (kept, or the same as the image's): journal it against this run's
                // backup, unless an earlier journal already names the backup that holds it (this flash's key is cut).
                if (journal is null && request.KeyJournalFolder is not null && keyCheck.Decision is KeyBlockDecision.Same or KeyBlockDecision.KeptDrive)
                    journal = new KeyJournal(request.Profile.Name, key.Start, key.Length, key.Hash(current), backupPath, secondBackup, KeyJournal.Sha256(current));
                if (keyCheck.Decision is not (KeyBlockDecision.Same or KeyBlockDecision.KeptDrive))
                    journal = null;
            }
            catch (RecoveryKitException)
            {
                vendor.Exit();
                throw;
            }
        }

        plan.KeyBlock = keyRange;
        plan.HeadLast = headLast;
        plan.SpiMailbox = (request.Profile.SpiBuffer?.Value.ExecuteFollowUp is not null, request.Profile.MailboxPollStep.Value);

        // 6. The addressing rules that could brick the drive if wrong, proven on the drive itself before the first erase.
        AddressingResult addressing;
        try
        {
            addressing = AddressingCheck.Check(current, request.Profile);
        }
        catch (RecoveryKitException)
        {
            vendor.Exit();
            throw;
        }
        stages?.Report(new StageEvent(addressing.Verdict == AddressingVerdict.Proven ? "addressing" : "warning", addressing.Message));

        // 7. The image against what the drive is (INQUIRY, or what its flash says), then the plan and the technician's yes.
        DriveIdentity? identity = null;
        if (request.Firmware is { } firmware)
            identity = CheckCompatibility(vendor, firmware, request, target.Identity, current, chip, stages);
        stages?.Report(new StageEvent("plan", Describe(plan)));
        if (!plan.NothingToDo && request.Confirm is { } confirm && !confirm(plan))
            throw Declined(vendor, "the plan was not confirmed");
        if (plan.RewritesBootBlock && !headLast && request.ConfirmBootCode is { } confirmBoot && !confirmBoot(plan))
            throw Declined(vendor, "rewriting the boot code was not confirmed");
        if (!plan.NothingToDo)
        {
            // SPI parts: the status register's protection is cleared now, or refused with its cause (WP#) before any erase.
            try
            {
                flash.PrepareWrite();
            }
            catch (RecoveryKitException)
            {
                vendor.Exit();
                throw;
            }
        }

        // 8. Everything outside the boot block: written, verified, rechecked and read back first.
        var report = new FlashReport(chip);
        var afterMain = image.ToArray();
        foreach (var step in plan.Sectors.Where(s => s.InBootBlock || (keyRange is { } k && k.Overlaps(s.Sector.Start, (uint)s.Sector.Size))))
            current.AsSpan((int)step.Sector.Start, step.Sector.Size).CopyTo(afterMain.AsSpan((int)step.Sector.Start));
        var outside = plan.OutsideBootBlock();
        var main = keyRange is { } keyOnly ? outside.Without(keyOnly) : outside;

        // 8b. The key block's sectors, when they change: after everything else verified, before the boot block.
        // 9. Only then, and only when the plan rewrites it, the boot block: last and alone, with its own verify and read-back.
        // The passes are one loop that calls the flasher itself (and again for what the read-back finds changed): the
        // flasher is one call below this method, whichever pass writes (issue 14's call depth).
        for (var pass = 0; pass < 3; pass++)
        {
            FlashPlan part;
            byte[] from;
            byte[] expected;
            if (pass == 0)
            {
                if (main.NothingToDo)
                    continue;
                (part, from, expected) = (main, current, afterMain);
            }
            else if (pass == 1)
            {
                if (keyRange is not { } keys || outside.Within(keys) is not { NothingToDo: false } keyPass)
                    continue;
                stages?.Report(new StageEvent("key-block", "everything else outside the boot block is written and verified; now the key block's sector"));
                if (journal is not null && request.KeyJournalFolder is { } journals)
                    WriteJournal(journal.PathIn(journals), journal, stages);
                var afterKey = afterMain.ToArray();
                foreach (var step in keyPass.Sectors.Where(s => s.Action != SectorAction.Keep))
                    image.Span.Slice((int)step.Sector.Start, step.Sector.Size).CopyTo(afterKey.AsSpan((int)step.Sector.Start));
                (part, from, expected) = (keyPass, afterMain, afterKey);
            }
            else
            {
                if (!plan.RewritesBootBlock)
                    continue;
                stages?.Report(new StageEvent("boot-block", headLast
                    ? "everything else is written and verified; now the first sector (its first 200h bytes decide whether the drive answers 72h or 52h), alone"
                    : "everything else is written and verified; now the boot block, alone"));
                (part, from, expected) = (plan.BootBlockOnly(), afterMain, image.ToArray());
            }
            new Flasher(flash).Execute(part, from, image.Span, request.Progress, request.Cancel, report);
            for (var round = 0; CheckWholeFlash(flash, part, expected, report, backupPath, stages, round) is { } again; round++)
            {
                var rewritten = new Flasher(flash).Execute(again.Plan, again.Now, expected, request.Progress, request.Cancel);
                report.Retries += rewritten.Retries + again.Wrong;
                foreach (var step in again.Plan.Sectors.Where(s => s.Action != SectorAction.Keep))
                    report.Set(step.Sector.Index, SectorState.New);
            }
            if (pass == 1)
            {
                afterMain = expected;
                // The key block is written and read back: nothing left to protect. A journal this run restored the key from goes
                // too, even when the technician confirmed the image's key instead (--take-image-key): it has been decided.
                if (request.KeyJournalFolder is { } done)
                {
                    if (journal is not null)
                        KeyJournal.Remove(journal.PathIn(done));
                    if (restoredFrom is not null)
                        KeyJournal.Remove(restoredFrom.PathIn(done));
                }
            }
        }
        stages?.Report(new StageEvent("verify", plan.NothingToDo ? "the flash already holds this image; nothing written" : $"{plan.SectorsToWrite} {(plan.SectorsToWrite == 1 ? "sector" : "sectors")} written and verified by read-back"));

        // 10. Reset, and proof that the drive came back.
        var outro = vendor.Exit();
        stages?.Report(new StageEvent("outro", outro.CameBack
            ? $"drive reset ({outro.Method}); it answers as {outro.Inquiry!.Vendor} {outro.Inquiry.Product} {outro.Inquiry.Revision}"
            : $"drive reset ({outro.Method}); {outro.State}"));
        return new FlashOutcome(chip, id, intro, plan, report, backupPath, outro, host.Clock.Now - start, identity, gates) { KeyBlock = keyCheck, SecondBackupPath = secondBackup };
    }

    /// <summary>
    /// The journal of an earlier run (<see cref="KeyJournal"/>), checked against the drive's flash: the same key (the earlier
    /// run got past it) removes the journal; a key block that reads like a cut erase or program of the journaled key is
    /// replaced, for every decision of this run, by the drive's own key from the backup the journal names (returned with
    /// that journal, which stays until this run has rewritten the key). Another drive's intact key leaves the journal alone.
    /// </summary>
    private static (byte[] Drive, KeyJournal? Journal) RecoverKeyFromJournal(string folder, KeyBlock key, byte[] current, string profile, IProgress<StageEvent>? stages)
    {
        var journals = KeyJournal.ReadAll(folder, profile).Where(j => j.Journal.Start == key.Start && j.Journal.Length == key.Length).ToList();
        if (journals.Count == 0)
            return (current, null);
        var hash = key.Hash(current);
        foreach (var (path, journal) in journals.Where(j => j.Journal.KeyHash == hash))
            KeyJournal.Remove(path); // this drive got past its key pass: nothing left to protect
        if (journals.Any(j => j.Journal.KeyHash == hash))
            return (current, null);
        var matches = new List<(KeyJournal Journal, byte[] Key)>();
        RecoveryKitException? unreadable = null;
        foreach (var (_, journal) in journals)
        {
            try
            {
                var own = key.Of(journal.LoadBackup(key, current.Length)).ToArray();
                if (KeyJournal.LooksInterrupted(key.Of(current), own))
                    matches.Add((journal, own));
            }
            catch (RecoveryKitException ex)
            {
                unreadable ??= ex;
            }
        }
        if (matches.Count > 1)
            throw new RecoveryKitException(FailureKind.Usage, "key-block",
                $"this drive's key block {key} reads {(key.IsBlank(current) ? "blank" : "half written")}, and stopped runs of {matches.Count} {profile} drives left journals it could belong to (key hashes {string.Join(", ", matches.Select(m => m.Journal.KeyHash))}); nothing was erased or written",
                $"Move the journals (and backups) of the other drives out of {folder}, so that only this drive's is left, and run again.");
        if (matches.Count == 0)
        {
            // A blank key with a journal whose backup is gone may be that drive: refuse rather than write the image's key.
            if (unreadable is not null && key.IsBlank(current))
                throw unreadable;
            stages?.Report(new StageEvent("warning", $"{folder} holds {journals.Count} journal(s) of stopped runs of other {profile} drives; this drive's key block (hash {hash}) is not theirs and is what counts; they are left for those drives"));
            return (current, null);
        }
        var (found, key0) = matches[0];
        var drive = current.ToArray();
        key0.CopyTo(drive.AsSpan(key.Start, key.Length));
        stages?.Report(new StageEvent("key-block", $"a run stopped while it rewrote this drive's key block {key}: the flash holds it {(key.IsBlank(current) ? "blank" : "half written")}; the drive's own key block (hash {found.KeyHash}) is taken from its backup {found.Backup}"));
        return (drive, found);
    }

    /// <summary>Writes the journal before the key pass; one that cannot be written stops the run before the key's sector is touched.</summary>
    private static void WriteJournal(string path, KeyJournal journal, IProgress<StageEvent>? stages)
    {
        try
        {
            KeyJournal.Write(path, journal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RecoveryKitException(FailureKind.FileError, "key-block",
                $"the key-block journal {path} cannot be written ({ex.Message}); the key block's sector was not touched",
                "Free space or make the data folder writable and run again: only what differs is rewritten.");
        }
        stages?.Report(new StageEvent("key-block", $"journal {path} names the backup holding the drive's key block (hash {journal.KeyHash}) until it is rewritten"));
    }

    /// <summary>
    /// The drive's key block against the image's (hashes only). Different, with the drive's not blank: the drive's is
    /// kept unless --take-image-key was given and its typed confirmation answered yes; a refused confirmation stops the
    /// run before any erase.
    /// </summary>
    public static KeyBlockCheck CheckKeyBlock(Firmware.KeyBlock key, ReadOnlySpan<byte> drive, ReadOnlySpan<byte> image, FlashRequest request)
    {
        var driveHash = key.Hash(drive);
        var imageHash = key.Hash(image);
        var blank = key.IsBlank(drive);
        if (key.Of(drive).SequenceEqual(key.Of(image)))
            return new KeyBlockCheck(key, driveHash, imageHash, blank, KeyBlockDecision.Same);
        if (blank)
            return new KeyBlockCheck(key, driveHash, imageHash, true, KeyBlockDecision.DriveBlank);
        if (!request.TakeImageKey)
            return new KeyBlockCheck(key, driveHash, imageHash, false, KeyBlockDecision.KeptDrive);
        var check = new KeyBlockCheck(key, driveHash, imageHash, false, KeyBlockDecision.TookImage);
        if (request.ConfirmImageKey is not { } confirm || !confirm(check))
            throw new RecoveryKitException(FailureKind.Cancelled, "key-block",
                $"replacing the drive's key block (hash {driveHash}) with the image's (hash {imageHash}) was not confirmed; nothing was erased or written",
                "Without --take-image-key the drive keeps its own key block. Run again without it, or confirm the replacement when asked.");
        return check;
    }

    /// <summary>The family's size and validity rules, each through the evidence gate; throws on a refusal.</summary>
    public static IReadOnlyList<GateResult> CheckImage(FlashRequest request)
    {
        var family = request.Family;
        var image = request.Image;
        var size = EvidenceGate.Check("family flash size", Evidence.Of(family.FlashSizes), family.FitsSize(image.Length),
            $"{request.ImageName} is {FlashSize.Describe(image.Length)}, but {family.Name} flash is {string.Join(" or ", family.FlashSizes.Value.Select(s => FlashSize.Describe(s)))}",
            "--ignore-family-size", request.IgnoreFamilySize);
        EvidenceGate.Enforce(size, FailureKind.ImageRejected, "image", "Use the image made for this drive; nothing was written.");
        var validity = EvidenceGate.Check("checksum", family.Validity.Evidence, family.Validity.IsValid(image.Span),
            $"{request.ImageName} fails the {family.Name} validity rule ({family.Validity.Describe()}): the boot code would not start it",
            "--ignore-checksum", request.IgnoreChecksum);
        EvidenceGate.Enforce(validity, FailureKind.ImageRejected, "image",
            "The file is damaged or patched: get a clean image, or fix a patched one with 'recoverykit fix-checksum'. Nothing was written.");
        return [size, validity];
    }

    /// <summary>
    /// Reads the whole chip once into <paramref name="current"/> (the backup) and plans from it, then reads a second
    /// time every sector whose first read differs from the image: the
    /// ones the plan will change and the boot-block sectors it leaves alone (whose old content must stay exactly as read).
    /// A sector whose two reads differ is read until two agree, and the plan is made again from what the chip holds.
    /// A sector whose first read equals the image needs no second read: a flipped bit would have made it differ.
    /// </summary>
    public static FlashPlan ReadForBackup(IFlashEngine flash, byte[] current, ReadOnlySpan<byte> image, FlashRange bootBlock, bool writeBootCode)
    {
        var chip = flash.Spec;
        flash.Read(0, current);
        var again = new byte[chip.Sectors.Max(s => s.Size)];
        for (var round = 0; ; round++)
        {
            var plan = FlashPlan.Create(chip, current, image, bootBlock, writeBootCode);
            var changed = false;
            foreach (var step in plan.Sectors.Where(s => s.Action != SectorAction.Keep || s.BootBlockLeftAlone))
            {
                var sector = step.Sector;
                var first = current.AsSpan((int)sector.Start, sector.Size);
                var second = again.AsSpan(0, sector.Size);
                flash.Read(sector.Start, second);
                if (second.SequenceEqual(first))
                    continue;
                flash.ReadConfirmed(sector.Start, first);
                changed = true;
            }
            if (!changed || round >= 2)
                return changed ? FlashPlan.Create(chip, current, image, bootBlock, writeBootCode) : plan;
        }
    }

    /// <summary>
    /// Reads the whole chip back after the write. Per-sector verify reads through the same bank select as the
    /// write, so a bank or address byte corrupted on the cable can send a sector's erase and program somewhere
    /// else and still verify; only a full read-back shows the collateral damage. Damage outside a boot block
    /// that must be left alone is returned as the plan to write once more (the caller runs it: <paramref name="round"/> 0);
    /// anything still wrong after that (<paramref name="round"/> 1), or a boot-block sector changed, is a typed failure,
    /// never success. Null: the flash holds <paramref name="expected"/>.
    /// </summary>
    private static (FlashPlan Plan, byte[] Now, int Wrong)? CheckWholeFlash(IFlashEngine flash, FlashPlan pass, byte[] expected, FlashReport report, string backupPath, IProgress<StageEvent>? stages, int round)
    {
        var chip = pass.Chip;
        var now = new byte[chip.SizeBytes];
        flash.Read(0, now);
        var wrong = new List<FlashSector>();
        foreach (var sector in chip.Sectors)
        {
            var have = now.AsSpan((int)sector.Start, sector.Size);
            var want = expected.AsSpan((int)sector.Start, sector.Size);
            if (have.SequenceEqual(want))
                continue;
            // Only a sector that looks wrong is read again until two reads agree: a bit flipped on the cable
            // is not damage in the flash, and re-reading everything would double the read-back.
            flash.ReadConfirmed(sector.Start, have);
            if (!have.SequenceEqual(want))
                wrong.Add(sector);
        }
        if (wrong.Count == 0)
            return null;
        // A boot-block sector this pass may not write (left alone, or waiting for its own pass) that changed.
        var bootHit = pass.RewritesBootBlock ? [] : wrong.Where(s => pass.BootBlock.Overlaps(s.Start, (uint)s.Size)).ToList();
        if (round > 0 || bootHit.Count > 0)
        {
            foreach (var sector in wrong)
                report.Set(sector.Index, SectorState.Unknown);
            throw new RecoveryKitException(new Failure(FailureKind.VerifyFailed, "verify",
                $"the whole-flash read-back after writing differs in {wrong.Count} sector(s) ({string.Join(", ", wrong.Take(8).Select(s => $"{s.Index} at {s.Start:X6}h"))})"
                + (bootHit.Count > 0 ? "; the boot block was changed although it was not being written" : string.Empty),
                bootHit.Count > 0
                    ? $"Do not power the drive off. Reseat the IDE cable and run again with --write-bootcode to restore the boot block (the old flash is saved in {backupPath})."
                    : "Reseat the IDE cable (a noisy cable misdirects writes), then run the same command again: only sectors that still differ are written.")
            { Detail = report.Summary(), SectorMap = report.Summary(), SectorStates = report.Snapshot() });
        }
        stages?.Report(new StageEvent("verify", $"whole-flash read-back found {wrong.Count} sector(s) changed outside the sector being written; writing them again"));
        return (FlashPlan.Create(chip, now, expected, pass.BootBlock, pass.RewritesBootBlock), now, wrong.Count);
    }

    /// <summary>
    /// Before any vendor command: a drive that said what it is (INQUIRY) is compared with the image's model, so a wrong
    /// image is refused while the drive is still untouched. Only --force-model lets a mismatch through (logged).
    /// </summary>
    private static void CheckModelBeforeIntro(FirmwareImage firmware, InquiryData said, FlashRequest request, IProgress<StageEvent>? stages)
    {
        var result = FirmwareCompatibility.Check(firmware, new DriveIdentity(said.Vendor, said.Product, said.Revision), request.ForceModel);
        var model = result.Checks.First(c => c.Name == FirmwareCompatibility.Model);
        if (model.Outcome == CheckOutcome.Overridden)
            stages?.Report(new StageEvent("warning", $"model mismatch let through by --force-model: {model}"));
        if (model.Outcome == CheckOutcome.Mismatch)
            throw new RecoveryKitException(new Failure(FailureKind.ImageRejected, "compatibility",
                $"model mismatch: image {model.ImageValue}, drive {model.DriveValue} ({model.Note})",
                "Use the image for this drive's model; --force-model overrides (deliberate cross-flash only). Nothing was sent to the drive.")
            { Detail = string.Join("; ", result.Checks) });
    }

    /// <summary>
    /// The image against the drive: its INQUIRY when it still gave one, otherwise what its own flash says (the
    /// family's identity rule over the backup), plus the boot block's hash and the chip's size. Returns the drive's
    /// identity as used. --write-bootcode waives only the boot-block comparison, never the model's.
    /// </summary>
    private static DriveIdentity CheckCompatibility(VendorMode vendor, FirmwareImage firmware, FlashRequest request, InquiryData? said, byte[] current, ChipSpec chip, IProgress<StageEvent>? stages)
    {
        var boot = request.Family.BootBlock;
        var bootHash = ImageIdentity.HashOfRange(current, boot.Start, Math.Min(boot.Length, current.Length - boot.Start));
        DriveIdentity drive;
        string source;
        if (said is not null)
        {
            drive = new DriveIdentity(said.Vendor, said.Product, said.Revision, bootHash, chip.SizeBytes);
            source = "INQUIRY";
        }
        else
        {
            var fromFlash = ImageIdentity.Of(current);
            drive = new DriveIdentity(fromFlash.Vendor, fromFlash.Model, fromFlash.Revision, bootHash, chip.SizeBytes);
            source = fromFlash.Source == IdentitySource.None ? "its flash (no identity strings found)" : "its flash backup";
        }
        stages?.Report(new StageEvent("identity",
            $"drive: {Text(drive.Vendor, drive.Product, drive.Revision)} (from {source}), boot block {Short(bootHash)}, chip {chip.Name} | image: {firmware.Identity.Display}, boot block {Short(firmware.Identity.BootBlockSha256)}"));
        var result = FirmwareCompatibility.Check(firmware, drive, request.ForceModel);
        foreach (var check in result.Checks)
            stages?.Report(new StageEvent("compatibility", check.ToString()));
        // A different boot block is what --write-bootcode is for; the plan rewrites it last and alone. The model is not.
        var refusals = result.Refusals.Where(c => !(request.WriteBootCode && c.Name == FirmwareCompatibility.BootBlockCheck)).ToList();
        if (refusals.Count == 0)
            return drive;
        vendor.Exit();
        var first = refusals[0];
        var fromBackup = said is null && first.Name == FirmwareCompatibility.Model;
        throw new RecoveryKitException(new Failure(FailureKind.ImageRejected, "compatibility",
            $"{first.Name} mismatch: image {first.ImageValue}, drive {first.DriveValue} ({first.Note}{(fromBackup ? "; the drive's model is read from its own flash" : "")})",
            first.Name == FirmwareCompatibility.Model
                ? (fromBackup
                    ? "Use the image for the model the drive's flash names; if an earlier cross-flash put those strings there and you are sure of this image, --force-model overrides (logged). Nothing was erased."
                    : "Use the image for this drive's model; --force-model overrides (deliberate cross-flash only). Nothing was erased.")
                : first.Name == FirmwareCompatibility.BootBlockCheck
                    ? "The image was built for other boot code: use the matching image, or --write-bootcode to replace the boot code too (riskier). Nothing was erased."
                    : "Use an image of the chip's size. Nothing was erased.")
        { Detail = string.Join("; ", result.Checks) });
    }

    private static string Text(string? vendor, string? product, string? revision) =>
        product is null ? "(unknown model)" : $"{vendor?.Trim()} {product.Trim()} {revision?.Trim()}".Trim();

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash;

    private static RecoveryKitException Declined(VendorMode vendor, string what)
    {
        vendor.Exit();
        return new RecoveryKitException(FailureKind.Cancelled, "confirm", $"{what}; nothing was erased or written", "Run the command again when ready.");
    }

    /// <summary>The plan in one line.</summary>
    public static string Describe(FlashPlan plan)
    {
        if (plan.NothingToDo)
            return "the flash already holds this image (boot block " + (plan.BootBlockDiffers ? "differs and is left untouched" : "identical") + ")";
        var boot = plan.HeadLast ? (plan.RewritesBootBlock ? "no boot block in the flash; the first sector written last" : "no boot block in the flash")
            : plan.RewritesBootBlock ? "boot block REWRITTEN last" : plan.BootBlockDiffers ? "boot block differs and is left untouched (--write-bootcode to rewrite)" : "boot block untouched";
        return $"{plan.SectorsToWrite} of {plan.Chip.Sectors.Count} sectors to write ({plan.SectorsToErase} erased), {plan.BytesToProgram} bytes to program; {boot}";
    }
}
