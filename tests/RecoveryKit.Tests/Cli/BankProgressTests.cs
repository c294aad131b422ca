using RecoveryKit.Cli;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Tests.Cli;

public class BankProgressTests
{
    private static readonly FlashProgress[] TwoBanks =
    [
        new("erase", 1, 16, 0, 3), new("program", 1, 16, 0, 3), new("verify", 1, 16, 0, 3), new("done", 1, 16, 1, 3),
        new("erase", 2, 32, 1, 3), new("program", 2, 32, 1, 3), new("done", 2, 32, 2, 3),
        new("erase", 2, 33, 2, 3), new("program", 2, 33, 2, 3), new("done", 2, 33, 3, 3),
    ];

    [Fact]
    public void On_a_terminal_each_bank_gets_a_bar_redrawn_in_place_and_a_closing_line()
    {
        var output = new StringWriter();
        var progress = new BankProgress(output, live: true);

        foreach (var p in TwoBanks)
            progress.Report(p);

        var text = output.ToString();
        Assert.Contains("\r  Bank  1 [", text, StringComparison.Ordinal);
        Assert.Contains("\r  Bank  2 [########################]    3/3 sectors", text, StringComparison.Ordinal);
        Assert.Contains("Bank  1: 1 sector written and verified (1/3)", text, StringComparison.Ordinal);
        Assert.Contains("Bank  2: 2 sectors written and verified (3/3)", text, StringComparison.Ordinal);
        // Each finished-bank line starts on a cleared line: the bar never runs into it.
        foreach (var line in text.Split('\n').Where(l => l.Contains("written and verified", StringComparison.Ordinal)))
            Assert.Matches(@"\r +\r  Bank +\d+: \d+ sectors? written", line);
    }

    [Fact]
    public void The_re_check_after_the_last_sector_adds_no_second_round_of_bank_lines()
    {
        var output = new StringWriter();
        var progress = new BankProgress(output, live: false);
        foreach (var p in TwoBanks)
            progress.Report(p);

        // Flasher's re-check of the sectors an unlock cycle could reach, in banks 0-3 (nothing written there).
        for (var bank = 0; bank < 4; bank++)
            progress.Report(new FlashProgress("verify", bank, (bank * 16) + 5, 3, 3));

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.DoesNotContain("0 sectors", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_sector_the_re_check_writes_again_gets_its_own_line()
    {
        var output = new StringWriter();
        var progress = new BankProgress(output, live: false);
        foreach (var p in TwoBanks)
            progress.Report(p);

        progress.Report(new FlashProgress("retry", 0, 5, 3, 3));

        Assert.Contains("sector 5", output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void On_a_terminal_any_other_line_clears_the_live_bar_first()
    {
        var output = new StringWriter();
        var terminal = new Terminal(output, new StringWriter(), null, interactive: false, liveProgress: true);
        var progress = new BankProgress(terminal);

        progress.Report(new FlashProgress("erase", 1, 16, 0, 3));
        terminal.Output.WriteLine("[verify] 3 sectors written and verified by read-back");

        var text = output.ToString();
        var bar = text.IndexOf("Bank  1 [", StringComparison.Ordinal);
        var stage = text.IndexOf("[verify]", StringComparison.Ordinal);
        Assert.True(bar >= 0 && stage > bar);
        // Between the bar and the stage line: a carriage return, blanks over the bar, and another carriage return.
        Assert.Matches(@"\r +\r\[verify\]", text[bar..]);
    }

    [Fact]
    public void In_a_log_or_pipe_there_is_one_plain_line_per_finished_bank_and_no_carriage_returns()
    {
        var output = new StringWriter();
        var progress = new BankProgress(output, live: false);

        foreach (var p in TwoBanks)
            progress.Report(p);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.DoesNotContain('\r', output.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
    }
}
