using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;
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

    /// <summary>What the drive said about itself before vendor mode (INQUIRY), when it still could.</summary>
    public DriveIdentity? KnownDrive { get; init; }

    /// <summary>--force-model: a model mismatch is logged instead of refused.</summary>
    public bool ForceModel { get; init; }

    /// <summary>--flash-chip: use this chip even when the ID read says otherwise or nothing.</summary>
    public ChipSpec? ChipOverride { get; init; }

    /// <summary>--write-bootcode: the boot block may be rewritten (last, alone) when it differs.</summary>
    public bool WriteBootCode { get; init; }

    /// <summary>Where the backup of the whole flash goes (a new file; never overwrites).</summary>
    public required string BackupPath { get; init; }

    /// <summary>Sees the plan; returns false to stop before anything is erased. Null: confirmed (--yes).</summary>
    public Func<FlashPlan, bool>? Confirm { get; init; }

    /// <summary>Second confirmation, asked only when the plan rewrites the boot block.</summary>
    public Func<FlashPlan, bool>? ConfirmBootCode { get; init; }

    /// <summary>Asked to power-cycle the drive when the intro is not answered; false gives up.</summary>
    public Func<IntroResult, int, bool>? PowerCycle { get; init; }

    public IProgress<StageEvent>? Stages { get; init; }

    public IProgress<FlashProgress>? Progress { get; init; }

    public CancellationToken Cancel { get; init; }
}

