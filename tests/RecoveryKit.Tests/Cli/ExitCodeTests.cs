using System.Runtime.InteropServices;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Firmware;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Cli;

/// <summary>
/// One run per documented exit code (README "Exit codes"), each through the command line on a virtual bench.
/// Codes 1 (internal error) and 8 (write failed) have no route through the built-in benches: see the report.
/// </summary>
public sealed class ExitCodeTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private string RecoveryImage(string scenario)
    {
        var path = _cli.PathOf(scenario + ".bin");
        File.WriteAllBytes(path, SimScenarios.Find(scenario)!.RecoveryImage()!);
        return path;
    }

    [Fact]
    public void Exit_codes_are_the_failure_kinds()
    {
        Assert.Equal(
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
            Enum.GetValues<FailureKind>().Select(k => (int)k));
    }

    [Fact]
    public void Code_0_success_flash_of_the_update_scenario()
    {
        var r = _cli.Run("flash", "3", RecoveryImage("update-ldw411s"), "--device", "sim:update-ldw411s", "--yes");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("The drive is back: LITE-ON DVDRW LDW-411S FS0J.", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Code_0_a_drive_that_needs_a_power_cycle_is_power_cycled_by_the_bench_and_recovered()
    {
        var r = _cli.Run("unbrick", "--device", "sim:power-cycle-ldw411s", "--simulate", "--yes");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("Status = 80 should be 70", r.Out, StringComparison.Ordinal);
        Assert.Contains("power-cycled the drive (attempt 1)", r.Out, StringComparison.Ordinal);
        Assert.Contains("The drive is back", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Code_2_an_unknown_flash_chip_name()
    {
        var r = _cli.Run("flash", "3", RecoveryImage("dead-ldw411s"), "--device", "sim:dead-ldw411s", "--yes", "--flash-chip", "NOPE");

        Assert.Equal(2, r.Exit);
        Assert.Contains("'NOPE' is not in the chip table", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Code_3_no_such_scenario()
    {
        var r = _cli.Run("scan", "--device", "sim:no-such-bench");

        Assert.Equal(3, r.Exit);
        Assert.Contains("no built-in scenario 'no-such-bench'", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Code_4_flash_to_the_hard_disk()
    {
        var transcript = _cli.PathOf("t.txt");
        var r = _cli.Run("flash", "1", RecoveryImage("dead-ldw411s"), "--device", "sim:dead-ldw411s", "--yes", "--transcript", transcript);

        Assert.Equal(4, r.Exit);
        Assert.Contains("hard disk", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
        Assert.DoesNotContain(Transcripts.Accesses(transcript), l => l.Trim() == "W 1F7 80");
    }

    [Fact]
    public void Code_5_the_drive_ignores_the_intro_keys_of_another_profile()
    {
        // DG-16D2S sends the phat intro 2Ah/80h (never 2Eh, its erase trigger) and waits for 72h; the LDW-411S
        // boot code answers 70h, parallel flash: not the drive the profile describes.
        var r = _cli.Run("identify", "3", "--chip", "--profile", "DG-16D2S", "--device", "sim:dead-ldw411s");

        Assert.Equal(5, r.Exit);
        Assert.Contains("vendor-intro: Status = 70 should be 72", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
        Assert.Contains("[vendor-intro] Status = 70 should be 72", r.Out, StringComparison.Ordinal);
        Assert.Contains("right profile", r.All, StringComparison.Ordinal);
    }

    [Fact]
    public void An_spi_profile_on_a_parallel_drive_is_refused_at_the_intro_and_its_flash_is_untouched()
    {
        // Issue 13: SPI drives are written now; what stays refused is a profile the drive does not answer to
        // (the LDW-411S answers 70h, the DG-16D2S profile expects 72h).
        var family = ImageFamilies.Find("DG-16D2S")!;
        var image = _cli.PathOf("dg16d2s.bin");
        File.WriteAllBytes(image, SyntheticImage.Build(family, 256 * 1024, "0800", 16));
        var dump = _cli.PathOf("dump");

        var r = _cli.Run("flash", "3", image, "--profile", "DG-16D2S", "--device", "sim:dead-ldw411s", "--yes", "--sim-dump", dump);

        Assert.Equal(5, r.Exit);
        Assert.Equal(RecoveryKit.Emulation.MtkScenarios.Setups["dead-ldw411s"].Setup.InitialFlash(), File.ReadAllBytes(Path.Combine(dump, "3.bin")));
    }

    [Fact]
    public void Code_7_an_image_of_the_wrong_size()
    {
        var image = _cli.PathOf("short.bin");
        File.WriteAllBytes(image, new byte[1000]);

        var r = _cli.Run("flash", "3", image, "--device", "sim:dead-ldw411s", "--yes");

        Assert.Equal(7, r.Exit);
        Assert.Contains("1000 bytes", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Code_7_an_image_bigger_than_the_chip_named()
    {
        var r = _cli.Run("flash", "3", RecoveryImage("dead-ldw411s"), "--device", "sim:dead-ldw411s", "--yes", "--flash-chip", "SST39SF040");

        Assert.Equal(7, r.Exit);
        Assert.Contains("holds 512 KiB", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Code_9_verify_finds_differing_sectors()
    {
        var r = _cli.Run("verify", "3", RecoveryImage("dead-ldw411s"), "--device", "sim:dead-ldw411s");

        Assert.Equal(9, r.Exit);
    }

    [Fact]
    public void Code_10_flash_without_yes_and_no_terminal()
    {
        var r = _cli.Run("flash", "3", RecoveryImage("dead-ldw411s"), "--device", "sim:dead-ldw411s");

        Assert.Equal(10, r.Exit);
    }

    [Fact]
    public void Code_10_flash_plan_declined_at_the_terminal()
    {
        var transcript = _cli.PathOf("t.txt");
        var r = _cli.Interactive("no\n", "flash", "3", RecoveryImage("dead-ldw411s"), "--device", "sim:dead-ldw411s", "--transcript", transcript);

        Assert.Equal(10, r.Exit);
        Assert.Contains("Type YES to write it:", r.Out, StringComparison.Ordinal);
        Assert.Empty(MailboxTrace.Decode(transcript, 0x170).SectorErases());
    }

    [Fact]
    public void Code_11_a_drive_stuck_busy()
    {
        var r = _cli.Run("backup", "2", "-o", _cli.PathOf("b.bin"), "--profile", "LDW-411S", "--device", "sim:stuck-busy");

        Assert.Equal(11, r.Exit);
        Assert.Contains("BSY did not clear", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
    }

    [PortsRefusedFact]
    public void Code_12_raw_ports_where_the_machine_refuses_them()
    {
        var r = _cli.Run("identify", "3", "--device", "port:0x170");

        Assert.Equal(12, r.Exit);
        Assert.Contains("ioperm", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Code_13_a_missing_image()
    {
        var r = _cli.Run("flash", "3", _cli.PathOf("missing.bin"), "--device", "sim:dead-ldw411s", "--yes");

        Assert.Equal(13, r.Exit);
        Assert.Contains("missing.bin", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Code_13_a_session_log_that_cannot_be_created()
    {
        var blocker = _cli.PathOf("file");
        File.WriteAllText(blocker, "not a folder");
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = RecoveryKit.Cli.RecoveryKitCli.Run(["identify", "3", "--device", "sim:update-ldw411s", "--log", Path.Combine(blocker, "x.log")],
            output, error, null, interactive: false);

        Assert.Equal(13, exit);
        Assert.Contains("cannot create the session log", error.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>
/// A fact that runs only where the kernel refuses raw port access (not root, no ioperm in a container): where it
/// would be granted, the test is skipped, because a unit test must never touch real IDE hardware.
/// </summary>
public sealed partial class PortsRefusedFactAttribute : FactAttribute
{
    public PortsRefusedFactAttribute()
    {
        if (!PortAccessRefused())
            Skip = "this machine grants raw port access to 170h-177h; the test would touch real IDE hardware";
    }

    /// <summary>Asks the kernel for ports 170h-177h and gives them straight back; reads or writes no port.</summary>
    private static bool PortAccessRefused()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return false;
        if (Ioperm(0x170, 8, 1) != 0)
            return true;
        _ = Ioperm(0x170, 8, 0);
        return false;
    }

    [LibraryImport("libc", EntryPoint = "ioperm", SetLastError = true)]
    private static partial int Ioperm(nuint from, nuint count, int turnOn);
}
