using Microsoft.Win32.SafeHandles;
using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;
using Serilog;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;

namespace RecoveryKit.Cli;

/// <summary>
/// The session log: one new file per run (never overwritten) in --log's place, the recovery stick's data
/// folder ($RECOVERYKIT_DATA/logs), or ./recoverykit-logs/. One line per stage; no register dumps. Created
/// before anything touches the drive; once open, a write that fails (a full disk, a pulled stick) stops the
/// log but never the work: the first error is reported at the end of the run. Written through Serilog's file
/// sink, which never throws into the caller: a failed write reaches Serilog's self-log, which records it here.
/// </summary>
internal sealed class SessionLog : IDisposable
{
    private static readonly object SelfLogGate = new();
    private static SessionLog? _selfLogOwner;

    private readonly Logger _logger;
    private readonly SessionFiles _files;
    private Exception? _error;
    private bool _disposed;
    // A log whose name is not UTF-8: the file, created by its name's bytes and kept open while Serilog writes it
    // through /proc/self/fd.
    private SafeFileHandle? _byteNamed;

    private SessionLog(Logger logger, string path, SessionFiles files)
    {
        _logger = logger;
        _files = files;
        Path = path;
    }

    /// <summary>The log file (for a name that is not UTF-8: the name as shown, its other bytes as \xNN).</summary>
    public string Path { get; }

    private const string OutputTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} {Level:u3} {Message:l}{NewLine}";

    private static Logger FileLogger(string path) =>
        new LoggerConfiguration()
            .MinimumLevel.Information()
            .WriteTo.File(path, outputTemplate: OutputTemplate, shared: false, buffered: false)
            .CreateLogger();

    private SessionLog Listening()
    {
        lock (SelfLogGate)
        {
            _selfLogOwner = this;
            SelfLog.Enable(message => _selfLogOwner?.SinkFailed(message));
        }
        return this;
    }

    /// <summary>
    /// --log with a name that is not UTF-8 (<see cref="ByteNames"/>): created by its bytes, NAME-1.EXT… when it exists
    /// (never overwritten), before anything touches the drive.
    /// </summary>
    private static SessionLog OpenByBytes(byte[] name, SessionFiles files)
    {
        var slash = Array.LastIndexOf(name, (byte)'/');
        var dot = Array.LastIndexOf(name, (byte)'.');
        if (dot <= slash + 1)
            dot = name.Length;
        var candidate = name;
        for (var i = 1; ; i++)
        {
            var fd = OutputFiles.CreateByBytes(candidate);
            if (fd >= 0)
            {
                var handle = new SafeFileHandle(fd, ownsHandle: true);
                try
                {
                    var log = new SessionLog(FileLogger($"/proc/self/fd/{fd}"), ByteNames.Show(candidate), files) { _byteNamed = handle };
                    return log.Listening();
                }
                catch
                {
                    handle.Dispose();
                    throw;
                }
            }
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno != 17 || i > 9999)
                throw new RecoveryKitException(FailureKind.FileError, "log",
                    $"cannot create the session log \"{ByteNames.Show(candidate)}\": {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}",
                    "Give a writable file with --log (e.g. --log /tmp/recoverykit.log); nothing was done to the drive.");
            candidate = [.. name.AsSpan(0, dot), .. System.Text.Encoding.ASCII.GetBytes($"-{i}"), .. name.AsSpan(dot)];
        }
    }

    /// <param name="files">The run's files: a log write that fails is reported with its warnings at the end.</param>
    public static SessionLog Open(string? requested, string command, SessionFiles files)
    {
        string path;
        if (!string.IsNullOrWhiteSpace(requested))
        {
            OutputFiles.CheckName(requested, "--log");
            if (ByteNames.TryGetBytes(requested, out var bytes))
                return OpenByBytes(bytes, files);
            try
            {
                path = System.IO.Path.GetFullPath(requested);
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
            {
                throw new RecoveryKitException(FailureKind.Usage, "log", $"\"{TranscriptWriter.Escape(requested)}\" is not a usable file name ({ex.Message})",
                    "Give --log a plain file name; nothing was done to the drive.", ex);
            }
        }
        else
        {
            var data = Environment.GetEnvironmentVariable("RECOVERYKIT_DATA");
            var folder = string.IsNullOrWhiteSpace(data) ? System.IO.Path.GetFullPath("recoverykit-logs") : System.IO.Path.Combine(data, "logs");
            path = System.IO.Path.Combine(folder, $"recoverykit-{DateTime.Now:yyyyMMdd-HHmmss}-{command}.log");
        }
        try
        {
            if (Directory.Exists(path))
                throw new IOException("that is a folder");
            var folder = System.IO.Path.GetDirectoryName(path)!;
            Directory.CreateDirectory(folder);
            var unique = path;
            for (var i = 1; File.Exists(unique); i++)
                unique = System.IO.Path.Combine(folder, $"{System.IO.Path.GetFileNameWithoutExtension(path)}-{i}{System.IO.Path.GetExtension(path)}");
            // Created here, empty, so that a folder that cannot take the file fails now, before the drive is touched.
            using (new FileStream(unique, FileMode.CreateNew, FileAccess.Write, FileShare.Read))
            {
            }
            return new SessionLog(FileLogger(unique), unique, files).Listening();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new RecoveryKitException(FailureKind.FileError, "log", $"cannot create the session log {TranscriptWriter.Escape(path)}: {ex.Message}",
                "Give a writable file with --log (e.g. --log /tmp/recoverykit.log); nothing was done to the drive.", ex);
        }
    }

    /// <summary>The first write that failed, or null.</summary>
    public Exception? Error => _error;

    public void Stage(string stage, string message) => Write(LogEventLevel.Information, $"{stage}: {message}");

    public void Failed(Failure failure) =>
        Write(LogEventLevel.Error, $"{failure.Stage}: FAILED ({failure.Kind}, exit {(int)failure.Kind}): {failure.Cause}. {failure.Advice} {failure.Detail ?? string.Empty}".TrimEnd());

    private void Write(LogEventLevel level, string text)
    {
        if (_error is not null || _disposed)
            return;
        _logger.Write(level, "{Text:l}", TranscriptWriter.Escape(text));
    }

    /// <summary>Serilog's self-log: the file sink could not write (a full disk, a pulled stick).</summary>
    private void SinkFailed(string message)
    {
        if (_error is not null)
            return;
        _error = new IOException(message.Trim());
        _files.Warnings.Add($"the session log {TranscriptWriter.Escape(Path)} is incomplete: writing it failed ({TranscriptWriter.Escape(message.Trim())}); the drive work was not affected");
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        // What could not be written along the way goes into the log too, while it still can be written.
        foreach (var warning in _files.Warnings.ToList())
            Write(LogEventLevel.Warning, warning);
        _disposed = true;
        _logger.Dispose();
        _byteNamed?.Dispose();
        lock (SelfLogGate)
        {
            if (ReferenceEquals(_selfLogOwner, this))
            {
                _selfLogOwner = null;
                SelfLog.Disable();
            }
        }
    }
}
