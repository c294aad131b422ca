using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;
using RecoveryKit.MediaTek;
using RecoveryKit.Profiles;

namespace RecoveryKit.Cli.Commands;

/// <summary>
/// The flash session entry that 'flash' and the 'unbrick' wizard both call (issue 14): the shared-cable gate, the
/// request with its confirmations and progress, <see cref="FlashSession.Run"/>, the rendering, and the neighbour's
/// re-identification afterwards (also when the flash fails, issue 17). It is one method that calls the session itself
/// — no wrapper, lambda or helper between the command and the session — so that the register writes of the flash stay
/// within issue 14's call depth (FlashPathDepthTests counts them).
/// </summary>
internal static class FlashRun
{
    /// <summary>Runs a flash session on an open position and renders it; returns the exit code.</summary>
    internal static int Execute(Terminal terminal, SessionLog log, DriveSession session, FirmwareImage image, FlashSettings settings)
    {
        var output = terminal.Output;
        var stages = new InlineProgress<StageEvent>(e =>
        {
            output.WriteLine($"[{e.Stage}] {e.Message}");
            log.Stage(e.Stage, e.Message);
        });
        NeighbourCheck.Guard(terminal, session, stages);
        int rc;
        try
        {
            var yes = settings.Yes;
            var (drive, family) = FlashCommand.PickProfile(image, settings.Profile);
            var chip = settings.Chip is null ? null : ProfileCatalog.FindChip(settings.Chip) ?? throw new RecoveryKitException(FailureKind.Usage, "flash-chip",
                $"'{settings.Chip}' is not in the chip table", $"Use one of: {string.Join(", ", ProfileCatalog.Chips.Select(c => c.Name))}.");
            var backup = settings.Backup ?? FlashCommand.DefaultBackupPath(image);
            var confirmQuestion = settings.ConfirmByModelName
                ? $"Type the drive's model name ({drive.Name}) to write it:"
                : "Type YES to write it:";
            var confirmAnswer = settings.ConfirmByModelName ? drive.Name : "YES";

            using (var work = terminal.BeginWork())
            {
                var start = session.Host.Clock.Now;
                try
                {
                    var request = new FlashRequest
                    {
                        Image = image.Data,
                        ImageName = Path.GetFileName(image.SourcePath),
                        Firmware = image,
                        ForceModel = settings.ForceModel,
                        IgnoreChecksum = settings.IgnoreChecksum,
                        IgnoreFamilySize = settings.IgnoreFamilySize,
                        Profile = drive,
                        Family = family,
                        ChipOverride = chip,
                        WriteBootCode = settings.WriteBootCode,
                        BackupPath = backup,
                        SecondBackupPath = family.DriveUnique.Value ? FlashCommand.SecondBackupPath(backup, log.Path) : null,
                        KeyJournalFolder = family.KeyBlock is null ? null : Path.Combine(FlashCommand.DataFolder(log.Path), "keys"),
                        TakeImageKey = settings.TakeImageKey,
                        ConfirmImageKey = settings.YesImageKey ? _ => true : check => FlashCommand.Confirm(terminal,
                            $"This REPLACES the drive's own key block (hash {check.DriveHash}) with the image's (hash {check.ImageHash}): the drive takes another drive's identity. Type KEY to replace it (or run with --yes-image-key):", "KEY", StringComparison.Ordinal),
                        Confirm = yes ? null : plan =>
                        {
                            output.WriteLine($"Plan: {FlashSession.Describe(plan)}; {FlashCommand.EstimateWords(session, plan, start)}.");
                            return FlashCommand.Confirm(terminal, confirmQuestion, confirmAnswer);
                        },
                        ConfirmBootCode = settings.YesBootCode ? null : plan => FlashCommand.Confirm(terminal,
                            "This rewrites the BOOT CODE: a power cut now leaves nothing to talk to. Type BOOTCODE to rewrite it (or run with --yes-bootcode):", "BOOTCODE", StringComparison.Ordinal),
                        PowerCycle = (result, attempt) => FlashCommand.PowerCycle(terminal, session, result, attempt, drive.VendorStatus.Value),
                        Stages = stages,
                        Progress = new BankProgress(terminal),
                        Cancel = work.Token,
                        Neighbour = session.Neighbour,
                        AcceptLocked = session.AcceptLocked,
                    };
                    FlashOutcome outcome;
                    try
                    {
                        outcome = FlashSession.Run(session.Host, session.Device, session.Where, request);
                    }
                    finally
                    {
                        terminal.ClearLive(); // the live bar never outlives the write, whatever ends it
                    }
                    output.WriteLine($"Done in {AtaHost.FormatTime(outcome.DeviceTime)} of drive time. Chip {outcome.Chip.Name}, {outcome.Report.Summary()}.");
                    output.WriteLine($"Backup of the old flash: {outcome.BackupPath}{(outcome.SecondBackupPath is { } copy ? $" (copy: {copy})" : "")}");
                    log.Stage("outcome", $"{outcome.Report.Summary()}; came back: {outcome.Outro.CameBack}");
                    output.WriteLine($"Session log: {log.Path}");
                    if (terminal.Json)
                    {
                        var plan = outcome.Plan;
                        JsonOutput.Write(terminal.Output, new FlashJson(session.Where, image.SourcePath, image.Identity.Display, drive.Name, outcome.Chip.Name, outcome.Id.ToString(),
                            new PlanJson(plan.SectorsToWrite, plan.Chip.Sectors.Count, plan.SectorsToErase, plan.BytesToProgram, plan.RewritesBootBlock, plan.BootBlockDiffers,
                                Math.Round(plan.Estimate(FlashCommand.RegisterAccess).TotalSeconds, 2), FlashSession.Describe(plan)),
                            outcome.Report.Summary(), outcome.Report.Retries, outcome.BackupPath, Math.Round(outcome.DeviceTime.TotalSeconds, 2),
                            DriveCommands.Outro(outcome.Outro), log.Path, outcome.SecondBackupPath,
                            outcome.KeyBlock is { } k ? new KeyBlockJson(k.Block.ToString(), k.DriveHash, k.ImageHash, k.Decision.ToString()) : null), c => c.FlashJson);
                    }
                    if (outcome.Outro.CameBack)
                    {
                        output.WriteLine($"The drive is back: {outcome.Outro.Inquiry!.Vendor} {outcome.Outro.Inquiry.Product} {outcome.Outro.Inquiry.Revision}.");
                        rc = 0;
                    }
                    else
                    {
                        terminal.Error.WriteLine($"error: outro: the flash holds the new image (verified), but {outcome.Outro.State}. Power-cycle the drive; if it still does not answer, the image may not suit this drive's boot code (try the vendor's updater once it enumerates).");
                        rc = (int)FailureKind.WriteFailed;
                    }
                }
                finally
                {
                    terminal.ClearLive();
                }
            }
        }
        catch (RecoveryKitException)
        {
            // The neighbour is identified again also when the flash fails; the failure goes on as it was.
            NeighbourCheck.After(terminal, log, session, 0);
            throw;
        }
        return NeighbourCheck.After(terminal, log, session, rc);
    }
}
