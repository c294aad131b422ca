using RecoveryKit.Discovery;
using System.CommandLine;
using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;
using RecoveryKit.MediaTek;
using RecoveryKit.Profiles;

namespace RecoveryKit.Cli.Commands;

/// <summary><c>flash [POS] IMAGE</c>: vendor mode, chip ID, backup, differential write, verify, reset.</summary>
internal static class FlashCommand
{
    public static Command Create(GlobalOptions options, Terminal terminal)
    {
        var args = new Argument<string[]>("position-and-image")
        {
            Description = "[POS] IMAGE: the drive's position (may be left out when there is exactly one optical drive) and the firmware file (.bin, .hex or vendor .exe).",
            Arity = new ArgumentArity(1, 2),
        };
        var writeBoot = new Option<bool>("--write-bootcode") { Description = "Also rewrite the boot block when it differs (last and alone; asks twice). MtkFlash's /B meant binary format, not this." };
        var chip = new Option<string?>("--flash-chip") { Description = "Use this flash chip from the chip table when the ID read is wrong or empty." };
        var backup = new Option<string?>("--backup") { Description = "Where to save the backup of the whole flash (default: beside the image, NAME-backup-DATE.bin)." };
        var profile = new Option<string?>("--profile") { Description = "Drive profile to use (default: from the image's identity)." };
        var force = new Option<bool>("--force-model") { Description = "Flash even if the image's model differs from the drive's (logged)." };
        var yesBoot = new Option<bool>("--yes-bootcode") { Description = "Answer the second confirmation for rewriting the boot code (--yes alone never does)." };
        var keys = new KeyOptions();
        var gates = new GateOptions();
        var command = new Command("flash", "Write a firmware image to a MediaTek drive through vendor mode: backup first, only changed sectors, verified, boot block untouched unless asked.")
        {
            args, writeBoot, chip, backup, profile, force, yesBoot, keys.TakeImageKey, keys.YesImageKey, gates.IgnoreChecksum, gates.IgnoreFamilySize,
        };
        command.SetAction(parse =>
        {
            var values = parse.GetValue(args) ?? [];
            var (position, imagePath) = values.Length == 2 ? (values[0], values[1]) : ((string?)null, values[0]);
            using var log = SessionLog.Open(parse.GetValue(options.Log), "flash", options.Files);
            try
            {
                return Run(parse, options, terminal, log, position, imagePath, parse.GetValue(writeBoot), parse.GetValue(chip), parse.GetValue(backup), parse.GetValue(profile), parse.GetValue(force), parse.GetValue(yesBoot), gates, keys);
            }
            catch (RecoveryKitException ex)
            {
                log.Failed(ex.Failure);
                terminal.Error.WriteLine(UnbrickCommand.DriveStateAfter(ex.Failure));
                terminal.Error.WriteLine($"Session log: {log.Path}");
                throw;
            }
        });
        return command;
    }

    private static int Run(ParseResult parse, GlobalOptions options, Terminal terminal, SessionLog log, string? position, string imagePath,
        bool writeBootCode, string? chipName, string? backupPath, string? profileName, bool forceModel, bool yesBootCode, GateOptions gates, KeyOptions keys)
    {
        var yes = parse.GetValue(options.Yes);
        log.Stage("start", $"RecoveryKit {typeof(FlashCommand).Assembly.GetName().Version} flash {position ?? "(auto)"} {imagePath} device={parse.GetValue(options.Device) ?? "auto"}");

        // Load and check everything that needs no drive.
        var image = LoadImage(terminal, log, imagePath);
        var settings = new FlashSettings(yes, writeBootCode, chipName, backupPath, profileName, forceModel, ConfirmByModelName: false, YesBootCode: yesBootCode,
            IgnoreChecksum: parse.GetValue(gates.IgnoreChecksum), IgnoreFamilySize: parse.GetValue(gates.IgnoreFamilySize),
            TakeImageKey: parse.GetValue(keys.TakeImageKey), YesImageKey: parse.GetValue(keys.YesImageKey));
        var (drive, _) = PickProfile(image, profileName);
        if (!yes && !terminal.Interactive)
            throw new RecoveryKitException(FailureKind.Cancelled, "confirm", "flashing needs a confirmation and nobody can answer (no terminal)",
                "Add --yes to confirm from a script.");
        // Every file this run writes is created before the first register access (the backup: beside the image by default).
        using var reserved = OutputFiles.ReserveBackup(backupPath ?? DefaultBackupPath(image), "--backup");
        settings = settings with { Backup = reserved.Path };
        using var session = DriveSession.Open(parse.GetValue(options.Device), options.Bench, position, parse.GetValue(options.Transcript), options.Files);
        session.AllowSharedChannel = parse.GetValue(options.SharedChannel);
        session.AcceptLocked = parse.GetValue(options.TryLocked);
        terminal.Output.WriteLine($"Flashing {image.Identity.Display} ({Path.GetFileName(image.SourcePath)}) to {session.Where} as {drive.Name} on {session.Bench.Describe}");
        log.Stage("position", session.Where);
        return FlashRun.Execute(terminal, log, session, image, settings);
    }

