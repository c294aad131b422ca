using RecoveryKit.Cli;
using RecoveryKit.MediaTek;
using Spectre.Console;

namespace RecoveryKit.Tests.Cli;

/// <summary>
/// The terminal path through Spectre.Console (issue #14 point 3), on a Spectre console that writes ANSI into a
/// StringWriter as a real terminal would get it; the plain path (pipes, logs) is what every other CLI test reads.
/// </summary>
public class SpectreTerminalTests
{
    private static (Terminal Terminal, StringWriter Screen) Tty()
    {
        var screen = new StringWriter();
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.Standard,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(screen),
        });
        ansi.Profile.Width = 120;
        return (new Terminal(screen, screen, null, interactive: false, liveProgress: true, ansi), screen);
    }

    [Fact]
    public void Scan_on_a_terminal_is_a_spectre_table_and_in_a_pipe_the_plain_columns()
    {
        var (terminal, screen) = Tty();
        var tty = RecoveryKitCli.Run(["scan", "--device", "sim:dead-sohw832s-slave", "--log", Path.Combine(Path.GetTempPath(), $"rk-{Guid.NewGuid():N}.log")], terminal);
        var pipe = CliHarness.Raw("scan", "--device", "sim:dead-sohw832s-slave", "--log", Path.Combine(Path.GetTempPath(), $"rk-{Guid.NewGuid():N}.log"));

        Assert.Equal(0, tty);
        Assert.Contains("│ POS │", screen.ToString(), StringComparison.Ordinal); // Spectre's rounded table
        Assert.Contains("GDR8163B", screen.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("│", pipe.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", pipe.Out, StringComparison.Ordinal);
        Assert.Contains("POS  WHERE", pipe.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void The_bank_bar_is_cleared_before_each_finished_bank_line_and_gone_after_the_write()
    {
        var (terminal, screen) = Tty();
        var progress = new BankProgress(terminal);
        FlashProgress[] twoBanks =
        [
            new("erase", 1, 16, 0, 3), new("program", 1, 16, 0, 3), new("done", 1, 16, 1, 3),
            new("erase", 2, 32, 1, 3), new("program", 2, 32, 1, 3), new("done", 2, 32, 2, 3),
            new("erase", 2, 33, 2, 3), new("program", 2, 33, 2, 3), new("done", 2, 33, 3, 3),
        ];

        foreach (var p in twoBanks)
            progress.Report(p);
        terminal.Output.WriteLine("after the write");
        terminal.ClearLive();

        var text = screen.ToString();
        Assert.Contains("\u001b[?25l", text, StringComparison.Ordinal); // Spectre's live display ran (it hides the cursor while it draws)
        var bank1 = text.IndexOf("Bank  1: 1 sector written and verified (1/3)", StringComparison.Ordinal);
        var bank2 = text.IndexOf("Bank  2: 2 sectors written and verified (3/3)", StringComparison.Ordinal);
        Assert.True(bank1 >= 0 && bank2 > bank1, text);
        Assert.True(text.IndexOf("after the write", StringComparison.Ordinal) > bank2, text);
        // One line per finished bank, no second round.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, "Bank  1: "));
    }
}
