using RecoveryKit.Cli;

namespace RecoveryKit.Tests.Cli;

/// <summary>What one run of the command line returned and printed.</summary>
internal sealed record CliResult(int Exit, string Out, string Err)
{
    public string All => Out + Err;

    public string[] ErrorLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToArray();

    public override string ToString() => $"exit {Exit}\n--- out ---\n{Out}\n--- err ---\n{Err}";
}

/// <summary>
/// A temporary folder for one test, and the command line run in-process with scripted input. Every run gets
/// --log inside the folder so no session log (or practice image beside it) lands in the test output folder.
/// </summary>
internal sealed class CliHarness : IDisposable
{
    private int _runs;

    public CliHarness()
    {
        Dir = Path.Combine(Path.GetTempPath(), "rk-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
    }

    public string Dir { get; }

    public string PathOf(string name) => Path.Combine(Dir, name);

    /// <summary>The session log of the last run.</summary>
    public string LastLog => PathOf($"run{_runs}.log");

    /// <summary>Runs with no terminal (interactive = false), as from a script.</summary>
    public CliResult Run(params string[] args) => RunWith(null, false, args);

    /// <summary>Runs as if a person typed <paramref name="typed"/> (one answer per line) at a terminal.</summary>
    public CliResult Interactive(string typed, params string[] args) => RunWith(new StringReader(typed), true, args);

    /// <summary>Runs exactly the arguments given (no --log added).</summary>
    public static CliResult Raw(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = RecoveryKitCli.Run(args, output, error, null, interactive: false);
        return new CliResult(exit, output.ToString(), error.ToString());
    }

    private CliResult RunWith(TextReader? input, bool interactive, string[] args)
    {
        _runs++;
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = RecoveryKitCli.Run([.. args, "--log", LastLog], output, error, input, interactive);
        return new CliResult(exit, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind harms nothing.
        }
    }
}
