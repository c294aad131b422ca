using System.CommandLine;
using System.Globalization;
using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Firmware;
using RecoveryKit.Profiles;

namespace RecoveryKit.Cli.Commands;

/// <summary>
/// <c>unbrick</c>: the guided wizard. Scan, show every position in words, pick the drive (hard disks are shown
/// but cannot be picked), pick the image, check it, show the plan, confirm by typing the model name, then
/// backup, write, verify, reset and prove the drive is back. With --simulate it practises on a virtual dead drive.
/// </summary>
internal static class UnbrickCommand
{
    public const string PracticeScenario = "dead-ldw411s";

    public static Command Create(GlobalOptions options, Terminal terminal)
    {
        var simulate = new Option<bool>("--simulate") { Description = $"Practise on a built-in virtual dead drive (sim:{PracticeScenario} unless --device names another sim: bench)." };
        var image = new Option<string?>("--image") { Description = "The firmware file (default: look for one that fits the drive in the recovery stick's data folder and beside the tool)." };
        var writeBoot = new Option<bool>("--write-bootcode") { Description = "Also rewrite the boot block when it differs (last and alone; asks twice)." };
        var chip = new Option<string?>("--flash-chip") { Description = "Use this flash chip when the ID read is wrong or empty." };
        var yesBoot = new Option<bool>("--yes-bootcode") { Description = "Answer the second confirmation for rewriting the boot code (--yes alone never does)." };
        var command = new Command("unbrick", "Guided recovery of a dead drive, step by step (--simulate to practise without hardware).")
        {
            simulate, image, writeBoot, chip, yesBoot,
        };
        command.SetAction(parse =>
        {
            using var log = SessionLog.Open(parse.GetValue(options.Log), "unbrick");
            try
            {
                return Run(parse, options, terminal, log, parse.GetValue(simulate), parse.GetValue(image), parse.GetValue(writeBoot), parse.GetValue(chip), parse.GetValue(yesBoot));
            }
            catch (RecoveryKitException ex)
            {
                log.Failed(ex.Failure);
                terminal.Error.WriteLine(DriveStateAfter(ex.Failure));
                terminal.Error.WriteLine($"Session log: {log.Path}");
                throw;
            }
        });
        return command;
    }

