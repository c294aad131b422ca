using RecoveryKit.Emulation;

namespace RecoveryKit.Tests.Cli;

/// <summary>--variant FILE.json and --sim-dump DIR on the command line (issue 11 point 8).</summary>
public sealed class SimVariantOptionsTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private string Variant(string json)
    {
        var path = _cli.PathOf($"variant-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Sim_dump_after_a_scan_holds_the_starting_flash_at_the_drive_position()
    {
        var dump = _cli.PathOf("dump");

        var r = _cli.Run("scan", "--device", "sim:dead-sohw832s-slave", "--sim-dump", dump);

        Assert.Equal(0, r.Exit);
        Assert.Equal(["4.bin"], Directory.GetFiles(dump).Select(Path.GetFileName));
        Assert.Equal(MtkScenarios.Setups["dead-sohw832s-slave"].Setup.InitialFlash(), File.ReadAllBytes(Path.Combine(dump, "4.bin")));
    }

    [Fact]
    public void Sim_dump_is_written_when_the_command_fails_too()
    {
        var dump = _cli.PathOf("dump");
        var image = _cli.PathOf("fw.bin");
        Assert.Equal(0, _cli.Run("sim-image", "dead-ldw411s", "-o", image).Exit);

        var r = _cli.Run("flash", "3", image, "--yes", "--device", "sim:dead-ldw411s", "--variant", Variant("""{ "introStatus": "50" }"""), "--sim-dump", dump);

        Assert.Equal(5, r.Exit);
        Assert.Equal(MtkScenarios.Setups["dead-ldw411s"].Setup.InitialFlash(), File.ReadAllBytes(Path.Combine(dump, "3.bin")));
    }

    [Fact]
    public void A_non_empty_dump_folder_is_refused_before_anything_runs()
    {
        var dump = _cli.PathOf("dump");
        Directory.CreateDirectory(dump);
        File.WriteAllText(Path.Combine(dump, "3.bin"), "earlier run");

        var r = _cli.Run("scan", "--device", "sim:dead-ldw411s", "--sim-dump", dump);

        Assert.Equal(2, r.Exit);
        Assert.Contains("not empty", r.Err, StringComparison.Ordinal);
        Assert.Equal("earlier run", File.ReadAllText(Path.Combine(dump, "3.bin")));
    }

    [Fact]
    public void A_dump_path_that_is_a_file_is_a_usage_error()
    {
        var file = _cli.PathOf("afile");
        File.WriteAllText(file, "x");

        var r = _cli.Run("scan", "--device", "sim:dead-ldw411s", "--sim-dump", file);

        Assert.Equal(2, r.Exit);
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public void An_unknown_variant_key_is_a_usage_error_naming_the_key()
    {
        var r = _cli.Run("scan", "--device", "sim:dead-ldw411s", "--variant", Variant("""{ "ignoreBankBits": true }"""));

        Assert.Equal(2, r.Exit);
        Assert.Single(r.ErrorLines);
        Assert.Contains("ignoreBankBits", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_variant_file_is_a_file_error()
    {
        var r = _cli.Run("scan", "--device", "sim:dead-ldw411s", "--variant", _cli.PathOf("none.json"));

        Assert.Equal(13, r.Exit);
    }

    [Fact]
    public void Variant_and_sim_dump_refuse_real_ports()
    {
        var r = _cli.Run("scan", "--device", "ports", "--variant", Variant("{}"));

        Assert.Equal(2, r.Exit);
        Assert.Contains("sim:SCENARIO", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void The_variant_reaches_the_virtual_drive()
    {
        var dump = _cli.PathOf("dump");

        // A drive that honours only 2Bh never enters vendor mode for the profile's 2Ah: exit 5, flash untouched.
        var r = _cli.Run("backup", "3", "-o", _cli.PathOf("b.bin"), "--profile", "LDW-411S", "--device", "sim:dead-ldw411s", "--variant", Variant("""{ "introKeys": ["2B"] }"""), "--sim-dump", dump);

        Assert.Equal(5, r.Exit);
        Assert.True(File.Exists(Path.Combine(dump, "3.bin")));
    }
}
