using RecoveryKit.Tests.Cli;

namespace RecoveryKit.Tests.TestSupport;

/// <summary>
/// A recovery stick's data folder for one test: a temporary folder set as $RECOVERYKIT_DATA (restored on dispose), with
/// the command line to run against it. $RECOVERYKIT_DATA is process-wide, so users run in the
/// <see cref="RecoveryKitDataEnvironment"/> collection.
/// </summary>
internal sealed class StickDataFolder : IDisposable
{
    private readonly string? _saved = Environment.GetEnvironmentVariable("RECOVERYKIT_DATA");

    public StickDataFolder()
    {
        Directory.CreateDirectory(Data);
        Environment.SetEnvironmentVariable("RECOVERYKIT_DATA", Data);
    }

    public CliHarness Cli { get; } = new();

    public string Data => Cli.PathOf("stick");

    /// <summary>Writes <paramref name="bytes"/> at <paramref name="relative"/> inside the data folder (subfolders made).</summary>
    public string Put(string relative, byte[] bytes)
    {
        var path = Path.Combine(Data, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("RECOVERYKIT_DATA", _saved);
        Cli.Dispose();
    }
}
