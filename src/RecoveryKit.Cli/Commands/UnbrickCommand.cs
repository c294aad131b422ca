using RecoveryKit.Discovery;
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
        var gates = new GateOptions();
        var command = new Command("unbrick", "Guided recovery of a dead drive, step by step (--simulate to practise without hardware).")
        {
            simulate, image, writeBoot, chip, yesBoot, gates.IgnoreChecksum, gates.IgnoreFamilySize,
        };
        command.SetAction(parse =>
        {
            using var log = SessionLog.Open(parse.GetValue(options.Log), "unbrick", options.Files);
            try
            {
                return Run(parse, options, terminal, log, parse.GetValue(simulate), parse.GetValue(image), parse.GetValue(writeBoot), parse.GetValue(chip), parse.GetValue(yesBoot), gates);
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

    private static int Run(ParseResult parse, GlobalOptions options, Terminal terminal, SessionLog log, bool simulate, string? imagePath, bool writeBootCode, string? chip, bool yesBootCode, GateOptions gates)
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
        using (var bench = Backends.Open(device, options.Bench))
        {
            IReadOnlyList<PositionReport> reports;
            List<PositionReport> drives;
            while (true)
            {
                output.WriteLine("Step 1 of 5 — looking at every IDE position:");
                reports = ChannelScanner.Scan(bench);
                foreach (var r in reports)
                {
                    var pos = r.Position is { } p ? ((int)p).ToString(CultureInfo.InvariantCulture) : "-";
                    var what = r.Probe.Class switch
                    {
                        DeviceClass.Atapi => $"optical drive {r.Probe.Model ?? "(model unknown: boot code only)"} {r.Probe.Revision}".TrimEnd()
                            + (Unknown(r.Probe) ? " — no RecoveryKit profile, cannot be picked" : $" — {r.Probe.State}"),
                        DeviceClass.Ata => $"hard disk {r.Probe.Model} — never flashed, cannot be picked",
                        _ => StateWords(r.Probe),
                    };
                    output.WriteLine($"  {pos}  {r.Where,-26} {what}");
                    log.Stage("scan", $"{pos} {r.Where}: {r.Probe.Class} {r.Probe.Model} {r.Probe.Revision} {r.Probe.State}");
                }

                // Step 2: which drive. Only drives RecoveryKit may flash are offered, so nothing offered is then refused.
                drives = reports.Where(r => r.Probe.CanBeFlashed && r.Position is not null && !Unknown(r.Probe)).ToList();
                if (drives.Count > 0)
                    break;
                var none = NoPickableDrive(reports) ?? DriveSession.ExplainNoDrive(bench, reports);
                var advice = none.Advice;
                if (!terminal.Interactive)
                    throw new RecoveryKitException(FailureKind.NoDevice, "unbrick", none.Cause, advice);
                output.WriteLine($"{Capitalised(none.Cause)}. {advice}");
                var again = terminal.Choose("Press R and Enter to scan again (after plugging in the drive's power connector or power-cycling it), or Q to give up:",
                    a => a.Equals("r", StringComparison.OrdinalIgnoreCase) ? a : null, "R or Q", "q");
                if (again is null)
                    throw new RecoveryKitException(FailureKind.NoDevice, "unbrick", none.Cause, advice);
                log.Stage("scan", "rescan requested");
            }

            var choice = drives[0];
            if (drives.Count > 1)
            {
                if (!terminal.Interactive)
                    throw new RecoveryKitException(FailureKind.Usage, "unbrick", $"{drives.Count} optical drives found and no one to choose",
                        "Run 'recoverykit flash POS IMAGE' with the position of the drive to recover.");
                var listed = string.Join(", ", drives.Select(d => (int)d.Position!.Value));
                choice = terminal.Choose($"Step 2 of 5 — which drive? ({listed})",
                    a => drives.FirstOrDefault(d => ((int)d.Position!.Value).ToString(CultureInfo.InvariantCulture) == a), $"one of the positions {listed}", "q")
                    ?? throw new RecoveryKitException(FailureKind.Cancelled, "unbrick", "no drive was picked; nothing was sent to any drive", "Run unbrick again when ready.");
            }
            else
            {
                output.WriteLine($"Step 2 of 5 — the drive to recover: position {(int)choice.Position!.Value}, {choice.Where}.");
            }
            ShowNeighbour(output, reports, choice, parse.GetValue(options.SharedChannel));
            position = ((int)choice.Position!.Value).ToString(CultureInfo.InvariantCulture);
            picked = choice.Probe;
        }

        // Step 3: which image.
        var image = PickImage(terminal, log, imagePath, device, simulate, picked);
        output.WriteLine($"Step 3 of 5 — image: {image.SourcePath} ({image.Identity.Display}).");

        // Steps 4-5: checks, plan, confirmation, backup, write, verify, reset.
        output.WriteLine("Step 4 of 5 — checking, backing up and writing:");
        using var session = DriveSession.Open(device, options.Bench, position, parse.GetValue(options.Transcript), options.Files);
        session.AllowSharedChannel = parse.GetValue(options.SharedChannel);
        session.AcceptLocked = parse.GetValue(options.TryLocked);
        var result = FlashRun.Execute(terminal, log, session, image,
            new FlashSettings(yes, writeBootCode, chip, Backup: null, Profile: null, ForceModel: false, ConfirmByModelName: true, YesBootCode: yesBootCode,
                IgnoreChecksum: parse.GetValue(gates.IgnoreChecksum), IgnoreFamilySize: parse.GetValue(gates.IgnoreFamilySize)));
        output.WriteLine(result == 0
            ? "Step 5 of 5 — the drive answers with its new firmware. If the tray or motors stay dead, flash once more with the vendor's own updater now that the drive enumerates."
            : "Step 5 of 5 — the drive did not come back by itself: power-cycle it and run 'recoverykit scan'.");
        return result;
    }

    /// <summary>
    /// The drive-choice step's word on the other device on the chosen drive's cable, from what the scan read (issue 17):
    /// a one-line note for a hard disk or a drive of no MediaTek brand; for a MediaTek-brand drive or a device that cannot
    /// say what it is, the refusal (exit 16) with the cable advice — or, with --shared-channel, a warning (the typed
    /// confirmation comes before the intro).
    /// </summary>
    private static void ShowNeighbour(TextWriter output, IReadOnlyList<PositionReport> reports, PositionReport choice, bool sharedChannel)
    {
        if (reports.FirstOrDefault(r => r.Channel == choice.Channel && r.Probe.Device != choice.Probe.Device) is not { } other)
            return;
        var neighbour = SharedChannel.FromProbe(other.Probe, SharedChannel.Where(other));
        if (!neighbour.IsPresent)
            return;
        if (!neighbour.IsRisk)
        {
            output.WriteLine($"  Note: {CableAdvice.NeighbourNote(neighbour.Where, neighbour.Name, neighbour.KindWords)}");
            return;
        }
        if (!sharedChannel)
            throw SharedChannel.Refusal(neighbour, SharedChannel.Where(choice));
        output.WriteLine($"  Warning: {neighbour.Where} on the same cable holds {neighbour.Name} ({neighbour.KindWords}); --shared-channel: you will be asked to type {neighbour.ConfirmationWord} before the intro.");
    }

    /// <summary>A drive that says what it is, and is nothing RecoveryKit has a profile for: never sent a vendor command.</summary>
    private static bool Unknown(ProbeResult probe) =>
        probe.Inquiry is { } q && ProfileCatalog.MatchDrive(q.Vendor, q.Product) is null;

    /// <summary>Optical drives answer, but none can be picked (no profile): said as such, not as "no drive".</summary>
    private static NoDriveFinding? NoPickableDrive(IReadOnlyList<PositionReport> reports)
    {
        var seen = reports.Where(r => r.Probe.CanBeFlashed && r.Position is not null).ToList();
        if (seen.Count == 0)
            return null;
        var listed = string.Join("; ", seen.Select(r => $"position {(int)r.Position!.Value}: {r.Probe.Model ?? r.Probe.Inquiry?.Product}"
            + " has no RecoveryKit profile"));
        return new NoDriveFinding(NoDriveReason.NoneSupported, $"no optical drive here can be recovered ({listed})",
            "Connect the drive to recover ('recoverykit drives' lists the drives RecoveryKit can write); the drives above are left untouched.");
    }

    /// <summary>
    /// Practice mode uses the practice image unless --image names one: stray files in the current folder are never
    /// picked up. For a real drive the candidates are the images in the stick's data folder and beside the tool that
    /// fit the drive's family (any family when the drive cannot say what it is), never a backup RecoveryKit made.
    /// </summary>
    private static FirmwareImage PickImage(Terminal terminal, SessionLog log, string? imagePath, string? device, bool simulate, ProbeResult drive)
    {
        if (imagePath is not null)
            return FlashCommand.LoadImage(terminal, log, imagePath);
        if (simulate)
            return PracticeImage(terminal, log, device!);
        var scan = Candidates(ImageSearch.Files(), drive);
        foreach (var note in scan.Skipped)
        {
            terminal.Output.WriteLine($"  Note: {note}");
            log.Stage("image-search", note);
        }
        var candidates = scan.Images;
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
        return terminal.Choose($"Which image? (1-{candidates.Count})",
                a => int.TryParse(a, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= candidates.Count ? candidates[n - 1] : null,
                $"a number from 1 to {candidates.Count}", "q")
            ?? throw new RecoveryKitException(FailureKind.Cancelled, "unbrick", "no image was picked; nothing was written", "Run unbrick again, or name the image with --image FILE.");
    }

    /// <summary>
    /// Image files (the stick's data folder and its subfolders first, see <see cref="ImageSearch"/>) that could be
    /// written to <paramref name="drive"/>; files that cannot be classified quickly (too large, too slow) are skipped
    /// with a note (<see cref="ImageSearch.Classify"/>).
    /// </summary>
    internal static ImageSearch.ScanResult Candidates(IEnumerable<string> files, ProbeResult drive) =>
        ImageSearch.Classify(files, image => image.Family is not null && (drive.Inquiry is null || image.Family.Match(drive.Inquiry.Vendor, drive.Inquiry.Product)),
            file => FirmwareReader.Load(file), ImageSearch.ScanPerFile, ImageSearch.ScanMaxBytes);

    /// <summary>The image that recovers the practice bench, written beside the session log (not the working folder).</summary>
    private static FirmwareImage PracticeImage(Terminal terminal, SessionLog log, string device)
    {
        var name = device[Backends.SimPrefix.Length..];
        var scenario = SimScenarios.Find(name) ?? throw new RecoveryKitException(FailureKind.NoDevice, "unbrick", $"there is no built-in bench '{name}'",
            "Run 'recoverykit sim-image --list' for the names.");
        var practice = scenario.RecoveryImage() ?? throw new RecoveryKitException(FailureKind.Usage, "unbrick",
            $"the bench sim:{scenario.Name} has no MediaTek drive to recover, so there is no practice image", "Give an image with --image FILE, or pick a bench marked * in 'recoverykit sim-image --list'.");
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

    /// <summary>"empty: nothing answers (floating bus)", "stuck busy: status 80h …" — the class once, then what was seen.</summary>
    internal static string StateWords(ProbeResult probe)
    {
        var words = ScanCommand.ClassWords(probe.Class);
        var state = probe.State;
        if (state.StartsWith(words, StringComparison.OrdinalIgnoreCase))
        {
            state = state[words.Length..].Trim();
            if (state.StartsWith('(') && state.IndexOf(')', StringComparison.Ordinal) is var close and > 0)
                state = state[1..close] + state[(close + 1)..];
        }
        return state.Length == 0 ? words : $"{words}: {state}";
    }

    private static string Capitalised(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    /// <summary>What state a failure leaves the drive in, in a technician's words.</summary>
    internal static string DriveStateAfter(Failure failure)
    {
        // Only the flasher attaches a sector map: its presence, not the stage name, says something was written.
        if (failure.SectorMap is { } map)
            return $"Drive state: partly written — {map}. Unless the boot block was being rewritten (--write-bootcode), the drive still answers the intro: power-cycle it and run the same command again; only what differs is rewritten.";
        return failure.Stage switch
        {
            // A locked or other-profile answer (52h, an SPI status for a parallel profile) is definite: a power cycle changes nothing.
            "vendor-intro" when failure.Kind is FailureKind.FlashProtected or FailureKind.ChipUnknown =>
                $"Drive state: unchanged — it answered the intro with {(failure.Status is { } status ? $"{status:X2}h" : "a vendor status")} and was sent nothing more.",
            "vendor-intro" => "Drive state: unchanged — it never entered vendor mode. Power-cycle it while RecoveryKit resends the intro (run it again).",
            "outro" => "Drive state: the flash holds the new image (verified); the drive has not answered yet. Power-cycle it and run 'recoverykit scan'.",
            _ => "Drive state: unchanged — nothing was erased or written.",
        };
    }
}
