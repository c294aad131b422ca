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
        Assert.Contains("plug in only the power connector", run.Out, StringComparison.Ordinal);
        Assert.Contains("Press R", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_terminal_the_wizard_does_not_wait_for_a_rescan()
    {
        using var cli = new CliHarness();

        var run = cli.Run("unbrick", "--device", "sim:empty", "--yes");

        Assert.Equal(3, run.Exit);
        Assert.Single(run.Out.Split("Step 1 of 5", StringSplitOptions.None).Skip(1));
        Assert.Contains("plug in only the power connector", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_answer_at_the_rescan_prompt_is_asked_again_saying_R_or_Q()
    {
        using var cli = new CliHarness();

        var run = cli.Interactive("x\nq\n", "unbrick", "--device", "sim:empty");

        Assert.Equal(3, run.Exit);
        Assert.Contains("'x' is not R or Q.", run.Out, StringComparison.Ordinal);
        Assert.Single(run.Out.Split("Step 1 of 5", StringSplitOptions.None).Skip(1)); // x did not rescan
    }
}
