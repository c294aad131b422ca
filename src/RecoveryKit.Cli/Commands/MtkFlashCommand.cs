using RecoveryKit.Discovery;
using System.CommandLine;
using System.Globalization;
using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;

namespace RecoveryKit.Cli.Commands;

/// <summary>
/// <c>mtkflash N r|w [/b] [/m] FILE</c> and <c>mtkflash N c</c>: the command lines forum guides give for MtkFlash,
/// explained in RecoveryKit's terms and translated to the modern command, which runs after confirmation.
/// </summary>
internal static class MtkFlashCommand
{
    /// <summary>One old command line, understood.</summary>
    internal sealed record Translation(DevicePosition Position, bool Write, string? File, IReadOnlyList<(string Token, string Meaning)> Explained, string[] ModernArgs)
    {
        /// <summary>MtkFlash's check command (<c>c</c>): name the flash chip, write nothing.</summary>
        public bool Check { get; init; }

        public string Modern => "recoverykit " + string.Join(' ', ModernArgs.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));
    }

    /// <summary>Reads the old syntax; every token must be understood, or nothing runs.</summary>
    internal static Translation Translate(IReadOnlyList<string> tokens)
    {
        DevicePosition? position = null;
        bool? write = null;
        var check = false;
        string? file = null;
        var explained = new List<(string, string)>();
        foreach (var token in tokens)
        {
            var t = token.Trim();
            var lower = t.ToLowerInvariant();
            if (position is null && lower.Length == 1 && lower[0] is >= '1' and <= '4')
            {
                position = (DevicePosition)(lower[0] - '0');
                explained.Add((t, $"position {(int)position} = {position.Value.Words()} ({(position.Value.ChannelIndex() == 0 ? "0x1F0" : "0x170")}), MtkFlash's numbering"));
            }
            else if (position is null && file is null && lower.Length is >= 1 and <= 2 && lower.All(char.IsAsciiDigit))
            {
                throw new RecoveryKitException(FailureKind.Usage, "mtkflash", $"there is no position {t}: MtkFlash numbered the IDE positions 1-4",
                    "1 primary master, 2 primary slave, 3 secondary master, 4 secondary slave ('recoverykit scan' shows what is on each).");
            }
            else if (write is null && lower is "r" or "w")
            {
                write = lower == "w";
                explained.Add((t, write.Value
                    ? "write the flash: 'recoverykit flash' (backup first, only changed sectors, verified, boot block kept)"
                    : "read the flash to a file: 'recoverykit backup'"));
            }
            else if (write is null && file is null && lower == "c")
            {
                write = false;
                check = true;
                explained.Add((t, "check: enter vendor mode and read the flash chip's ID (MtkFlash printed ManuID, dDevId and Flash Type): 'recoverykit identify --chip', which then resets the drive; nothing is written"));
            }
            else if (write is null && file is null && lower.Length == 1 && char.IsAsciiLetter(lower[0]))
            {
                throw new RecoveryKitException(FailureKind.Usage, "mtkflash", $"'{t}' is not an MtkFlash operation",
                    "Use r (read the flash into the file), w (write the file to the flash) or c (check: name the flash chip), e.g. 'mtkflash 3 w /b /m fw.bin'.");
            }
            else if (lower == "/b")
            {
                explained.Add((t, "binary image file. RecoveryKit tells .bin, .hex and .exe apart by content, so nothing to set. It does NOT mean boot code: rewriting the boot block is --write-bootcode"));
            }
            else if (lower == "/m")
            {
                explained.Add((t, "the MediaTek vendor-mode path, as the guides use it. RecoveryKit always uses vendor mode on a drive that needs it"));
            }
            else if (IsSwitch(lower))
            {
                throw new RecoveryKitException(FailureKind.Usage, "mtkflash", $"RecoveryKit does not know what the MtkFlash switch {t} did, so it runs nothing",
                    "Leave the switch out, or use the modern commands ('recoverykit flash --help').");
            }
            else if (file is null && check)
            {
                throw new RecoveryKitException(FailureKind.Usage, "mtkflash", $"unexpected '{t}': the check command c takes no file",
                    "The check is: mtkflash N c, e.g. 'mtkflash 2 c'.");
            }
            else if (file is null)
            {
                file = t;
                explained.Add((t, "the firmware file (DOS paths like A:\\FW\\FS0F.BIN are accepted and translated)"));
            }
            else
            {
                throw new RecoveryKitException(FailureKind.Usage, "mtkflash", $"unexpected '{t}' after the file name {file}", "The old syntax is: mtkflash N r|w [/b] [/m] FILE.");
            }
        }
        if (position is null || write is null || (file is null && !check))
            throw new RecoveryKitException(FailureKind.Usage, "mtkflash",
                $"the command line lacks {(position is null ? "the position number (1-4)" : write is null ? "r, w or c" : "the file name")}",
                "The old syntax is: mtkflash N r|w [/b] [/m] FILE, e.g. 'mtkflash 4 w /b /m fw.bin', or mtkflash N c to name the flash chip.");
        var pos = ((int)position.Value).ToString(CultureInfo.InvariantCulture);
        if (check)
            return new Translation(position.Value, false, null, explained, ["identify", pos, "--chip"]) { Check = true };
        var name = file!;
        string[] modern = write.Value ? ["flash", pos, name] : ["backup", pos, "-o", name];
        return new Translation(position.Value, write.Value, name, explained, modern);
    }

    /// <summary>
    /// The chip ID as MtkFlash's check command printed it, so it can be compared with old forum posts: lower-case hex
    /// without leading zeros ("ManuID : da ... dDevId :46", "Flash Type: WINBOND (W29C040) (+5.0V)" [F myce 53787]).
    /// MtkFlash also printed a "ManuId1" whose read is not known, so it is left out.
    /// </summary>
    internal static IReadOnlyList<string> ChipWords(RecoveryKit.MediaTek.ChipId id, RecoveryKit.Profiles.ChipSpec? known)
    {
        var volts = known?.SupplyVolts is { } v ? $" (+{v}V)" : string.Empty;
        return
        [
            $"ManuID : {id.Manufacturer:x} dDevId :{id.Device:x}",
            known is null ? "Flash Type: not in RecoveryKit's chip table" : $"Flash Type: {known.Manufacturer.ToUpperInvariant()} ({known.Name}){volts}",
        ];
    }

    /// <summary>An MtkFlash switch is a slash and a letter or two (/b, /m); "/mnt/stick/fw.bin" is a file.</summary>
    private static bool IsSwitch(string token) =>
        token.Length is 2 or 3 && token[0] == '/' && token.Skip(1).All(char.IsAsciiLetter);

    public static Command Create(GlobalOptions options, Terminal terminal, Func<string[], int> run)
    {
        var tokens = new Argument<string[]>("mtkflash-arguments") { Description = "N r|w [/b] [/m] FILE, or N c (check: name the flash chip), as MtkFlash took them.", Arity = ArgumentArity.OneOrMore };
        var explain = new Option<bool>("--explain") { Description = "Print the translation and run nothing." };
        var profile = new Option<string?>("--profile") { Description = "Drive profile, passed on (a dead drive cannot say what it is when reading)." };
        var command = new Command("mtkflash", "Accept an old MtkFlash command line (mtkflash 4 w /b /m fw.bin, mtkflash 2 c): explain it, show the modern command, and run it after confirmation.")
        {
            tokens, explain, profile,
        };
        command.SetAction(parse =>
        {
            var typed = parse.GetValue(tokens) ?? [];
            var t = Translate(typed);
            var output = terminal.Output;
            output.WriteLine($"MtkFlash command: mtkflash {string.Join(' ', typed)}");
            foreach (var (token, meaning) in t.Explained)
                output.WriteLine($"  {token} — {meaning}");
            output.WriteLine($"RecoveryKit command: {t.Modern}");
            if (parse.GetValue(explain))
            {
                if (parse.GetValue(options.Json))
                    JsonOutput.Write(terminal.Output, new MtkFlashJson($"mtkflash {string.Join(' ', typed)}", [.. t.Explained.Select(e => new ExplainedJson(e.Token, e.Meaning))], t.Modern, t.ModernArgs),
                        c => c.MtkFlashJson);
                return 0;
            }
            CheckPosition(parse.GetValue(options.Device), options.Bench, t.Position);
            // The translated command runs as typed: 'flash' checks everything, shows the plan and asks for YES
            // (unless --yes was given); 'backup' only reads.
            var forwarded = new List<string>(t.ModernArgs);
            if (parse.GetValue(options.Device) is { } device)
                forwarded.AddRange(["--device", device]);
            if (parse.GetValue(options.Transcript) is { } transcript)
                forwarded.AddRange(["--transcript", transcript]);
            if (parse.GetValue(options.TranscriptRaw))
                forwarded.Add("--transcript-raw");
            if (parse.GetValue(options.Log) is { } log)
                forwarded.AddRange(["--log", log]);
            if (parse.GetValue(options.Verbose))
                forwarded.Add("--verbose");
            if (parse.GetValue(options.Variant) is { } variant)
                forwarded.AddRange(["--variant", variant]);
            if (parse.GetValue(options.SimDump) is { } dump)
                forwarded.AddRange(["--sim-dump", dump]);
            if (parse.GetValue(options.SimLoad) is { } load)
                forwarded.AddRange(["--sim-load", load]);
            if (parse.GetValue(options.ForceKernelOwned))
                forwarded.Add("--force-kernel-owned");
            if (parse.GetValue(options.Yes))
                forwarded.Add("--yes");
            if (parse.GetValue(options.SharedChannel))
                forwarded.Add("--shared-channel");
            if (parse.GetValue(options.TryLocked))
                forwarded.Add("--try-locked");
            if (parse.GetValue(options.Json))
                forwarded.Add("--json");
            if (parse.GetValue(profile) is { } name)
                forwarded.AddRange(["--profile", name]);
            return run([.. forwarded]);
        });
        return command;
    }

    /// <summary>
    /// A position with nothing on it is named plainly with where the optical drives are ("nothing at position 4;
    /// the optical drive is at 3"), before anything is sent to a drive. A hard disk there is left to the command
    /// itself, which refuses it with the reason.
    /// </summary>
    private static void CheckPosition(string? device, ChannelOptions benchOptions, DevicePosition position)
    {
        IReadOnlyList<PositionReport> reports;
        using (var bench = Backends.Open(device, benchOptions))
            reports = ChannelScanner.Scan(bench);
        var at = reports.FirstOrDefault(r => r.Position == position);
        if (at is not null && at.Probe.Class is not DeviceClass.Empty)
            return;
        var drives = reports.Where(r => r.Probe.CanBeFlashed && r.Position is not null).Select(r => ((int)r.Position!.Value).ToString(CultureInfo.InvariantCulture)).ToList();
        var where = drives.Count switch
        {
            0 => "no optical drive answers on any position",
            1 => $"the optical drive is at {drives[0]}",
            _ => $"the optical drives are at {string.Join(" and ", drives)}",
        };
        throw new RecoveryKitException(FailureKind.NoDevice, "mtkflash", $"nothing at position {(int)position} ({position.Words()}); {where}",
            drives.Count == 0 ? CableAdvice.NoDrive : $"Run it again with position {drives[0]}{(drives.Count > 1 ? " (or another listed one)" : string.Empty)}.");
    }
}
