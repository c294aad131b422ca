using System.CommandLine;
using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Discovery;
using RecoveryKit.Firmware;
using RecoveryKit.MediaTek;
using RecoveryKit.Packet;
using RecoveryKit.Profiles;

namespace RecoveryKit.Cli.Commands;

/// <summary><c>identify</c>, <c>backup</c>, <c>verify</c>, <c>erase</c>, <c>reset</c>: one drive, one job each.</summary>
internal static class DriveCommands
{
    private static Argument<string?> PositionArgument() => new("position")
    {
        Description = "The drive's position (1-4, primary-master …, port:0x170:slave); may be left out when there is exactly one optical drive.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static Option<string?> ProfileOption() => new("--profile") { Description = "Drive profile (needed when a dead drive cannot say what it is)." };

    private static Option<string?> ChipOption() => new("--flash-chip") { Description = "Use this flash chip when the ID read is wrong or empty." };

    public static IEnumerable<Command> Create(GlobalOptions options, Terminal terminal)
    {
        yield return Identify(options, terminal);
        yield return Backup(options, terminal);
        yield return Verify(options, terminal);
        yield return Erase(options, terminal);
        yield return Reset(options, terminal);
    }

    private static Command Identify(GlobalOptions options, Terminal terminal)
    {
        var position = PositionArgument();
        var chipId = new Option<bool>("--chip") { Description = "Also enter vendor mode and identify the flash chip (then reset the drive)." };
        var profile = ProfileOption();
        var command = new Command("identify", "What the drive at a position says it is (IDENTIFY PACKET DEVICE, INQUIRY); --chip adds the flash chip.") { position, chipId, profile };
        command.SetAction(parse => WithSession(parse, options, terminal, "identify", parse.GetValue(position), (session, log, stages) =>
        {
            var described = Describe(terminal, session, vendorModeNext: parse.GetValue(chipId));
            var inquiry = described.Inquiry;
            ChipIdJson? chipJson = null;
            OutroJson? outroJson = null;
            if (parse.GetValue(chipId))
            {
                var drive = parse.GetValue(profile) is null && inquiry is null && SharedChipIdProfile() is { } shared
                    ? shared
                    : ResolveProfile(parse.GetValue(profile), inquiry);
                if (parse.GetValue(profile) is null && inquiry is null)
                    stages.Report(new StageEvent("profile", $"the drive cannot say what it is; reading the chip ID needs only what every MtkFlash-era profile shares (intro, vendor status, SC-code mailbox): using {drive.Name}'s (--profile names another)"));
                var vendor = VendorSession.Open(session.Host, session.Device, session.Where, drive, null, PowerCycler(terminal, session, drive), stages, session.Neighbour, session.AcceptLocked);
                terminal.Output.WriteLine($"Flash chip: {vendor.Chip.Spec} — ID {vendor.Id}, third byte {vendor.Id.Third:X2}h");
                terminal.Output.WriteLine($"  in MtkFlash's words: {string.Join("  ", MtkFlashCommand.ChipWords(vendor.Id, ProfileCatalog.FindChip(vendor.Id.Manufacturer, vendor.Id.Device)))}");
                chipJson = new ChipIdJson(vendor.Chip.Spec.Name, vendor.Id.ToString(), $"{vendor.Id.Third:X2}h");
                outroJson = ReportOutro(terminal, vendor.Vendor.Exit());
            }
            if (parse.GetValue(options.Json))
                JsonOutput.Write(terminal.Output, new IdentifyJson(session.Where, described.Answer, described.Data?.Model, described.Data?.Revision, described.Data?.Serial,
                    Inquiry(inquiry), inquiry is null ? null : ProfileCatalog.MatchDrive(inquiry.Vendor, inquiry.Product)?.Name, chipJson, outroJson), c => c.IdentifyJson);
            return 0;
        }));
        return command;
    }

    private static Command Backup(GlobalOptions options, Terminal terminal)
    {
        var position = PositionArgument();
        var output = new Option<string>("--output", "-o") { Description = "The file to write (a new file; never overwritten).", Required = true };
        var profile = ProfileOption();
        var chip = ChipOption();
        var command = new Command("backup", "Read the whole flash through vendor mode into a file, then reset the drive.") { position, output, profile, chip };
        command.SetAction(parse =>
        {
            using var reserved = OutputFiles.ReserveBackup(parse.GetValue(output), "-o"); // before any register access
            return WithSession(parse, options, terminal, "backup", parse.GetValue(position), (session, log, stages) =>
        {
            var drive = ResolveProfile(parse.GetValue(profile), Inquiry(session));
            var vendor = VendorSession.Open(session.Host, session.Device, session.Where, drive, FindChip(parse.GetValue(chip)), PowerCycler(terminal, session, drive), stages, session.Neighbour, session.AcceptLocked);
            var path = FlashOperations.Backup(vendor, reserved.Path, stages);
            var outro = ReportOutro(terminal, vendor.Vendor.Exit());
            string? copy = null;
            if (ImageFamilies.Find(drive.Family) is { DriveUnique.Value: true })
            {
                // After the outro (a file problem never leaves the drive in vendor mode). This drive's flash is unique to it (key block): a second copy in the data folder, read back like the first.
                copy = BackupStore.Reserve(FlashCommand.SecondBackupPath(path, log.Path), vendor.Chip.Spec.SizeBytes);
                BackupStore.Write(copy, File.ReadAllBytes(path));
                stages.Report(new StageEvent("backup", $"copy saved to {copy} (this drive's flash is unique to it)"));
            }
            terminal.Output.WriteLine($"Backup written: {path}{(copy is null ? "" : $" (copy: {copy})")}");
            if (parse.GetValue(options.Json))
                JsonOutput.Write(terminal.Output, new BackupJson(session.Where, path, drive.Name, outro), c => c.BackupJson);
            return 0;
        });
        });
        return command;
    }

    private static Command Verify(GlobalOptions options, Terminal terminal)
    {
        var args = new Argument<string[]>("position-and-image") { Description = "[POS] IMAGE", Arity = new ArgumentArity(1, 2) };
        var chip = ChipOption();
        var command = new Command("verify", "Compare the flash with an image, sector by sector, without writing.") { args, chip };
        command.SetAction(parse =>
        {
            var values = parse.GetValue(args) ?? [];
            var (position, imagePath) = values.Length == 2 ? (values[0], values[1]) : ((string?)null, values[0]);
            return WithSession(parse, options, terminal, "verify", position, (session, log, stages) =>
            {
                var image = FlashCommand.LoadImage(terminal, log, imagePath);
                var (drive, _) = FlashCommand.PickProfile(image, null);
                var vendor = VendorSession.Open(session.Host, session.Device, session.Where, drive, FindChip(parse.GetValue(chip)), PowerCycler(terminal, session, drive), stages, session.Neighbour, session.AcceptLocked);
                var differing = FlashOperations.Verify(vendor, image.Data.Span, stages);
                var outro = ReportOutro(terminal, vendor.Vendor.Exit());
                if (parse.GetValue(options.Json))
                    JsonOutput.Write(terminal.Output, new VerifyJson(session.Where, image.SourcePath, differing.Count == 0,
                        [.. differing.Select(d => new SectorJson(d.Index, $"0x{d.Start:X6}"))], outro), c => c.VerifyJson);
                if (differing.Count == 0)
                {
                    terminal.Output.WriteLine("VERIFY OK: the flash holds exactly this image.");
                    return 0;
                }
                terminal.Output.WriteLine($"VERIFY FAILED: {BankProgress.Plural(differing.Count, "sector")} differ{(differing.Count == 1 ? "s" : "")}: {string.Join(", ", differing.Take(20).Select(s => $"{s.Index} ({s.Start:X6}h)"))}{(differing.Count > 20 ? " …" : "")}");
                return (int)FailureKind.VerifyFailed;
            }, needsConfirmation: false);
        });
        return command;
    }

    private static Command Erase(GlobalOptions options, Terminal terminal)
    {
        var position = PositionArgument();
        var profile = ProfileOption();
        var chip = ChipOption();
        var backup = new Option<string?>("--backup") { Description = "Where the mandatory backup goes (a new file; required unless --liteon-erase)." };
        var boot = new Option<bool>("--include-bootcode") { Description = "Erase the boot block too: the drive will then answer nothing until reprogrammed by a chip programmer." };
        var yesBoot = new Option<bool>("--yes-bootcode") { Description = "Confirm --include-bootcode in advance (--yes alone never does)." };
        var liteOn = new Option<bool>("--liteon-erase")
        {
            Description = "Lite-On Xbox 360 drive that no longer enters vendor mode (or answers 52h, locked): send the Lite-On erase trigger (2Eh/80h), which wipes the WHOLE flash and the drive's key block, then watch for 72h. Needs --drive-backup or --no-backup-possible.",
        };
        var driveBackup = new Option<string?>("--drive-backup") { Description = "With --liteon-erase: this drive's own whole-flash backup (checked: size, key block present, its copy in the data folder agrees)." };
        var noBackup = new Option<bool>("--no-backup-possible") { Description = "With --liteon-erase: no backup of this drive exists anywhere; its key block is lost for good (typed confirmation still asked)." };
        var command = new Command("erase", "Erase the flash outside the boot block (guarded: backup first, typed confirmation); --liteon-erase for a Lite-On 360 drive's whole-flash erase.")
        {
            position, profile, chip, backup, boot, yesBoot, liteOn, driveBackup, noBackup,
        };
        command.Validators.Add(result =>
        {
            if (!result.GetValue(liteOn) && result.GetValue(backup) is null)
                result.AddError("erase needs --backup FILE (the whole flash is saved there before anything is erased), or --liteon-erase.");
        });
        command.SetAction(parse =>
        {
            if (parse.GetValue(liteOn))
                return LiteOnErase(parse, options, terminal, position, profile, driveBackup, noBackup);
            if (parse.GetValue(driveBackup) is not null || parse.GetValue(noBackup))
                throw new RecoveryKitException(FailureKind.Usage, "erase", "--drive-backup and --no-backup-possible belong to --liteon-erase", "Add --liteon-erase, or leave them out.");
            if (parse.GetValue(backup) is not { } backupPath)
                throw new RecoveryKitException(FailureKind.Usage, "erase", "erase needs --backup FILE: the whole flash is saved there before anything is erased", "Add --backup FILE (a new file).");
            using var reserved = OutputFiles.ReserveBackup(backupPath, "--backup"); // before any register access
            return WithSession(parse, options, terminal, "erase", parse.GetValue(position), (session, log, stages) =>
        {
            var drive = ResolveProfile(parse.GetValue(profile), Inquiry(session));
            var family = ImageFamilies.Find(drive.Family) ?? throw new RecoveryKitException(FailureKind.Internal, "profile", $"no image family {drive.Family}", "Rebuild RecoveryKit.");
            var includeBoot = parse.GetValue(boot);
            // --yes confirms an erase; erasing the boot code also needs --yes-bootcode or the typed word.
            var confirmed = includeBoot ? parse.GetValue(yesBoot) : parse.GetValue(options.Yes);
            if (!confirmed)
            {
                var word = includeBoot ? "ERASE-BOOTCODE" : "ERASE";
                if (!string.Equals(terminal.Ask($"This erases the flash of {session.Where}{(includeBoot ? " INCLUDING THE BOOT CODE" : "")}. Type {word} to go on:"), word, StringComparison.Ordinal))
                    throw new RecoveryKitException(FailureKind.Cancelled, "confirm", "the erase was not confirmed; nothing was erased",
                        includeBoot ? "Run it again and type the word, or add --yes-bootcode." : "Run it again when ready.");
            }
            var vendor = VendorSession.Open(session.Host, session.Device, session.Where, drive, FindChip(parse.GetValue(chip)), PowerCycler(terminal, session, drive), stages, session.Neighbour, session.AcceptLocked);
            var saved = FlashOperations.Erase(vendor, new FlashRange((uint)family.BootBlock.Start, (uint)family.BootBlock.Length), includeBoot, reserved.Path, stages);
            terminal.Output.WriteLine($"Erased. The backup of what was there: {saved}");
            if (parse.GetValue(options.Json))
                JsonOutput.Write(terminal.Output, new EraseJson(session.Where, saved, includeBoot), c => c.EraseJson);
            return 0;
        }, needsConfirmation: true);
        });
        return command;
    }

    /// <summary>
    /// erase --liteon-erase: the backup (or --no-backup-possible) is checked before the drive is touched; the trigger goes
    /// only to an ATAPI drive this profile covers, after the typed word (--yes answers it only when a backup checked out).
    /// </summary>
    private static int LiteOnErase(ParseResult parse, GlobalOptions options, Terminal terminal, Argument<string?> position, Option<string?> profile,
        Option<string?> driveBackup, Option<bool> noBackup)
    {
        var backupPath = parse.GetValue(driveBackup);
        var none = parse.GetValue(noBackup);
        if (backupPath is not null && none)
            throw new RecoveryKitException(FailureKind.Usage, "liteon-erase", "--drive-backup and --no-backup-possible contradict each other", "Give one of them.");
        return WithSession(parse, options, terminal, "erase", parse.GetValue(position), (session, log, stages) =>
        {
            var drive = ResolveProfile(parse.GetValue(profile), Inquiry(session));
            var family = ImageFamilies.Find(drive.Family) ?? throw new RecoveryKitException(FailureKind.Internal, "profile", $"no image family {drive.Family}", "Rebuild RecoveryKit.");
            var request = new LiteOnEraseRequest
            {
                BackupPath = backupPath is null ? null : Path.GetFullPath(backupPath),
                BackupCopyPath = backupPath is null ? null : FlashCommand.SecondBackupPath(Path.GetFullPath(backupPath), log.Path),
                NoBackupPossible = none,
                Stages = stages,
                Confirm = question =>
                {
                    var word = none ? "NO-BACKUP-ERASE" : "LITEON-ERASE";
                    if (!none && parse.GetValue(options.Yes))
                        return true;
                    return string.Equals(terminal.Ask(question), word, StringComparison.Ordinal);
                },
                PowerCycle = () => FlashCommand.PowerCycle(terminal, session, new IntroResult(0x80, 0x2A, VendorStatusMeaning.NoVendorMode, false, "power-cycle"), 1, 0x72),
            };
            // Everything about the backup is checked before the position is touched.
            LiteOnEraseCheck(drive, family, request);
            var target = FlashTarget.Acquire(session.Host, session.Device, drive, session.Where, allowOtherProfile: true);
            var outcome = MediaTek.LiteOnErase.Run(target, family, request);
            ReportOutro(terminal, outcome.Outro);
            terminal.Output.WriteLine(outcome.Erased
                ? $"The flash is erased (72h). Next: write this drive's own backup back: recoverykit flash {(session.Position is { } p ? ((int)p).ToString(System.Globalization.CultureInfo.InvariantCulture) : "POS")} {(request.BackupPath is { } b ? (b.Contains(' ', StringComparison.Ordinal) ? $"\"{b}\"" : b) : "BACKUP.bin")}" + (drive.Spi.Value ? "" : " --write-bootcode")
                : "The drive did not confirm the erase (no 72h). Power-cycle it and check with 'recoverykit identify POS --chip'.");
            return outcome.Erased ? 0 : (int)FailureKind.NotInVendorMode;
        }, needsConfirmation: true);
    }

    private static void LiteOnEraseCheck(DriveProfile drive, ImageFamily family, LiteOnEraseRequest request) =>
        MediaTek.LiteOnErase.CheckBackup(drive, family, request);

    private static Command Reset(GlobalOptions options, Terminal terminal)
    {
        var position = PositionArgument();
        var profile = ProfileOption();
        var command = new Command("reset", "Leave vendor mode (DEVICE RESET, falling back to SRST) and show what the drive answers afterwards.") { position, profile };
        command.SetAction(parse => WithSession(parse, options, terminal, "reset", parse.GetValue(position), (session, log, stages) =>
        {
            // Every parallel-flash profile shares the vendor status the guard looks for; --profile picks another.
            var drive = parse.GetValue(profile) is { } name ? ResolveProfile(name, null) : ProfileCatalog.Drives[0];
            var target = FlashTarget.Acquire(session.Host, session.Device, drive, session.Where, resetOnly: true);
            var outro = new VendorMode(target).Exit();
            var outroJson = ReportOutro(terminal, outro);
            if (!outro.CameBack)
                throw new RecoveryKitException(ResetFailure(session.Where, outro));
            if (parse.GetValue(options.Json))
                JsonOutput.Write(terminal.Output, new ResetJson(session.Where, outroJson), c => c.ResetJson);
            return 0;
        }, needsConfirmation: false));
        return command;
    }

    /// <summary>
    /// A reset after which the drive does not run its firmware (exit 3): a drive whose boot code answers has damaged
    /// firmware, which a flash mends; one that does not come back at all needs a power-cycle first.
    /// </summary>
    internal static Failure ResetFailure(string where, OutroResult outro) =>
        new(FailureKind.NoDevice, "reset", $"after the reset ({outro.Method}) at {where}, {outro.State}",
            outro.Signature.IsAtapi
                ? "Its boot code answers but its firmware does not start: the firmware is damaged. Write it again with 'recoverykit unbrick' (or 'recoverykit flash POSITION IMAGE')."
                : $"Power-cycle the drive ({CableAdvice.PowerCycle}), then run 'recoverykit scan' to see what it answers.")
        {
            Detail = $"signature {outro.Signature}, steps sent: {string.Join(", ", outro.Steps)}",
        };

    private delegate int SessionJob(DriveSession session, SessionLog log, IProgress<StageEvent> stages);

    private static int WithSession(ParseResult parse, GlobalOptions options, Terminal terminal, string name, string? position, SessionJob job, bool needsConfirmation = false)
    {
        using var log = SessionLog.Open(parse.GetValue(options.Log), name, options.Files);
        try
        {
            if (needsConfirmation && !parse.GetValue(options.Yes) && !terminal.Interactive)
                throw new RecoveryKitException(FailureKind.Cancelled, "confirm", $"'{name}' needs a confirmation and nobody can answer (no terminal)", "Add --yes to confirm from a script.");
            log.Stage("start", $"RecoveryKit {typeof(DriveCommands).Assembly.GetName().Version} {name} {position ?? "(auto)"} device={parse.GetValue(options.Device) ?? "auto"}");
            using var session = DriveSession.Open(parse.GetValue(options.Device), options.Bench, position, parse.GetValue(options.Transcript), options.Files);
            log.Stage("position", session.Where);
            var stages = new InlineProgress<StageEvent>(e =>
            {
                terminal.Output.WriteLine($"[{e.Stage}] {e.Message}");
                log.Stage(e.Stage, e.Message);
            });
            session.AllowSharedChannel = parse.GetValue(options.SharedChannel);
            session.AcceptLocked = parse.GetValue(options.TryLocked);
            NeighbourCheck.Guard(terminal, session, stages);
            var rc = NeighbourCheck.Around(terminal, log, session, () => job(session, log, stages));
            log.Stage("outcome", $"exit {rc}");
            return rc;
        }
        catch (RecoveryKitException ex)
        {
            log.Failed(ex.Failure);
            terminal.Error.WriteLine($"Session log: {log.Path}");
            throw;
        }
    }

    /// <summary>IDENTIFY PACKET DEVICE and INQUIRY on the picked position only (read-only; no reset of the channel).</summary>
    private static InquiryData? Inquiry(DriveSession session)
    {
        if (session.Probe is { } probe)
            return probe.Inquiry;
        IdentifyResult id;
        try
        {
            id = session.Host.Identify(session.Device, AtaCommand.IdentifyPacketDevice);
            if (id.Outcome == IdentifyOutcome.Data)
                return ScsiCommands.Inquiry(new AtaPacketHost(session.Host, session.Device));
        }
        catch (RecoveryKitException)
        {
            return null; // a dead drive: it cannot say what it is
        }
        // Refused or unanswered: a hard disk or an empty position is not "a drive that cannot say what it is".
        if (id.Outcome == IdentifyOutcome.NoResponse)
            throw new RecoveryKitException(new Failure(FailureKind.NoDevice, "target", $"nothing at {session.Where} reacts to commands (status {id.Status:X2}h)",
                "Check the cable and jumper, or pick another position ('scan' lists them).") { Status = id.Status });
        IdentifyResult ata;
        try
        {
            ata = session.Host.Identify(session.Device, AtaCommand.IdentifyDevice);
        }
        catch (RecoveryKitException)
        {
            return null;
        }
        if (ata.Outcome == IdentifyOutcome.Data)
            throw new RecoveryKitException(new Failure(FailureKind.WrongDeviceClass, "target",
                $"{session.Where} holds a hard disk ({ata.Data!.Model}); RecoveryKit never sends vendor commands to hard disks",
                "Pick the optical drive's position instead ('scan' lists every position and what is on it).") { Status = ata.Status });
        return null; // boot code only: it cannot say what it is
    }

    /// <summary>What IDENTIFY and INQUIRY said, for the text and the JSON.</summary>
    private sealed record Described(string Answer, IdentifyData? Data, InquiryData? Inquiry);

    /// <summary>
    /// Prints what the position says it is. With <paramref name="vendorModeNext"/> (identify --chip) a hard disk ends
    /// it there as the wrong device class (exit 4), as backup and flash do: no vendor command ever goes to a disk.
    /// </summary>
    private static Described Describe(Terminal terminal, DriveSession session, bool vendorModeNext)
    {
        var id = session.Host.Identify(session.Device, AtaCommand.IdentifyPacketDevice);
        terminal.Output.WriteLine($"{session.Where}:");
        switch (id.Outcome)
        {
            case IdentifyOutcome.Data:
                terminal.Output.WriteLine($"  IDENTIFY PACKET DEVICE: {id.Data!.Model}, firmware {id.Data.Revision}, serial {id.Data.Serial}");
                break;
            case IdentifyOutcome.Aborted:
                var ata = session.Host.Identify(session.Device, AtaCommand.IdentifyDevice);
                terminal.Output.WriteLine(ata.Outcome == IdentifyOutcome.Data
                    ? $"  a hard disk: {ata.Data!.Model}, firmware {ata.Data.Revision} (never flashed)"
                    : "  IDENTIFY PACKET DEVICE refused: the drive runs only its boot code (or is not an optical drive)");
                if (vendorModeNext && ata.Outcome == IdentifyOutcome.Data)
                    throw new RecoveryKitException(new Failure(FailureKind.WrongDeviceClass, "target",
                        $"{session.Where} holds a hard disk ({ata.Data!.Model}); RecoveryKit never sends vendor commands to hard disks",
                        "Pick the optical drive's position instead ('scan' lists every position and what is on it).") { Status = ata.Status });
                return ata.Outcome == IdentifyOutcome.Data ? new Described("hard-disk", ata.Data, null) : new Described("boot-code-only", null, null);
            default:
                terminal.Output.WriteLine($"  nothing reacts to IDENTIFY (status {id.Status:X2}h)");
                return new Described("nothing", null, null);
        }
        var inquiry = Inquiry(session);
        if (inquiry is not null)
        {
            var profile = ProfileCatalog.MatchDrive(inquiry.Vendor, inquiry.Product);
            terminal.Output.WriteLine($"  INQUIRY: {inquiry.Vendor} {inquiry.Product} {inquiry.Revision}{(profile is null ? " (no RecoveryKit profile)" : $" — profile {profile.Name}")}");
        }
        return new Described("packet-device", id.Data, inquiry);
    }

    private static InquiryJson? Inquiry(InquiryData? q) => q is null ? null : new InquiryJson(q.Vendor, q.Product, q.Revision);

    internal static DriveProfile ResolveProfile(string? name, InquiryData? inquiry)
    {
        if (name is not null)
        {
            return ProfileCatalog.FindDrive(name) ?? throw new RecoveryKitException(FailureKind.Usage, "profile",
                $"there is no drive profile '{name}'", $"Use one of: {string.Join(", ", ProfileCatalog.Drives.Select(d => d.Name))}.");
        }
        if (inquiry is not null && ProfileCatalog.MatchDrive(inquiry.Vendor, inquiry.Product) is { } matched)
            return matched;
        throw new RecoveryKitException(FailureKind.Usage, "profile",
            inquiry is null ? "the drive cannot say what it is (only its boot code answers)" : $"no profile matches {inquiry.Vendor} {inquiry.Product}",
            $"Name it with --profile: {string.Join(", ", ProfileCatalog.Drives.Select(d => d.Name))}.");
    }

    /// <summary>
    /// For reading the chip ID of a drive that cannot say what it is (MtkFlash's check needed no model): the first
    /// profile of the MtkFlash era (parallel flash behind the SC-code mailbox, the only framing MtkFlash spoke), when all
    /// of them agree on what the ID read uses — intro dialects, erase
    /// triggers, vendor status and bank addressing. Null when they differ (then --profile is needed).
    /// </summary>
    private static DriveProfile? SharedChipIdProfile()
    {
        var parallel = ProfileCatalog.Drives.Where(d => !d.Spi.Value && d.Framing.Value == FlashFraming.MtkFlashScCodes).ToList();
        if (parallel.Count == 0)
            return null;
        var first = parallel[0];
        static string Key(DriveProfile d) =>
            $"{string.Join(',', d.Intro.Value.Select(i => i.Name))}|{string.Join(',', d.EraseTriggers.Value)}|{d.VendorStatus.Value}|{d.Banking.Value}";
        return parallel.All(d => Key(d) == Key(first)) ? first : null;
    }

    private static ChipSpec? FindChip(string? name) => name is null ? null : ProfileCatalog.FindChip(name)
        ?? throw new RecoveryKitException(FailureKind.Usage, "flash-chip", $"'{name}' is not in the chip table", $"Use one of: {string.Join(", ", ProfileCatalog.Chips.Select(c => c.Name))}.");

    private static Func<IntroResult, int, bool> PowerCycler(Terminal terminal, DriveSession session, DriveProfile drive) =>
        (result, attempt) => FlashCommand.PowerCycle(terminal, session, result, attempt, drive.VendorStatus.Value);

    private static OutroJson ReportOutro(Terminal terminal, OutroResult outro)
    {
        terminal.Output.WriteLine(outro.CameBack
            ? $"[outro] drive reset ({outro.Method}); it answers as {outro.Inquiry!.Vendor} {outro.Inquiry.Product} {outro.Inquiry.Revision}"
            : $"[outro] drive reset ({outro.Method}); {outro.State}");
        return Outro(outro);
    }

    internal static OutroJson Outro(OutroResult outro) => new(outro.Method, outro.CameBack, outro.State, Inquiry(outro.Inquiry));
}
