using RecoveryKit.Emulation;
using RecoveryKit.Firmware;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Cli;

public class BootCodeConfirmationTests
{
    /// <summary>An LDW-411S image whose boot block differs from the dead-ldw411s drive's (another seed).</summary>
    private static string ImageWithOtherBootCode(CliHarness cli)
    {
        var setup = MtkScenarios.Setups["dead-ldw411s"].Setup;
        var image = SyntheticImage.Build(setup.Family, setup.ChipSpec.SizeBytes, "FS0J", seed: 9999);
        var path = cli.PathOf("other-boot.bin");
        File.WriteAllBytes(path, image);
        return path;
    }

    [Fact]
    public void Yes_alone_does_not_answer_the_boot_code_confirmation_so_a_script_stops_before_erasing()
    {
        using var cli = new CliHarness();
        var image = ImageWithOtherBootCode(cli);

        var run = cli.Run("flash", "--device", "sim:dead-ldw411s", image, "--write-bootcode", "--yes", "--backup", cli.PathOf("b.bin"), "--transcript", cli.PathOf("t.txt"));

        Assert.Equal(10, run.Exit);
        Assert.Contains("nothing was erased", run.Err, StringComparison.Ordinal);
        // Only chip-ID and read traffic: no sector-erase command (30h) ever reached the mailbox data register.
        Assert.DoesNotContain(Transcripts.Accesses(cli.PathOf("t.txt")), l => l == "W 173 30");
    }

    [Fact]
    public void Yes_bootcode_rewrites_differing_boot_code_last_and_the_drive_comes_back()
    {
        using var cli = new CliHarness();
        var image = ImageWithOtherBootCode(cli);

        var run = cli.Run("flash", "--device", "sim:dead-ldw411s", image, "--write-bootcode", "--yes", "--yes-bootcode", "--backup", cli.PathOf("b.bin"));

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Contains("boot block REWRITTEN last", run.Out, StringComparison.Ordinal);
        Assert.Contains("The drive is back", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_drive_reading_7F_is_reported_as_dead_or_unpowered_not_as_a_hard_disk()
    {
        using var cli = new CliHarness();

        var run = cli.Run("backup", "3", "--device", "sim:reads-7f", "--profile", "LDW-411S", "-o", cli.PathOf("b.bin"));

        Assert.Equal(3, run.Exit);
        Assert.Contains("7Fh", run.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("hard disk", run.Err, StringComparison.Ordinal);
    }
}
