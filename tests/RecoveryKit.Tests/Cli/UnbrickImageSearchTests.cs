using RecoveryKit.Tests.TestSupport;
using RecoveryKit.Emulation;

namespace RecoveryKit.Tests.Cli;

/// <summary>RECOVERYKIT_DATA is process-wide: the tests that set it run alone.</summary>
[CollectionDefinition(nameof(RecoveryKitDataEnvironment), DisableParallelization = true)]
public sealed class RecoveryKitDataEnvironment;

/// <summary><c>unbrick</c> looking for the image in the recovery stick's data folder ($RECOVERYKIT_DATA).</summary>
[Collection(nameof(RecoveryKitDataEnvironment))]
public sealed class UnbrickImageSearchTests : IDisposable
{
    private readonly StickDataFolder _stick = new();

    private CliHarness Cli => _stick.Cli;

    private string Data => _stick.Data;

    public void Dispose() => _stick.Dispose();

    private string Put(string relative, byte[] bytes) => _stick.Put(relative, bytes);

    private static byte[] Ldw411sFs0j() => SimScenarios.Find("dead-ldw411s")!.RecoveryImage()!;

    private static byte[] Sohw832s() => SimScenarios.Find("dead-sohw832s-slave")!.RecoveryImage()!;

    [Fact]
    public void The_one_image_on_the_stick_is_used_for_a_real_drive()
    {
        var image = Put("FS0J.BIN", Ldw411sFs0j());

        var r = Cli.Run("unbrick", "--device", "sim:dead-ldw411s", "--yes");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains($"Step 3 of 5 — image: {image}", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Practice image", r.Out, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Data, "FS0J-backup-*.bin"));
    }

    [Fact]
    public void Practice_mode_uses_the_practice_image_and_ignores_stray_images_on_the_stick()
    {
        // Two images that would both "fit" and one of another model: none is picked up in practice mode.
        Put("a.bin", Sohw832s());
        Put("b.bin", Ldw411sFs0j());
        Put("c.bin", Ldw411sFs0j());

        var r = Cli.Run("unbrick", "--simulate", "--yes");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("Practice image for sim:dead-ldw411s written to", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(Data, r.Out, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Data, "*-backup-*.bin"));
    }

    [Fact]
    public void An_image_of_another_drive_family_is_not_a_candidate()
    {
        // A working LDW-411S says what it is: an SOHW-832S image is not offered for it.
        Put("a.bin", Sohw832s());

        var r = Cli.Run("unbrick", "--device", "sim:update-ldw411s", "--yes");

        Assert.Equal(7, r.Exit);
        Assert.Contains("no firmware image that fits this drive", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void An_old_backup_is_never_offered_as_an_image()
    {
        var image = Put("FS0J.BIN", Ldw411sFs0j());
        Put("FS0J-backup-20261130-101500.bin", Ldw411sFs0j());

        var r = Cli.Run("unbrick", "--device", "sim:dead-ldw411s", "--yes");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains($"Step 3 of 5 — image: {image}", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void With_several_images_and_no_terminal_it_asks_for_image_instead_of_taking_the_first()
    {
        Put("a.bin", Ldw411sFs0j());
        Put("b.bin", Ldw411sFs0j());

        var r = Cli.Run("unbrick", "--device", "sim:dead-ldw411s", "--yes");

        Assert.Equal(2, r.Exit);
        var error = Assert.Single(r.ErrorLines);
        Assert.Contains("2 firmware images could fit", error, StringComparison.Ordinal);
        Assert.Contains("--image", error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Data, "*-backup-*.bin"));
    }

    [Fact]
    public void A_wrong_image_number_is_asked_again_and_the_listed_one_is_used()
    {
        Put("a.bin", Ldw411sFs0j());
        var b = Put("b.bin", Ldw411sFs0j());

        // "9" and "foo" are not listed: asked again, saying what is expected; then b.bin's number, then the model name.
        var probe = Cli.Interactive("q\n", "unbrick", "--device", "sim:dead-ldw411s");
        Assert.Equal(10, probe.Exit);
        var number = probe.Out.Split('\n').Single(l => l.Contains("b.bin", StringComparison.Ordinal)).Trim().Split('.')[0];

        var r = Cli.Interactive($"9\nfoo\n{number}\nLDW-411S\n", "unbrick", "--device", "sim:dead-ldw411s");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("'9' is not a number from 1 to 2", r.Out, StringComparison.Ordinal);
        Assert.Contains("'foo' is not a number from 1 to 2", r.Out, StringComparison.Ordinal);
        Assert.Contains($"Step 3 of 5 — image: {b}", r.Out, StringComparison.Ordinal);
        Assert.Contains("The drive is back: LITE-ON DVDRW LDW-411S FS0J.", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void An_image_named_with_image_is_used_even_when_the_stick_holds_others()
    {
        Put("a.bin", Sohw832s());
        var chosen = Cli.PathOf("mine.bin");
        File.WriteAllBytes(chosen, Ldw411sFs0j());

        var r = Cli.Run("unbrick", "--simulate", "--yes", "--image", chosen);

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains($"image: {chosen}", r.Out, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Cli.Dir, "mine-backup-*.bin"));
    }
}
