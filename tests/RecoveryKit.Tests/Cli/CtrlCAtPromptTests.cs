using System.Diagnostics;
using RecoveryKit.Cli;

namespace RecoveryKit.Tests.Cli;

/// <summary>Ctrl-C while a prompt waits: the command stops at once (exit 10); a drive in vendor mode is reset.</summary>
[Collection(nameof(RecoveryKitDataEnvironment))]
public sealed class CtrlCAtPromptTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>Types the given lines; at "^C" it presses Ctrl-C and then waits, as a person at a prompt would.</summary>
    private sealed class TypingWithCtrlC(string typed) : TextReader
    {
        private readonly Queue<string> _lines = new(typed.Split('\n'));

        public Terminal? Terminal { get; set; }

        public int CtrlCs { get; private set; }

        public override string? ReadLine()
        {
            if (_lines.Count == 0)
                return null;
            var line = _lines.Dequeue();
            if (line != "^C")
                return line;
            CtrlCs++;
            Assert.True(Terminal!.Interrupt(), "Ctrl-C at a prompt must be handled, not end the process");
            Thread.Sleep(TimeSpan.FromSeconds(60)); // nobody presses Enter
            return null;
        }
    }

    private (int Exit, string Out, string Err, TimeSpan Took) Run(string typed, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var reader = new TypingWithCtrlC(typed);
        var terminal = new Terminal(output, error, reader, interactive: true);
        reader.Terminal = terminal;
        var clock = Stopwatch.StartNew();
        var exit = RecoveryKitCli.Run([.. args, "--log", _cli.PathOf("run.log")], terminal);
        return (exit, output.ToString(), error.ToString(), clock.Elapsed);
    }

    [Fact]
    public void Ctrl_c_at_the_model_name_prompt_cancels_at_once_and_resets_the_drive_out_of_vendor_mode()
    {
        var transcript = _cli.PathOf("t.txt");

        var r = Run("^C", "unbrick", "--simulate", "--transcript", transcript);

        Assert.Equal(10, r.Exit);
        Assert.True(r.Took < TimeSpan.FromSeconds(30), $"took {r.Took}: the prompt waited for Enter after Ctrl-C");
        Assert.Contains("Type the drive's model name (LDW-411S)", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("finishing the current sector", r.Out + r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("The drive is back", r.Out, StringComparison.Ordinal);
        // After the vendor intro (opcode 80h) the drive got DEVICE RESET (08h), and nothing was erased.
        var lines = File.ReadLines(transcript).Select(l => l.Trim()).ToList();
        var intro = lines.IndexOf("W 177 80");
        Assert.True(intro >= 0);
        Assert.Contains("W 177 08", lines.Skip(intro));
        Assert.Empty(MailboxTrace.Decode(transcript, 0x170).SectorErases());
    }

    [Fact]
    public void Ctrl_c_at_the_image_prompt_cancels_before_any_vendor_command()
    {
        var folder = _cli.PathOf("stick");
        Directory.CreateDirectory(folder);
        var image = RecoveryKit.Emulation.SimScenarios.Find("dead-ldw411s")!.RecoveryImage()!;
        File.WriteAllBytes(Path.Combine(folder, "a.bin"), image);
        File.WriteAllBytes(Path.Combine(folder, "b.bin"), image);
        var transcript = _cli.PathOf("t.txt");
        var saved = Environment.GetEnvironmentVariable("RECOVERYKIT_DATA");
        Environment.SetEnvironmentVariable("RECOVERYKIT_DATA", folder);
        try
        {
            var r = Run("^C", "unbrick", "--device", "sim:dead-ldw411s", "--transcript", transcript);

            Assert.Equal(10, r.Exit);
            Assert.True(r.Took < TimeSpan.FromSeconds(30), $"took {r.Took}");
            Assert.Contains("Which image?", r.Out, StringComparison.Ordinal);
            Assert.Contains("Ctrl-C at a prompt", r.Err, StringComparison.Ordinal);
            Assert.False(File.Exists(transcript) && File.ReadLines(transcript).Any(l => l.Trim() == "W 177 80"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("RECOVERYKIT_DATA", saved);
        }
    }

    [Fact]
    public void Ctrl_c_with_no_prompt_and_no_write_running_is_left_to_the_system()
    {
        var terminal = new Terminal(new StringWriter(), new StringWriter(), null, interactive: false);

        Assert.False(terminal.Interrupt());
    }

    [Fact]
    public void Ctrl_c_during_a_write_asks_it_to_stop_after_the_current_sector_and_says_so_once()
    {
        var error = new StringWriter();
        var terminal = new Terminal(new StringWriter(), error, null, interactive: false);
        using var work = terminal.BeginWork();

        Assert.True(terminal.Interrupt());
        Assert.True(terminal.Interrupt());

        Assert.True(work.Token.IsCancellationRequested);
        Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("finishing the current sector", StringComparison.Ordinal));
    }
}
