using System.CommandLine;
using RecoveryKit.Diagnostics;
using RecoveryKit.Discovery;

namespace RecoveryKit.Cli;

/// <summary>Builds the command tree and runs it; the one place that turns failures into text and exit codes.</summary>
public static class RecoveryKitCli
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var live = !Console.IsOutputRedirected;
        var terminal = new Terminal(output, error, Console.In, interactive: !Console.IsInputRedirected, liveProgress: live,
            ansi: live && ReferenceEquals(output, Console.Out) ? Terminal.ConsoleAnsi() : null);
        terminal.AttachConsoleCtrlC();
        return Run(args, terminal);
    }

    /// <summary>Runs the command line with scripted input (tests) or the console.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, TextReader? input, bool interactive, bool liveProgress = false) =>
        Run(args, new Terminal(output, error, input, interactive, liveProgress));

    /// <summary>The command tree, for the man page and shell completion.</summary>
    internal static RootCommand BuildRoot(Terminal terminal, GlobalOptions options)
    {
        var root = new RootCommand(Description);
        options.AddTo(root);
        foreach (var command in AllCommands(options, terminal, root))
            root.Add(command);
        return root;
    }

    internal const string Description = "RecoveryKit: bring back MediaTek optical drives after a failed firmware flash.\n\n" +
        "Exit codes: 0 ok, 1 internal error, 2 usage, 3 no device, 4 wrong device class (e.g. a hard disk), " +
        "5 not in vendor mode, 6 flash chip unknown, 7 image rejected, 8 write failed, 9 verify failed, " +
        "10 cancelled, 11 device stopped answering, 12 not allowed on this machine (root, lockdown, AHCI, kernel-owned), 13 file error, " +
        "14 flash addressing unproven (nothing erased), 15 a replay differs from its recording, " +
        "16 another MediaTek drive (or one that cannot say what it is) shares the cable (refused before the intro, or changed by a --shared-channel session), 17 SPI flash locked (52h, or SRWD held by WP#; nothing erased).";

    /// <summary>Runs the command line on a terminal (tests build their own, with scripted input and a Ctrl-C of their own).</summary>
    internal static int Run(string[] args, Terminal terminal, Action<RecoveryKit.Emulation.ReplayBench>? replayOpened = null, Action<RecoveryKit.Emulation.SimBench>? simOpened = null, SessionFiles? enclosing = null)
    {
        var output = terminal.Output;
        var error = terminal.Error;
        var options = new GlobalOptions();
        var root = BuildRoot(terminal, options);

        // Command names in any letter case, as DOS users type them (MTKFLASH 3 W /M /B FS0F.BIN).
        if (args.Length > 0 && root.Subcommands.FirstOrDefault(c => string.Equals(c.Name, args[0], StringComparison.OrdinalIgnoreCase)) is { } named)
            args = [named.Name, .. args[1..]];
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // Every error is one line: "Required command was not provided" only adds noise next to the real problem.
            var problems = parse.Errors.Select(e => e.Message).ToList();
            if (problems.Count > 1)
                problems.RemoveAll(m => m.StartsWith("Required command was not provided", StringComparison.Ordinal));
            error.WriteLine($"error: usage: {string.Join(" ", problems)}");
            error.WriteLine("Run 'recoverykit --help' (or 'recoverykit COMMAND --help') for the commands and options.");
            if (args.Contains("--json", StringComparer.Ordinal))
                JsonOutput.WriteError(terminal.Stdout, new Failure(FailureKind.Usage, "usage", string.Join(" ", problems), "Run 'recoverykit --help' (or 'recoverykit COMMAND --help') for the commands and options."));
            return (int)FailureKind.Usage;
        }
        var files = new SessionFiles(args, parse.GetValue(options.TranscriptRaw));
        options.Files = files;
        terminal.Json = parse.GetValue(options.Json);
        try
        {
            options.Bench = new ChannelOptions
            {
                ForceKernelOwned = parse.GetValue(options.ForceKernelOwned),
                Sim = SimDumps.Configure(parse.GetValue(options.Variant), parse.GetValue(options.SimDump), parse.GetValue(options.SimLoad)),
                ReplayOpened = replayOpened,
                SimOpened = simOpened,
            };
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (RecoveryKitException ex)
        {
            error.WriteLine($"error: {OneLine(ex.Failure.ToString())}");
            if (parse.GetValue(options.Verbose))
                WriteDetail(error, ex.Failure);
            if (terminal.Json)
                JsonOutput.WriteError(terminal.Stdout, ex.Failure, WritesFlash(parse) ? RecoveryKit.Cli.Commands.UnbrickCommand.DriveStateAfter(ex.Failure) : null);
            return (int)ex.Failure.Kind;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A bug: still one line, a documented exit code, and the detail for the report.
            error.WriteLine($"error: internal: {ex.GetType().Name}: {OneLine(ex.Message)}. This is a RecoveryKit bug; nothing more was sent to the drive. Please report it with the session log.");
            if (parse.GetValue(options.Verbose))
                error.WriteLine(ex.ToString());
            if (terminal.Json)
                JsonOutput.WriteError(terminal.Stdout, new Failure(FailureKind.Internal, "internal", $"{ex.GetType().Name}: {ex.Message}",
                    "This is a RecoveryKit bug; nothing more was sent to the drive. Please report it with the session log."));
            return (int)FailureKind.Internal;
        }
        finally
        {
            // Files that could not be written along the way (a full disk under the transcript): said once, at the end
            // of the outermost run (a run inside 'replay' or 'mtkflash' hands its warnings to the enclosing one).
            if (enclosing is null)
            {
                foreach (var warning in files.Warnings)
                    error.WriteLine($"warning: {OneLine(warning)}");
            }
            else
            {
                enclosing.Warnings.AddRange(files.Warnings);
            }
        }
    }

    /// <summary>Control characters (a newline in a file name) would split a message: shown as \xNN.</summary>
    internal static string OneLine(string text) => TranscriptWriter.Escape(text);

    private static void WriteDetail(TextWriter error, Failure failure)
    {
        if (failure.Status is { } status)
            error.WriteLine($"  status {status:X2}h{(failure.Error is { } e ? $", error {e:X2}h" : string.Empty)}");
        if (failure.Detail is { } detail)
            error.WriteLine($"  {detail}");
    }

    private static bool WritesFlash(ParseResult parse) => parse.CommandResult.Command.Name is "flash" or "unbrick" or "mtkflash" or "erase";

    private static IEnumerable<Command> AllCommands(GlobalOptions options, Terminal terminal, RootCommand root)
    {
        yield return RecoveryKit.Cli.Commands.ScanCommand.Create(options, terminal);
        yield return RecoveryKit.Cli.Commands.FlashCommand.Create(options, terminal);
        yield return RecoveryKit.Cli.Commands.SimImageCommand.Create(options, terminal);
        yield return RecoveryKit.Cli.Commands.UnbrickCommand.Create(options, terminal);
        yield return RecoveryKit.Cli.Commands.SelftestCommand.Create(options, terminal.Output);
        foreach (var command in RecoveryKit.Cli.Commands.DriveCommands.Create(options, terminal))
            yield return command;
        yield return RecoveryKit.Cli.Commands.ReplayCommand.Create(terminal,
            (args, error, replayOpened) => Run(args, new Terminal(terminal.Output, error, terminal.Input, interactive: false, terminal.LiveProgress), replayOpened, enclosing: options.Files));
        yield return RecoveryKit.Cli.Commands.MtkFlashCommand.Create(options, terminal,
            args => Run(args, terminal, enclosing: options.Files));
        foreach (var command in RecoveryKit.Cli.Commands.FirmwareCommands.Create(terminal.Output))
            yield return command;
        yield return RecoveryKit.Cli.Commands.DrivesCommand.Create(options, terminal);
        yield return RecoveryKit.Cli.Commands.CompletionCommand.Create(root, terminal);
        yield return RecoveryKit.Cli.Commands.ManPageCommand.Create(root, terminal);
    }
}