    /// <summary>Reads the image and says what the reader decided (DOS path translated, other letter case used).</summary>
    internal static FirmwareImage LoadImage(Terminal terminal, SessionLog log, string imagePath)
    {
        var image = FirmwareReader.Load(imagePath);
        foreach (var note in image.Notes)
            terminal.Output.WriteLine($"note: {note}");
        log.Stage("image", $"{image.SourcePath} ({image.Format}, {image.SourceLocation}): {image.Identity.Display}, sha256 {image.Identity.Sha256}, boot block sha256 {image.Identity.BootBlockSha256}");
        return image;
    }

    /// <summary>Per register access on the bench: what the virtual channel charges, and about what a legacy IDE port costs.</summary>
    internal static readonly TimeSpan RegisterAccess = TimeSpan.FromMicroseconds(1);

    /// <summary>The plan's estimate of the whole run: drive time already spent (intro, chip ID, backup) plus the plan's own.</summary>
    internal static string EstimateWords(DriveSession session, FlashPlan plan, TimeSpan start)
    {
        var spent = session.Host.Clock.Now - start;
        return $"about {AtaHost.FormatTime(spent + plan.Estimate(RegisterAccess))} of drive time in all ({AtaHost.FormatTime(spent)} of it already spent on the backup)";
    }

    /// <summary>
    /// A typed confirmation: a wrong answer is asked again, saying what is expected; N, Q, the end of input or Ctrl-C
    /// decline (the session then resets the drive and exits 10).
    /// </summary>
    internal static bool Confirm(Terminal terminal, string question, string expected, StringComparison comparison = StringComparison.OrdinalIgnoreCase)
    {
        try
        {
            return terminal.Choose(question, a => string.Equals(a, expected, comparison) ? a : null,
                expected, "n", "no", "q") is not null;
        }
        catch (RecoveryKitException ex) when (PromptInterrupted.Is(ex))
        {
            terminal.Error.WriteLine("Ctrl-C at the prompt: stopping now; the drive is reset and nothing is erased.");
            return false;
        }
    }

    /// <summary>
    /// The second copy of a drive-unique backup: in the data folder ($RECOVERYKIT_DATA/backups on the recovery stick,
    /// else a backups folder beside the session logs), under the first copy's name.
    /// </summary>
    internal static string SecondBackupPath(string first, string sessionLog)
    {
        var folder = Path.Combine(DataFolder(sessionLog), "backups");
        var candidate = Path.Combine(folder, Path.GetFileName(first));
        return string.Equals(Path.GetFullPath(candidate), Path.GetFullPath(first), StringComparison.Ordinal)
            ? Path.Combine(folder, Path.GetFileNameWithoutExtension(first) + "-copy" + Path.GetExtension(first))
            : candidate;
    }

    /// <summary>The data folder: $RECOVERYKIT_DATA on the recovery stick, else the folder of the session logs.</summary>
    internal static string DataFolder(string sessionLog)
    {
        var data = Environment.GetEnvironmentVariable("RECOVERYKIT_DATA");
        return string.IsNullOrWhiteSpace(data) ? Path.GetDirectoryName(Path.GetFullPath(sessionLog)) ?? "." : data;
    }