    private static int Run(ParseResult parse, GlobalOptions options, Terminal terminal, SessionLog log, bool simulate, string? imagePath, bool writeBootCode, string? chip, bool yesBootCode)
    {
        var output = terminal.Output;
        var yes = parse.GetValue(options.Yes);
        var device = parse.GetValue(options.Device);
        if (simulate)
        {
            if (device is not null && !device.StartsWith(Backends.SimPrefix, StringComparison.OrdinalIgnoreCase))
                throw new RecoveryKitException(FailureKind.Usage, "unbrick", "--simulate works on virtual benches only", $"Leave out --device, or give --device sim:NAME.");
            device ??= Backends.SimPrefix + PracticeScenario;
            output.WriteLine($"Practice mode: a virtual bench ({device}); nothing real is touched.");
        }
        if (!yes && !terminal.Interactive)
            throw new RecoveryKitException(FailureKind.Cancelled, "confirm", "the wizard needs answers and nobody can give them (no terminal)",
                "Add --yes to take the safe default at every step.");
        log.Stage("start", $"RecoveryKit {typeof(UnbrickCommand).Assembly.GetName().Version} unbrick device={device ?? "auto"} simulate={simulate}");

        // Step 1: what is on each position.
        string position;
        ProbeResult picked;
        using (var bench = Backends.Open(device))
        {
            IReadOnlyList<PositionReport> reports;
            List<PositionReport> drives;
            while (true)
            {
                output.WriteLine("Step 1 of 5 — looking at every IDE position:");
                reports = BenchScanner.Scan(bench);
                foreach (var r in reports)
                {
                    var pos = r.Position is { } p ? ((int)p).ToString(CultureInfo.InvariantCulture) : "-";
                    var what = r.Probe.Class switch
                    {
                        DeviceClass.Atapi => $"optical drive {r.Probe.Model ?? "(model unknown: boot code only)"} {r.Probe.Revision}".TrimEnd()
                            + (Unknown(r.Probe) ? " — no RecoveryKit profile, cannot be picked" : string.Empty),
                        DeviceClass.Ata => $"hard disk {r.Probe.Model} — never flashed, cannot be picked",
                        _ => ScanCommand.ClassWords(r.Probe.Class),
                    };
                    output.WriteLine($"  {pos}  {r.Where,-26} {what} ({r.Probe.State})");
                    log.Stage("scan", $"{pos} {r.Where}: {r.Probe.Class} {r.Probe.Model} {r.Probe.Revision} {r.Probe.State}");
                }

                // Step 2: which drive.
                drives = reports.Where(r => r.Probe.CanBeFlashed && r.Position is not null).ToList();
                if (drives.Count > 0)
                    break;
                var none = DriveSession.ExplainNoDrive(bench, reports);
                var advice = none.Advice;
                if (!terminal.Interactive)
                    throw new RecoveryKitException(FailureKind.NoDevice, "unbrick", none.Cause, advice);
                output.WriteLine($"{char.ToUpperInvariant(none.Cause[0])}{none.Cause[1..]}. {advice}");
                var answer = terminal.Ask("Press R and Enter to rescan (after hot-plugging the cable or power-cycling the drive), or Q to give up:");
                if (answer is null || !answer.Equals("r", StringComparison.OrdinalIgnoreCase))
                    throw new RecoveryKitException(FailureKind.NoDevice, "unbrick", none.Cause, advice);
                log.Stage("scan", "rescan requested");
            }

            var choice = drives[0];
            if (drives.Count > 1)
            {
                if (!terminal.Interactive)
                    throw new RecoveryKitException(FailureKind.Usage, "unbrick", $"{drives.Count} optical drives found and no one to choose",
                        "Run 'recoverykit flash POS IMAGE' with the position of the drive to recover.");
                var answer = terminal.Ask($"Step 2 of 5 — which drive? ({string.Join(", ", drives.Select(d => (int)d.Position!.Value))})");
                choice = drives.FirstOrDefault(d => ((int)d.Position!.Value).ToString(CultureInfo.InvariantCulture) == answer)
                    ?? throw new RecoveryKitException(FailureKind.Cancelled, "unbrick", $"'{answer}' is not one of the optical drives listed", "Run unbrick again and type a listed position number.");
            }
            else
            {
                output.WriteLine($"Step 2 of 5 — the drive to recover: position {(int)choice.Position!.Value}, {choice.Where}.");
                if (drives.Count == 1 && reports.Any(r => r.Channel == choice.Channel && r.Probe.Device != choice.Probe.Device && r.Probe.Class != DeviceClass.Empty))
                    output.WriteLine("  Note: another device shares this cable. If the flash fails, move the drive to secondary master alone and disconnect the other device on that cable.");
            }
            position = ((int)choice.Position!.Value).ToString(CultureInfo.InvariantCulture);
            if (Unknown(choice.Probe))
                throw new RecoveryKitException(FailureKind.WrongDeviceClass, "unbrick",
                    $"position {position} holds {choice.Probe.Inquiry!.Vendor} {choice.Probe.Inquiry.Product}, a working drive no RecoveryKit profile covers; nothing was sent to it",
                    "Pick the dead drive (the one that answers only with its boot code, or a listed Lite-On/BTC model).");
            picked = choice.Probe;
        }

        // Step 3: which image.
        var image = PickImage(terminal, log, imagePath, device, picked);
        output.WriteLine($"Step 3 of 5 — image: {image.SourcePath} ({image.Identity.Display}).");

        // Steps 4-5: checks, plan, confirmation, backup, write, verify, reset.
        output.WriteLine("Step 4 of 5 — checking, backing up and writing:");
        using var session = DriveSession.Open(device, position, parse.GetValue(options.Transcript));
        var result = FlashCommand.Execute(terminal, log, session, image,
            new FlashSettings(yes, writeBootCode, chip, Backup: null, Profile: null, ForceModel: false, ConfirmByModelName: true, YesBootCode: yesBootCode));
        output.WriteLine(result == 0
            ? "Step 5 of 5 — the drive answers with its new firmware. If the tray or motors stay dead, flash once more with the vendor's own updater now that the drive enumerates."
            : "Step 5 of 5 — the drive did not come back by itself: power-cycle it and run 'recoverykit scan'.");
        return result;
    }

