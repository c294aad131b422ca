using RecoveryKit.Emulation;

namespace RecoveryKit.Tests.Cli;

/// <summary><c>recoverykit sim-image</c>: the images that recover the built-in virtual drives.</summary>
public sealed class SimImageCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void List_names_every_built_in_scenario_and_marks_the_mediatek_ones()
    {
        var r = _cli.Run("sim-image", "--list");

        Assert.Equal(0, r.Exit);
        foreach (var s in SimScenarios.All)
        {
            var line = Assert.Single(r.Out.Split('\n'), l => l.StartsWith(s.Name + " ", StringComparison.Ordinal));
            Assert.Equal(s.MtkSetup is not null, line[27..].StartsWith('*'));
        }
    }

    [Fact]
    public void Writes_the_recovery_image_of_a_scenario()
    {
        var output = _cli.PathOf("fw.bin");

        var r = _cli.Run("sim-image", "dead-sohw832s-slave", "-o", output);

        Assert.Equal(0, r.Exit);
        Assert.Equal(SimScenarios.Find("dead-sohw832s-slave")!.RecoveryImage(), File.ReadAllBytes(output));
    }

    [Fact]
    public void A_scenario_without_a_mediatek_drive_has_no_image()
    {
        var output = _cli.PathOf("fw.bin");

        var r = _cli.Run("sim-image", "empty", "-o", output);

        Assert.Equal(2, r.Exit);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void An_unknown_scenario_is_exit_3_like_device_sim_with_an_unknown_name()
    {
        Assert.Equal(3, _cli.Run("sim-image", "nope", "-o", _cli.PathOf("fw.bin")).Exit);
        Assert.Equal(3, _cli.Run("identify", "3", "--device", "sim:nope").Exit);
    }
}