    /// <summary>Where the backup goes when --backup is not given: beside the image, NAME-backup-DATE.bin.</summary>
    internal static string DefaultBackupPath(FirmwareImage image) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(image.SourcePath)) ?? ".",
        $"{Path.GetFileNameWithoutExtension(image.SourcePath)}-backup-{DateTime.Now:yyyyMMdd-HHmmss}.bin");

    internal static (DriveProfile Drive, ImageFamily Family) PickProfile(FirmwareImage image, string? profileName)
    {
        DriveProfile? drive;
        if (profileName is not null)
        {
            drive = ProfileCatalog.FindDrive(profileName) ?? throw new RecoveryKitException(FailureKind.Usage, "profile",
                $"there is no drive profile '{profileName}'", $"Use one of: {string.Join(", ", ProfileCatalog.Drives.Select(d => d.Name))}.");
        }
        else
        {
            var family = image.Family ?? throw new RecoveryKitException(FailureKind.ImageRejected, "profile",
                $"{Path.GetFileName(image.SourcePath)} carries no identity RecoveryKit knows ({image.Identity.Display})",
                $"Name the drive with --profile ({string.Join(", ", ProfileCatalog.Drives.Select(d => d.Name))}) if you are sure the image is for it.");
            drive = ProfileCatalog.Drives.FirstOrDefault(d => string.Equals(d.Family, family.Name, StringComparison.OrdinalIgnoreCase))
                ?? throw new RecoveryKitException(FailureKind.ImageRejected, "profile", $"no drive profile uses the {family.Name} image family",
                    "Name the drive with --profile.");
        }
        var imageFamily = ImageFamilies.Find(drive.Family) ?? throw new RecoveryKitException(FailureKind.Internal, "profile",
            $"drive profile {drive.Name} names image family {drive.Family}, which families.json lacks", "Rebuild RecoveryKit from a clean checkout.");
        return (drive, imageFamily);
    }

    internal static bool PowerCycle(Terminal terminal, DriveSession session, IntroResult result, int attempt, byte expected)
    {
        terminal.Output.WriteLine($"[vendor-intro] Status = {result.Status:X2} should be {expected:X2}: {result.Advice}");
        if (attempt > 3)
            return false;
        if (session.Position is { } position && session.Bench.TryPowerCycle(position))
        {
            terminal.Output.WriteLine($"[vendor-intro] power-cycled the drive (attempt {attempt}); resending the intro");
            return true;
        }
        if (!terminal.Interactive)
            return false;
        // Real hardware: watch the position live while the technician pulls and replugs the power connector, and
        // resend the intro the moment the drive is back (some boot code honours it only just after power-on).
        terminal.Output.WriteLine($"[vendor-intro] Power-cycle the drive now: {CableAdvice.PowerCycle}. Watching its status (up to 2 minutes)…");
        var back = PowerCycleWatch.Watch(session.Host, session.Device, TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(200), (status, phase) =>
            terminal.Output.WriteLine(phase switch
            {
                PowerPhase.Off => $"  status {status:X2}h: power is off — plug it back in",
                PowerPhase.Back => $"  status {status:X2}h: the drive is back — resending the intro",
                _ => $"  status {status:X2}h: still powered — unplug its power connector",
            }));
        if (back)
            return true;
        var answer = terminal.Ask("No power cycle was seen. Press Enter to resend the intro anyway, or Q to give up:");
        return answer is not null && !answer.Equals("q", StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>What the technician asked for, beyond the image and position.</summary>
/// <param name="YesBootCode">--yes-bootcode: the second confirmation, for rewriting boot code, answered in advance; --yes alone never answers it.</param>
internal sealed record FlashSettings(bool Yes, bool WriteBootCode, string? Chip, string? Backup, string? Profile, bool ForceModel, bool ConfirmByModelName, bool YesBootCode = false,
    bool IgnoreChecksum = false, bool IgnoreFamilySize = false, bool TakeImageKey = false, bool YesImageKey = false);

/// <summary>The drive-unique key block (PROTOCOL.md §7): kept by default; replaced only when asked and confirmed.</summary>
internal sealed class KeyOptions
{
    public Option<bool> TakeImageKey { get; } = new("--take-image-key")
    {
        Description = "Write the image's key block instead of keeping the drive's own (Xbox 360 drives); asks to type KEY (--yes never answers it).",
    };

    public Option<bool> YesImageKey { get; } = new("--yes-image-key")
    {
        Description = "Answer the --take-image-key confirmation in advance (for scripts; --yes alone never does).",
    };
}

/// <summary>
/// The overrides of rules graded only [R]/[F] (PROTOCOL.md): each names the one rule it waives, and a run that uses
/// one logs it. Rules graded [V]/[D] have no override.
/// </summary>
internal sealed class GateOptions
{
    public Option<bool> IgnoreChecksum { get; } = new("--ignore-checksum")
    {
        Description = "Write an image that fails its family's checksum rule, when that rule is only a reconstruction [R] (logged).",
    };

    public Option<bool> IgnoreFamilySize { get; } = new("--ignore-family-size")
    {
        Description = "Write an image of a size the family is not known to use, when that size list is only [R]/[F]; the chip's own size still gates (logged).",
    };
}

/// <summary>An <see cref="IProgress{T}"/> that runs its handler on the reporting thread (no synchronisation context).</summary>
internal sealed class InlineProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