    /// <summary>A drive that says what it is, and is nothing RecoveryKit has a profile for: never sent a vendor command.</summary>
    private static bool Unknown(ProbeResult probe) =>
        probe.Inquiry is { } q && ProfileCatalog.MatchDrive(q.Vendor, q.Product) is null;

    private static FirmwareImage PickImage(Terminal terminal, SessionLog log, string? imagePath, string? device, ProbeResult drive)
    {
        if (imagePath is not null)
            return FlashCommand.LoadImage(terminal, log, imagePath);
        var candidates = new List<FirmwareImage>();
        foreach (var file in ImageSearch.Files())
        {
            try
            {
                var image = FirmwareReader.Load(file);
                if (image.Family is not null && (drive.Inquiry is null || image.Family.Match(drive.Inquiry.Vendor, drive.Inquiry.Product)))
                    candidates.Add(image);
            }
            catch (RecoveryKitException)
            {
                // Not a firmware image, or not one we can read: not a candidate.
            }
        }
        if (candidates.Count == 0 && device is not null && device.StartsWith(Backends.SimPrefix, StringComparison.OrdinalIgnoreCase)
            && SimScenarios.Find(device[Backends.SimPrefix.Length..]) is { } scenario && scenario.RecoveryImage() is { } practice)
        {
            // Beside the session log (--log, the stick's data folder or ./recoverykit-logs), not the working folder.
            var folder = Path.Combine(Path.GetDirectoryName(log.Path) ?? ".", "recoverykit-practice");
            var path = Path.Combine(folder, $"{scenario.Name}.bin");
            try
            {
                Directory.CreateDirectory(folder);
                File.WriteAllBytes(path, practice);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new RecoveryKitException(FailureKind.FileError, "image", $"cannot write the practice image {path}: {ex.Message}",
                    "Give a writable session log place with --log (the practice image goes beside it), or an image with --image.", ex);
            }
            terminal.Output.WriteLine($"  Practice image for sim:{scenario.Name} written to {path}.");
            return FlashCommand.LoadImage(terminal, log, path);
        }
        if (candidates.Count == 0)
            throw new RecoveryKitException(FailureKind.ImageRejected, "unbrick",
                $"no firmware image that fits this drive was found in {string.Join(", ", ImageSearch.Places().Select(p => p.Subfolders ? p.Folder + " (and its subfolders)" : p.Folder))}",
                "Copy the .bin/.hex for the drive into the stick's recoverykit/ folder, or give it with --image FILE.");
        if (candidates.Count == 1)
            return candidates[0];
        if (!terminal.Interactive)
            throw new RecoveryKitException(FailureKind.Usage, "unbrick",
                $"{candidates.Count} firmware images could fit this drive ({string.Join(", ", candidates.Select(c => $"{Path.GetFileName(c.SourcePath)}: {c.Identity.Display}"))}) and there is no one to choose",
                "Name the one to write with --image FILE; --yes never picks an image for you.");
        for (var i = 0; i < candidates.Count; i++)
            terminal.Output.WriteLine($"  {i + 1}. {candidates[i].SourcePath} — {candidates[i].Identity.Display}");
        var answer = terminal.Ask("Which image?");
        return int.TryParse(answer, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= candidates.Count
            ? candidates[n - 1]
            : throw new RecoveryKitException(FailureKind.Cancelled, "unbrick", $"'{answer}' is not one of the images listed", "Run unbrick again and type a listed number.");
    }

    /// <summary>What state a failure leaves the drive in, in a technician's words.</summary>
    internal static string DriveStateAfter(Failure failure)
    {
        // Only the flasher attaches a sector map: its presence, not the stage name, says something was written.
        if (failure.SectorMap is { } map)
            return $"Drive state: partly written — {map}. Unless the boot block was being rewritten (--write-bootcode), the drive still answers the intro: power-cycle it and run the same command again; only what differs is rewritten.";
        return failure.Stage switch
        {
            "vendor-intro" => "Drive state: unchanged — it never entered vendor mode. Power-cycle it while RecoveryKit resends the intro (run it again).",
            "outro" => "Drive state: the flash holds the new image (verified); the drive has not answered yet. Power-cycle it and run 'recoverykit scan'.",
            _ => "Drive state: unchanged — nothing was erased or written.",
        };
    }
}
