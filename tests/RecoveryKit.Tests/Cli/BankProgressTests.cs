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
        Assert.Contains("Bank  1: done (1 sectors in this bank; 1/3 written and verified)", text, StringComparison.Ordinal);
        Assert.Contains("Bank  2: done (2 sectors in this bank; 3/3 written and verified)", text, StringComparison.Ordinal);
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