/// <summary>What a flash run did.</summary>
public sealed record FlashOutcome(ChipSpec Chip, ChipId Id, IntroResult Intro, FlashPlan Plan, FlashReport Report, string BackupPath, OutroResult Outro, TimeSpan DeviceTime);

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

        // 1. Everything that can be checked without the drive.
        if (!family.FitsSize(image.Length))
            throw new RecoveryKitException(FailureKind.ImageRejected, "image",
                $"{request.ImageName} is {FlashSize.Describe(image.Length)}, but {family.Name} flash is {string.Join(" or ", family.FlashSizes.Value.Select(s => FlashSize.Describe(s)))}",
                "Use the image made for this drive; nothing was written.");
        if (!family.Validity.IsValid(image.Span))
            throw new RecoveryKitException(FailureKind.ImageRejected, "image",
                $"{request.ImageName} fails the {family.Name} validity rule ({family.Validity.Describe()}): the boot code would not start it",
                "The file is damaged or patched: get a clean image, or fix a patched one with 'recoverykit fix-checksum'. Nothing was written.");
        if (request.Profile.Spi.Value)
            throw new RecoveryKitException(FailureKind.ChipUnknown, "profile",
                $"{request.Profile.Name} drives keep their firmware in SPI flash, whose mailbox framing is not known",
                "RecoveryKit recognises these drives but cannot write them yet; nothing was written.");
        var backupPath = BackupStore.Reserve(request.BackupPath, image.Length);
        stages?.Report(new StageEvent("check", $"image {request.ImageName}: {FlashSize.Describe(image.Length)}, fits {family.Name}; backup will go to {backupPath}"));

        // Until the backup is written the reserved file is empty: a run that stops before then leaves no file.
        byte[] current;
        VendorMode vendor;
        IntroResult intro;
        ChipId id;
        ChipSpec chip;
        FlashChip flash;
        try
        {
            // 2-4. The position must hold an ATAPI device (the guard against vendor commands to a hard disk),
            // then vendor mode and the flash chip.
            var connected = VendorSession.Open(host, device, where, request.Profile, request.ChipOverride, request.PowerCycle, stages);
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

            // 5. Backup of every byte, written and read back before anything is erased.
            current = connected.ReadAll();
            BackupStore.Write(backupPath, current);
        }
        catch
        {
            BackupStore.Abandon(backupPath);
            throw;
        }
        stages?.Report(new StageEvent("backup", $"{FlashSize.Describe(current.Length)} saved to {backupPath}"));

        // 6. The image against what the drive holds, then the plan and the technician's yes.
        if (request.Firmware is { } firmware)
            CheckCompatibility(vendor, firmware, request, current, chip, stages);
        var bootBlock = new FlashRange((uint)family.BootBlock.Start, (uint)family.BootBlock.Length);
        var plan = FlashPlan.Create(chip, current, image.Span, bootBlock, request.WriteBootCode);
        stages?.Report(new StageEvent("plan", Describe(plan)));
        if (!plan.NothingToDo && request.Confirm is { } confirm && !confirm(plan))
            throw Declined(vendor, "the plan was not confirmed");
        if (plan.RewritesBootBlock && request.ConfirmBootCode is { } confirmBoot && !confirmBoot(plan))
            throw Declined(vendor, "rewriting the boot code was not confirmed");

        // 7. Write and verify.
        var report = new Flasher(flash).Execute(plan, current, image.Span, request.Progress, request.Cancel);
        if (!plan.NothingToDo)
            CheckWholeFlash(flash, plan, current, image.Span, bootBlock, request, report, backupPath, stages);
        stages?.Report(new StageEvent("verify", plan.NothingToDo ? "the flash already holds this image; nothing written" : $"{plan.SectorsToWrite} {(plan.SectorsToWrite == 1 ? "sector" : "sectors")} written and verified by read-back"));

        // 8. Reset, and proof that the drive came back.
        var outro = vendor.Exit();
        stages?.Report(new StageEvent("outro", outro.CameBack
            ? $"drive reset ({outro.Method}); it answers as {outro.Inquiry!.Vendor} {outro.Inquiry.Product} {outro.Inquiry.Revision}"
            : $"drive reset ({outro.Method}); {outro.State}"));
        return new FlashOutcome(chip, id, intro, plan, report, backupPath, outro, host.Clock.Now - start);
    }

    /// <summary>
    /// Reads the whole chip back after the write. Per-sector verify reads through the same bank select as the
    /// write, so a bank or address byte corrupted on the cable can send a sector's erase and program somewhere
    /// else and still verify; only a full read-back shows the collateral damage. Damage outside a boot block
    /// that must be left alone is written once more; anything still wrong is a typed failure, never success.
    /// </summary>
    private static void CheckWholeFlash(FlashChip flash, FlashPlan plan, byte[] current, ReadOnlySpan<byte> image, FlashRange bootBlock,
        FlashRequest request, FlashReport report, string backupPath, IProgress<StageEvent>? stages)
    {
        var chip = plan.Chip;
        // What every byte must hold now: the image, except boot-block sectors the plan left alone on purpose.
        var expected = image.ToArray();
        foreach (var step in plan.Sectors.Where(s => s.BootBlockLeftAlone))
            current.AsSpan((int)step.Sector.Start, step.Sector.Size).CopyTo(expected.AsSpan((int)step.Sector.Start));
        var now = new byte[chip.SizeBytes];
        for (var pass = 0; ; pass++)
        {
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
                return;
            var bootHit = wrong.Where(s => bootBlock.Overlaps(s.Start, (uint)s.Size) && !request.WriteBootCode).ToList();
            if (pass > 0 || bootHit.Count > 0)
            {
                foreach (var sector in wrong)
                    report.Set(sector.Index, SectorState.Unknown);
                throw new RecoveryKitException(new Failure(FailureKind.VerifyFailed, "verify",
                    $"the whole-flash read-back after writing differs in {wrong.Count} sector(s) ({string.Join(", ", wrong.Take(8).Select(s => $"{s.Index} at {s.Start:X6}h"))})"
                    + (bootHit.Count > 0 ? "; the boot block was changed although it was to be left alone" : string.Empty),
                    bootHit.Count > 0
                        ? $"Do not power the drive off. Reseat the IDE cable and run again with --write-bootcode to restore the boot block (the old flash is saved in {backupPath})."
                        : "Reseat the IDE cable (a noisy cable misdirects writes), then run the same command again: only sectors that still differ are written.")
                { Detail = report.Summary(), SectorMap = report.Summary() });
            }
            stages?.Report(new StageEvent("verify", $"whole-flash read-back found {wrong.Count} sector(s) changed outside the sector being written; writing them again"));
            var again = FlashPlan.Create(chip, now, image, bootBlock, request.WriteBootCode);
            var second = new Flasher(flash).Execute(again, now, image, request.Progress, request.Cancel);
            report.Retries += second.Retries + wrong.Count;
            foreach (var step in again.Sectors.Where(s => s.Action != SectorAction.Keep))
                report.Set(step.Sector.Index, SectorState.New);
        }
    }

    private static void CheckCompatibility(VendorMode vendor, FirmwareImage firmware, FlashRequest request, byte[] current, ChipSpec chip, IProgress<StageEvent>? stages)
    {
        var boot = request.Family.BootBlock;
        var bootHash = ImageIdentity.HashOfRange(current, boot.Start, Math.Min(boot.Length, current.Length - boot.Start));
        var known = request.KnownDrive;
        var drive = new DriveIdentity(known?.Vendor, known?.Product, known?.Revision, bootHash, chip.SizeBytes);
        var result = FirmwareCompatibility.Check(firmware, drive, request.ForceModel);
        foreach (var check in result.Checks)
            stages?.Report(new StageEvent("compatibility", check.ToString()));
        // A different boot block is what --write-bootcode is for; the plan rewrites it last and alone.
        var refusals = result.Refusals.Where(c => !(request.WriteBootCode && c.Name == FirmwareCompatibility.BootBlockCheck)).ToList();
        if (refusals.Count == 0)
            return;
        vendor.Exit();
        var first = refusals[0];
        throw new RecoveryKitException(new Failure(FailureKind.ImageRejected, "compatibility",
            $"{first.Name} mismatch: image {first.ImageValue}, drive {first.DriveValue} ({first.Note})",
            first.Name == FirmwareCompatibility.Model
                ? "Use the image for this drive's model; --force-model overrides (deliberate cross-flash only). Nothing was erased."
                : first.Name == FirmwareCompatibility.BootBlockCheck
                    ? "The image was built for other boot code: use the matching image, or --write-bootcode to replace the boot code too (riskier). Nothing was erased."
                    : "Use an image of the chip's size. Nothing was erased.")
        { Detail = string.Join("; ", result.Checks) });
    }

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
        var boot = plan.RewritesBootBlock ? "boot block REWRITTEN last" : plan.BootBlockDiffers ? "boot block differs and is left untouched (--write-bootcode to rewrite)" : "boot block untouched";
        return $"{plan.SectorsToWrite} of {plan.Chip.Sectors.Count} sectors to write ({plan.SectorsToErase} erased), {plan.BytesToProgram} bytes to program; {boot}";
    }
}
