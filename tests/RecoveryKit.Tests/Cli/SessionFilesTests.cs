using RecoveryKit.Cli;

namespace RecoveryKit.Tests.Cli;

/// <summary>The session log and transcript files every drive command writes.</summary>
public sealed class SessionFilesTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static int Run(params string[] args) => RecoveryKitCli.Run(args, new StringWriter(), new StringWriter(), null, interactive: false);

    [Fact]
    public void A_session_log_is_never_overwritten()
    {
        var log = _cli.PathOf("session.log");

        Assert.Equal(0, Run("identify", "3", "--device", "sim:update-ldw411s", "--log", log));
        var first = File.ReadAllText(log);
        Assert.Equal(0, Run("reset", "3", "--device", "sim:update-ldw411s", "--log", log));

        Assert.Equal(first, File.ReadAllText(log));
        Assert.Contains("identify", first, StringComparison.Ordinal);
        Assert.Contains("reset", File.ReadAllText(_cli.PathOf("session-1.log")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_session_log_records_the_outcome_of_a_failure()
    {
        var r = _cli.Run("erase", "1", "--backup", _cli.PathOf("e.bin"), "--yes", "--device", "sim:dead-ldw411s");

        Assert.Equal(4, r.Exit);
        Assert.Contains($"Session log: {_cli.LastLog}", r.Err, StringComparison.Ordinal);
        Assert.Contains("FAILED (WrongDeviceClass, exit 4)", File.ReadAllText(_cli.LastLog), StringComparison.Ordinal);
    }

    [Fact]
    public void The_raw_transcript_holds_one_register_access_per_line()
    {
        var transcript = _cli.PathOf("t.txt");

        var r = _cli.Run("identify", "3", "--device", "sim:update-ldw411s", "--transcript", transcript, "--transcript-raw");

        Assert.Equal(0, r.Exit);
        var lines = File.ReadAllLines(transcript).Where(l => !l.StartsWith('#')).ToArray();
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Matches(@"^[RW] [0-9A-F]{3} ([0-9A-F]{2}|[0-9A-F]{4})$", l));
        Assert.Contains("W 177 A1", lines); // IDENTIFY PACKET DEVICE to the secondary channel
    }

    [Fact]
    public void A_transcript_that_cannot_be_written_is_exit_13_before_the_drive_is_touched()
    {
        var r = _cli.Run("identify", "3", "--device", "sim:update-ldw411s", "--transcript", _cli.PathOf("no/such/folder/t.txt"));

        Assert.Equal(13, r.Exit);
        Assert.Contains("cannot create", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
    }
}

/// <summary>
/// A run's files (transcript format, command line, warnings) are passed to what writes them, never kept per thread:
/// a failure reported from another thread still reaches the run it belongs to. Serilog's self-log is process-wide,
/// so this runs alone.
/// </summary>
[Collection(nameof(RecoveryKitDataEnvironment))]
public sealed class SessionFilesPassingTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void A_log_write_failure_reported_on_another_thread_is_a_warning_of_the_run_that_owns_the_log()
    {
        var files = new SessionFiles(["scan"], raw: false);
        var path = _cli.PathOf("owned.log");

        using (SessionLog.Open(path, "scan", files))
        {
            // Serilog reports a sink that cannot write through its self-log, on whatever thread was writing.
            var writer = new Thread(() => Serilog.Debugging.SelfLog.WriteLine("No space left on device"));
            writer.Start();
            writer.Join();
        }

        var warning = Assert.Single(files.Warnings);
        Assert.Contains("owned.log", warning, StringComparison.Ordinal);
        Assert.Contains("No space left on device", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void The_raw_transcript_switch_is_the_runs_own_not_left_over_from_an_earlier_run_on_the_thread()
    {
        var raw = _cli.PathOf("raw.txt");
        var compact = _cli.PathOf("compact.txt");

        Assert.Equal(0, _cli.Run("identify", "3", "--device", "sim:update-ldw411s", "--transcript", raw, "--transcript-raw").Exit);
        Assert.Equal(0, _cli.Run("identify", "3", "--device", "sim:update-ldw411s", "--transcript", compact).Exit);

        Assert.Contains(File.ReadLines(raw), l => l.StartsWith('#') && l.Contains("raw format", StringComparison.Ordinal));
        Assert.Contains(File.ReadLines(compact), l => l.StartsWith('#') && l.Contains("compact format", StringComparison.Ordinal));
    }
}
