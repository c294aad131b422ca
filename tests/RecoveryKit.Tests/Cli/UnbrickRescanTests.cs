namespace RecoveryKit.Tests.Cli;

public class UnbrickRescanTests
{
    [Fact]
    public void With_no_drive_found_the_wizard_offers_R_to_rescan_and_scans_again_until_the_technician_gives_up()
    {
        using var cli = new CliHarness();

        var run = cli.Interactive("r\nR\nq\n", "unbrick", "--device", "sim:empty");

        Assert.Equal(3, run.Exit);
        Assert.Equal(3, run.Out.Split("Step 1 of 5", StringSplitOptions.None).Length - 1);
        Assert.Contains("hot-plug", run.Out, StringComparison.Ordinal);
        Assert.Contains("Press R", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_terminal_the_wizard_does_not_wait_for_a_rescan()
    {
        using var cli = new CliHarness();

        var run = cli.Run("unbrick", "--device", "sim:empty", "--yes");

        Assert.Equal(3, run.Exit);
        Assert.Single(run.Out.Split("Step 1 of 5", StringSplitOptions.None).Skip(1));
        Assert.Contains("hot-plug", run.Err, StringComparison.Ordinal);
    }
}
