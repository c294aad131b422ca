using RecoveryKit.Diagnostics;
using Serilog;
using Serilog.Core;

namespace RecoveryKit.Cli;

/// <summary>
/// The session log: one new file per run (never overwritten) in --log's place, the recovery stick's data
/// folder ($RECOVERYKIT_DATA/logs), or ./recoverykit-logs/. One line per stage; no register dumps.
/// </summary>
internal sealed class SessionLog : IDisposable
{
    private readonly Logger _logger;

    private SessionLog(Logger logger, string path)
    {
        _logger = logger;
        Path = path;
    }

    public string Path { get; }

    public static SessionLog Open(string? requested, string command)
    {
        string path;
        if (!string.IsNullOrWhiteSpace(requested))
        {
            path = System.IO.Path.GetFullPath(requested);
        }
        else
        {
            var data = Environment.GetEnvironmentVariable("RECOVERYKIT_DATA");
            var folder = string.IsNullOrWhiteSpace(data) ? System.IO.Path.GetFullPath("recoverykit-logs") : System.IO.Path.Combine(data, "logs");
            path = System.IO.Path.Combine(folder, $"recoverykit-{DateTime.Now:yyyyMMdd-HHmmss}-{command}.log");
        }
        try
        {
            var folder = System.IO.Path.GetDirectoryName(path)!;
            Directory.CreateDirectory(folder);
            var unique = path;
            for (var i = 1; File.Exists(unique); i++)
                unique = System.IO.Path.Combine(folder, $"{System.IO.Path.GetFileNameWithoutExtension(path)}-{i}{System.IO.Path.GetExtension(path)}");
            using (new FileStream(unique, FileMode.CreateNew, FileAccess.Write))
            {
            }
            var logger = new LoggerConfiguration()
                .MinimumLevel.Information()
                .WriteTo.File(unique, outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} {Level:u3} {Message:lj}{NewLine}", shared: false)
                .CreateLogger();
            return new SessionLog(logger, unique);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RecoveryKitException(FailureKind.FileError, "log", $"cannot create the session log {path}: {ex.Message}",
                "Give a writable file with --log (e.g. --log /tmp/recoverykit.log); nothing was done to the drive.", ex);
        }
    }

    public void Stage(string stage, string message) => _logger.Information("{Stage}: {Message}", stage, message);

    public void Failed(Failure failure) => _logger.Error("{Stage}: FAILED ({Kind}, exit {Code}): {Cause}. {Advice} {Detail}", failure.Stage, failure.Kind.ToString(), (int)failure.Kind, failure.Cause, failure.Advice, failure.Detail ?? string.Empty);

    public void Dispose() => _logger.Dispose();
}
