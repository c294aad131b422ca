using System.Diagnostics;
using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Tests.Cli;

namespace RecoveryKit.Tests.Emulation;

/// <summary>
/// A recording of a bench session becomes a virtual drive: the same command against it must do exactly what the
/// recorded session did, and the first access where it does not is a typed failure naming the transcript line.
/// </summary>
public sealed class ReplayTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private string Image(string scenario)
    {
        var path = _cli.PathOf(scenario + ".bin");
        if (!File.Exists(path))
            File.WriteAllBytes(path, SimScenarios.Find(scenario)!.RecoveryImage()!);
        return path;
    }

    private static ReplayDivergence DivergenceOf(string[] transcript)
    {
        using var bench = ReplayBench.FromLines(transcript);
        var channel = bench.Channels.Single(c => c.Registers.Address.CommandBase == 0x170).Registers;
        try
        {
            _ = channel.Read(TaskFileRegister.StatusCommand);
            channel.Write(TaskFileRegister.Device, 0xA0);
            _ = channel.Read(TaskFileRegister.StatusCommand);
        }
        catch (RecoveryKitException ex)
        {
            Assert.Equal(FailureKind.ReplayDiverged, ex.Failure.Kind);
            return ex.Failure.Divergence!;
        }
        return bench.Verdict()?.Divergence ?? throw new InvalidOperationException("no divergence");
    }

    [Fact]
    public void Reads_are_answered_with_the_recorded_values_in_order()
    {
        using var bench = ReplayBench.FromLines(["# channel 1 secondary 170 376", "R 177 50", "W 176 A0", "R 177 41 x2"]);
        var channel = bench.Channels.Single().Registers;

        Assert.Equal(0x50, channel.Read(TaskFileRegister.StatusCommand));
        channel.Write(TaskFileRegister.Device, 0xA0);
        Assert.Equal(0x41, channel.Read(TaskFileRegister.StatusCommand));
        Assert.Equal(0x41, channel.Read(TaskFileRegister.StatusCommand));
        Assert.Null(bench.Verdict());
    }

    [Fact]
    public void Another_value_written_is_the_first_divergence_with_its_line()
    {
        var d = DivergenceOf(["# channel 1 secondary 170 376", "R 177 50", "W 176 B0", "R 177 50"]);

        Assert.Equal(new ReplayDivergence(1, 3, "W 176 B0", "W 176 A0"), d);
    }

    [Fact]
    public void A_read_of_another_register_is_a_divergence()
    {
        var d = DivergenceOf(["# channel 1 secondary 170 376", "R 176 50", "W 176 A0"]);

        Assert.Equal(new ReplayDivergence(0, 2, "R 176 50", "R 177"), d);
    }

    [Fact]
    public void A_run_that_goes_on_after_the_recording_ends_or_stops_before_it_diverges()
    {
        Assert.Null(DivergenceOf(["# channel 1 secondary 170 376", "R 177 50", "W 176 A0"]).Recorded);
        Assert.Null(DivergenceOf(["# channel 1 secondary 170 376", "R 177 50", "W 176 A0", "R 177 50", "R 177 50"]).Host);
    }

    [Fact]
    public void The_recorded_dead_drive_flash_replays_to_the_same_result()
    {
        var transcript = _cli.PathOf("dead.txt");
        var recorded = _cli.Run("flash", "3", Image("dead-ldw411s"), "--device", "sim:dead-ldw411s", "--yes", "--transcript", transcript);
        Assert.Equal(0, recorded.Exit);

        var replayed = _cli.Run("replay", transcript);

        Assert.True(replayed.Exit == 0, replayed.ToString());
        Assert.Contains("Replay agrees with the recording", replayed.Out, StringComparison.Ordinal);
        foreach (var marker in new[] { "[plan] ", "[verify] ", "The drive is back: " })
            Assert.Equal(Line(recorded.Out, marker), Line(replayed.Out, marker));
    }

    [Fact]
    public void A_one_byte_edit_of_a_value_the_host_writes_reports_that_line()
    {
        var transcript = _cli.PathOf("id.txt");
        Assert.Equal(0, _cli.Run("identify", "3", "--chip", "--device", "sim:update-ldw411s", "--transcript", transcript).Exit);
        var lines = File.ReadAllLines(transcript);
        var intro = Array.IndexOf(lines, "W 177 80"); // the vendor intro opcode (PROTOCOL.md §3)
        Assert.True(intro > 0);
        lines[intro] = "W 177 81";
        File.WriteAllLines(transcript, lines);

        var r = _cli.Run("replay", transcript);

        Assert.Equal((int)FailureKind.ReplayDiverged, r.Exit);
        var error = Assert.Single(r.ErrorLines);
        Assert.Contains($"(transcript line {intro + 1}): the host did W 177 80, the recording has W 177 81", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_one_byte_edit_of_a_value_the_drive_answered_makes_the_host_diverge_after_it()
    {
        var transcript = _cli.PathOf("id.txt");
        Assert.Equal(0, _cli.Run("identify", "3", "--chip", "--device", "sim:update-ldw411s", "--transcript", transcript).Exit);
        var lines = File.ReadAllLines(transcript);
        var directive = Array.IndexOf(lines, "mailbox 170 70");
        Assert.True(directive > 0);
        lines[directive] = "mailbox 170 71"; // every mailbox status read now answers 71h: not vendor mode

        var r = _cli.Run("replay", WriteLines("edited.txt", lines));

        Assert.Equal((int)FailureKind.ReplayDiverged, r.Exit);
        var error = Assert.Single(r.ErrorLines);
        var at = int.Parse(System.Text.RegularExpressions.Regex.Match(error, @"transcript line (\d+)\)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        // The first mailbox cycle after the edit: 71h is not the ready status, so the host polls again where the
        // recording goes on with the data byte (PROTOCOL.md §4).
        Assert.Equal(directive + 2, at);
        Assert.Contains("the host did R 177, the recording has W 173 AA", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_raw_transcript_replays_too()
    {
        var transcript = _cli.PathOf("raw.txt");
        Assert.Equal(0, _cli.Run("identify", "3", "--chip", "--device", "sim:update-ldw411s", "--transcript", transcript, "--transcript-raw").Exit);
        Assert.DoesNotContain(File.ReadLines(transcript), l => l.StartsWith("mailbox", StringComparison.Ordinal));

        var r = _cli.Run("replay", transcript);

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("Flash chip: SST SST39VF080", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_power_cycle_is_recorded_and_replayed()
    {
        var transcript = _cli.PathOf("pc.txt");
        var recorded = _cli.Run("flash", "3", Image("power-cycle-ldw411s"), "--device", "sim:power-cycle-ldw411s", "--yes", "--transcript", transcript);
        Assert.True(recorded.Exit == 0, recorded.ToString());
        Assert.Contains(File.ReadLines(transcript), l => l == "power-cycle 3 yes");

        var r = _cli.Run("replay", transcript);

        Assert.True(r.Exit == 0, r.ToString());
    }

    [Fact]
    public void Any_command_runs_against_a_recording_with_device_replay()
    {
        var transcript = _cli.PathOf("scan.txt");
        var recorded = _cli.Run("scan", "--device", "sim:dead-sohw832s-slave", "--transcript", transcript);
        Assert.Equal(0, recorded.Exit);

        var r = _cli.Run("scan", "--device", "replay:" + transcript);

        Assert.Equal(0, r.Exit);
        Assert.Equal(recorded.Out.Split('\n').Skip(1), r.Out.Split('\n').Skip(1)); // the first line names the bench
    }

    [Fact]
    public void A_file_that_is_not_a_transcript_is_a_file_error()
    {
        var text = WriteLines("notes.txt", ["hello"]);
        var empty = WriteLines("empty.txt", []);

        Assert.Equal(13, _cli.Run("replay", text).Exit);
        Assert.Equal(13, _cli.Run("replay", empty).Exit);
        Assert.Equal(13, _cli.Run("replay", _cli.PathOf("missing.txt")).Exit);
        Assert.Equal(2, _cli.Run("replay", "").Exit);
    }

    [Fact]
    public void A_fifo_is_refused_at_once()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var fifo = _cli.PathOf("fifo");
        using (var p = Process.Start("mkfifo", fifo))
            p.WaitForExit();
        var watch = Stopwatch.StartNew();

        var r = _cli.Run("replay", fifo);

        Assert.Equal(13, r.Exit);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
    }

    private string WriteLines(string name, string[] lines)
    {
        var path = _cli.PathOf(name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static string Line(string output, string marker) =>
        output.Split('\n').First(l => l.StartsWith(marker, StringComparison.Ordinal)).Trim();
}
