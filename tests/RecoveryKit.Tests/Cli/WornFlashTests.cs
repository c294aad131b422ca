namespace RecoveryKit.Tests.Cli;

public class WornFlashTests
{
    [Fact]
    public void A_sector_that_never_finishes_erasing_is_exit_8_with_the_sector_map_and_the_drive_state()
    {
        using var cli = new CliHarness();
        Assert.Equal(0, cli.Run("sim-image", "worn-ldw411s", "-o", cli.PathOf("fw.bin")).Exit);

        var run = cli.Run("flash", "--device", "sim:worn-ldw411s", cli.PathOf("fw.bin"), "--yes", "--backup", cli.PathOf("b.bin"));

        Assert.Equal(8, run.Exit);
        var error = Assert.Single(run.ErrorLines);
        Assert.Contains("sector 40", error, StringComparison.Ordinal);
        Assert.Contains("Drive state: partly written", run.Err, StringComparison.Ordinal);
        Assert.Contains("unknown: 40", run.Err, StringComparison.Ordinal);
        Assert.True(File.Exists(cli.PathOf("b.bin")), "the backup was written before the first erase");
    }

    [Fact]
    public void A_failure_before_anything_was_written_says_the_drive_is_unchanged()
    {
        using var cli = new CliHarness();
        Assert.Equal(0, cli.Run("sim-image", "dead-ldw411s", "-o", cli.PathOf("fw.bin")).Exit);

        var run = cli.Run("flash", "1", "--device", "sim:dead-ldw411s", cli.PathOf("fw.bin"), "--yes");

        Assert.Equal(4, run.Exit);
        Assert.Contains("Drive state: unchanged", run.Err, StringComparison.Ordinal);
    }
}
