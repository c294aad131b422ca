using System.CommandLine;
using RecoveryKit.Diagnostics;
using RecoveryKit.Discovery;
using RecoveryKit.Emulation;

namespace RecoveryKit.Cli.Commands;

/// <summary>
/// <c>replay TRANSCRIPT</c>: runs the command a transcript recorded against a virtual drive rebuilt from that
/// recording, and reports the first access where this RecoveryKit behaves differently (exit 14), or that it does
/// exactly what the recorded session did. Files the command would write go to a fresh temporary folder.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create(Terminal terminal, Func<string[], TextWriter, Action<ReplayBench>, int> run)
    {
        var file = new Argument<string>("transcript") { Description = "A transcript written with --transcript (or --transcript-raw), e.g. from a real bench." };
        var command = new Command("replay", "Run the command a transcript recorded against the recorded drive and report the first difference (docs/transcript.md).") { file };
        command.SetAction(parse =>
        {
            var path = OutputFiles.CheckName(parse.GetValue(file), "the transcript argument");
            string[] args;
            using (var probe = ReplayBench.Open(path))
            {
                args = probe.Header.Arguments is { Count: > 0 } recorded ? [.. recorded] : throw new RecoveryKitException(FailureKind.FileError, "replay",
                    $"\"{TranscriptWriter.Escape(path)}\" does not say which command it recorded (no '# args:' line)",
                    "Replay a transcript written by this RecoveryKit version; an older one can still be used with --device replay:FILE and the command typed out.");
            }
            if (args[0] is "replay" or "mtkflash" or "sim-image" or "inspect" or "extract" or "diff" or "fix-checksum")
                throw new RecoveryKitException(FailureKind.Usage, "replay", $"the transcript recorded '{args[0]}', which does not talk to a drive", "Replay a transcript of a drive command (flash, backup, erase, identify, verify, reset, scan).");
            var scratch = Directory.CreateTempSubdirectory("recoverykit-replay-").FullName;
            var rewritten = Rewrite(args, path, scratch);
            terminal.Output.WriteLine($"Replaying: recoverykit {TranscriptReader.JoinArguments(rewritten)}");
            var benches = new List<ReplayBench>();
            using var captured = new StringWriter();
            var rc = run([.. rewritten], captured, benches.Add);
            foreach (var b in benches)
                b.Dispose();
            var verdict = benches.Select(b => b.Verdict()).FirstOrDefault(v => v is not null);
            if (verdict is not null)
                throw new RecoveryKitException(verdict);
            terminal.Error.Write(captured.ToString());
            terminal.Output.WriteLine(benches.Count == 0
                ? "The command did not open the recorded drive."
                : $"Replay agrees with the recording: {benches.Sum(b => b.Matched)} register accesses, exit {rc}.");
            return rc;
        });
        return command;
    }

    /// <summary>
    /// The recorded command line with the recorded drive as its device, --yes (nobody types at a replay), and every
    /// file it would write redirected to <paramref name="scratch"/>.
    /// </summary>
    internal static List<string> Rewrite(IReadOnlyList<string> recorded, string transcript, string scratch)
    {
        var result = new List<string>();
        var drop = new HashSet<string>(StringComparer.Ordinal) { "--device", "--transcript", "--log", "--backup", "--output", "-o", "--sim-dump", "--sim-load", "--variant" };
        var dropFlags = new HashSet<string>(StringComparer.Ordinal) { "--transcript-raw", "--simulate", "--yes", "-y" };
        string? output = null;
        var hadBackup = false;
        for (var i = 0; i < recorded.Count; i++)
        {
            var a = recorded[i];
            var name = a.Split('=', 2)[0];
            if (drop.Contains(name))
            {
                if (name is "--output" or "-o")
                    output = name;
                if (name == "--backup")
                    hadBackup = true;
                if (!a.Contains('=', StringComparison.Ordinal))
                    i++;
                continue;
            }
            if (dropFlags.Contains(a))
                continue;
            result.Add(a);
        }
        result.AddRange(["--device", Backends.ReplayPrefix + Path.GetFullPath(transcript), "--yes", "--log", Path.Combine(scratch, "replay.log")]);
        if (output is not null || result[0] == "backup")
            result.AddRange(["-o", Path.Combine(scratch, "backup.bin")]);
        if (hadBackup || result[0] is "flash" or "erase")
            result.AddRange(["--backup", Path.Combine(scratch, "backup.bin")]);
        if ((result.Contains("--write-bootcode") || result.Contains("--include-bootcode")) && !result.Contains("--yes-bootcode"))
            result.Add("--yes-bootcode");
        // An image named relative to where the session ran may lie beside the transcript instead.
        var beside = Path.GetDirectoryName(Path.GetFullPath(transcript)) ?? ".";
        for (var i = 1; i < result.Count; i++)
        {
            if (!result[i].StartsWith('-') && !Path.IsPathRooted(result[i]) && !File.Exists(result[i]) && File.Exists(Path.Combine(beside, result[i])))
                result[i] = Path.Combine(beside, result[i]);
        }
        return result;
    }
}
