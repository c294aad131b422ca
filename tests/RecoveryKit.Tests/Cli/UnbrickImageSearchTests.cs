using RecoveryKit.Emulation;

namespace RecoveryKit.Tests.Cli;

/// <summary>RECOVERYKIT_DATA is process-wide: the tests that set it run alone.</summary>
[CollectionDefinition(nameof(RecoveryKitDataEnvironment), DisableParallelization = true)]
public sealed class RecoveryKitDataEnvironment;

/// <summary><c>unbrick</c> looking for the image in the recovery stick's data folder ($RECOVERYKIT_DATA).</summary>
[Collection(nameof(RecoveryKitDataEnvironment))]
public sealed class UnbrickImageSearchTests : IDisposable
{
    private readonly CliHarness _cli = new();
    private readonly string? _saved = Environment.GetEnvironmentVariable("RECOVERYKIT_DATA");

    public UnbrickImageSearchTests()
    {
        Directory.CreateDirectory(Data);
        Environment.SetEnvironmentVariable("RECOVERYKIT_DATA", Data);
    }

    private string Data => _cli.PathOf("stick");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("RECOVERYKIT_DATA", _saved);
        _cli.Dispose();
    }

    private string Put(string name, byte[] image)
    {
        var path = Path.Combine(Data, name);
        File.WriteAllBytes(path, image);
        return path;
    }

    private static byte[] Ldw411sFs0j() => SimScenarios.Find("dead-ldw411s")!.RecoveryImage()!;

    private static byte[] Sohw832s() => SimScenarios.Find("dead-sohw832s-slave")!.RecoveryImage()!;

    [Fact]
    public void The_one_image_on_the_stick_is_used_and_no_practice_image_is_made()
    {
        var image = Put("FS0J.BIN", Ldw411sFs0j());

        var r = _cli.Run("unbrick", "--simulate", "--yes");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains($"Step 3 of 5 — image: {image}", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Practice image", r.Out, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Data, "FS0J-backup-*.bin"));
    }

    [Fact]
    public void With_several_images_and_no_terminal_it_asks_for_image_instead_of_taking_the_first()
    {
        Put("a.bin", Sohw832s());
        Put("b.bin", Ldw411sFs0j());

        var r = _cli.Run("unbrick", "--simulate", "--yes");

        Assert.Equal(2, r.Exit);
        var error = Assert.Single(r.ErrorLines);
        Assert.Contains("2 firmware images could fit", error, StringComparison.Ordinal);
        Assert.Contains("--image", error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Data, "*-backup-*.bin"));
    }

    [Fact]
    public void With_several_images_the_technician_picks_one_by_number()
    {
        Put("a.bin", Sohw832s());
        Put("b.bin", Ldw411sFs0j());

        // The listing order is the folder's; find the LDW-411S line's number.
        var r = _cli.Interactive("9\n", "unbrick", "--simulate");
        Assert.Equal(10, r.Exit);
        var line = r.Out.Split('\n').Single(l => l.Contains("b.bin", StringComparison.Ordinal));
        var number = line.Trim().Split('.')[0];

        r = _cli.Interactive($"{number}\nLDW-411S\n", "unbrick", "--simulate");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("The drive is back: LITE-ON DVDRW LDW-411S FS0J.", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void An_image_named_with_image_is_used_even_when_the_stick_holds_others()
    {
        Put("a.bin", Sohw832s());
        var chosen = _cli.PathOf("mine.bin");
        File.WriteAllBytes(chosen, Ldw411sFs0j());

        var r = _cli.Run("unbrick", "--simulate", "--yes", "--image", chosen);

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains($"image: {chosen}", r.Out, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(_cli.Dir, "mine-backup-*.bin"));
    }
}
