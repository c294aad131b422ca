using RecoveryKit.Cli.Commands;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;

namespace RecoveryKit.Tests.Cli;

/// <summary><c>recoverykit mtkflash</c>: old MtkFlash command lines, translated and run.</summary>
public sealed class MtkFlashCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Write_with_binary_and_mediatek_switches_becomes_flash_at_the_position()
    {
        var t = MtkFlashCommand.Translate(["4", "w", "/b", "/m", "fw.bin"]);

        Assert.Equal(["flash", "4", "fw.bin"], t.ModernArgs);
        Assert.True(t.Write);
        Assert.Equal(RecoveryKit.Ata.DevicePosition.SecondarySlave, t.Position);
        Assert.Equal("recoverykit flash 4 fw.bin", t.Modern);
        Assert.Contains(t.Explained, e => e.Token == "/b" && e.Meaning.Contains("NOT mean boot code", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_becomes_backup_to_the_file()
    {
        var t = MtkFlashCommand.Translate(["1", "r", "/b", "dump.bin"]);

        Assert.Equal(["backup", "1", "-o", "dump.bin"], t.ModernArgs);
        Assert.False(t.Write);
    }

    [Fact]
    public void Upper_case_switches_and_names_are_understood_and_the_name_is_kept()
    {
        var t = MtkFlashCommand.Translate(["3", "W", "/B", "/M", "FW.BIN"]);

        Assert.Equal(["flash", "3", "FW.BIN"], t.ModernArgs);
    }

    [Fact]
    public void An_absolute_unix_path_is_the_file_not_a_switch()
    {
        var t = MtkFlashCommand.Translate(["3", "w", "/b", "/m", "/mnt/stick/fw.bin"]);

        Assert.Equal(["flash", "3", "/mnt/stick/fw.bin"], t.ModernArgs);
    }

    [Theory]
    [InlineData("4", "w")]
    [InlineData("w", "fw.bin")]
    [InlineData("4", "fw.bin")]
    [InlineData("4", "w", "fw.bin", "extra.bin")]
    [InlineData("4", "w", "/x", "fw.bin")]
    public void Incomplete_or_unknown_command_lines_are_usage_errors(params string[] tokens)
    {
        var ex = Assert.Throws<RecoveryKitException>(() => MtkFlashCommand.Translate(tokens));

        Assert.Equal(FailureKind.Usage, ex.Failure.Kind);
    }

    [Fact]
    public void Missing_parts_exit_2_with_the_old_syntax()
    {
        var r = _cli.Run("mtkflash", "4", "w");

        Assert.Equal(2, r.Exit);
        Assert.Contains("mtkflash N r|w [/b] [/m] FILE", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_switch_exits_2_and_runs_nothing()
    {
        var r = _cli.Run("mtkflash", "4", "w", "/x", _cli.PathOf("fw.bin"), "--device", "sim:dead-ldw411s", "--yes");

        Assert.Equal(2, r.Exit);
        Assert.Contains("switch /x", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
        Assert.DoesNotContain("RecoveryKit command:", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_prints_the_modern_command_and_runs_nothing()
    {
        var image = _cli.PathOf("fw.bin");
        File.WriteAllBytes(image, SimScenarios.Find("dead-ldw411s")!.RecoveryImage()!);

        var r = _cli.Run("mtkflash", "3", "w", "/b", "/m", image, "--explain", "--device", "sim:dead-ldw411s", "--yes");

        Assert.Equal(0, r.Exit);
        Assert.Contains($"RecoveryKit command: recoverykit flash 3 {image}", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("[vendor-intro]", r.Out, StringComparison.Ordinal);
        Assert.Equal([image], Directory.GetFiles(_cli.Dir)); // no backup, no session log: nothing ran
    }

    [Fact]
    public void A_write_run_with_yes_recovers_the_dead_ldw411s()
    {
        var image = _cli.PathOf("fw.bin");
        File.WriteAllBytes(image, SimScenarios.Find("dead-ldw411s")!.RecoveryImage()!);

        var r = _cli.Run("mtkflash", "3", "w", "/b", "/m", image, "--device", "sim:dead-ldw411s", "--yes");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("The drive is back: LITE-ON DVDRW LDW-411S FS0J.", r.Out, StringComparison.Ordinal);
        var backup = Assert.Single(Directory.GetFiles(_cli.Dir, "fw-backup-*.bin"));
        Assert.Equal(MtkScenarios.Setups["dead-ldw411s"].Setup.InitialFlash(), File.ReadAllBytes(backup));
    }

    [Fact]
    public void A_write_run_without_yes_and_no_terminal_is_cancelled()
    {
        var image = _cli.PathOf("fw.bin");
        File.WriteAllBytes(image, SimScenarios.Find("dead-ldw411s")!.RecoveryImage()!);

        var r = _cli.Run("mtkflash", "3", "w", image, "--device", "sim:dead-ldw411s");

        Assert.Equal(10, r.Exit);
        Assert.Empty(Directory.GetFiles(_cli.Dir, "fw-backup-*.bin"));
    }

    [Fact]
    public void A_read_run_with_a_profile_writes_a_1_MiB_backup_without_asking()
    {
        var output = _cli.PathOf("out.bin");

        var r = _cli.Interactive(string.Empty, "mtkflash", "3", "r", output, "--profile", "LDW-411S", "--device", "sim:dead-ldw411s");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("recoverykit backup 3 -o", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Run it?", r.Out, StringComparison.Ordinal);
        Assert.Equal(MtkScenarios.Setups["dead-ldw411s"].Setup.InitialFlash(), File.ReadAllBytes(output));
        Assert.Equal(1 << 20, new FileInfo(output).Length);
    }

    [Fact]
    public void The_dos_command_line_in_upper_case_is_understood_and_runs_flash_with_its_plan_and_typed_confirmation()
    {
        var image = _cli.PathOf("FS0F.BIN");
        File.WriteAllBytes(image, SimScenarios.Find("dead-ldw411s")!.RecoveryImage()!);

        var r = _cli.Interactive("YES\n", "MTKFLASH", "3", "W", "/M", "/B", image, "--device", "sim:dead-ldw411s");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.DoesNotContain("Unrecognized", r.All, StringComparison.Ordinal);
        var translated = r.Out.IndexOf("RecoveryKit command: recoverykit flash 3", StringComparison.Ordinal);
        var plan = r.Out.IndexOf("Plan:", StringComparison.Ordinal);
        var confirm = r.Out.IndexOf("Type YES to write it:", StringComparison.Ordinal);
        Assert.True(translated >= 0 && plan > translated && confirm > plan, r.Out);
        Assert.Contains("The drive is back: LITE-ON DVDRW LDW-411S FS0J.", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Declining_the_typed_confirmation_writes_nothing()
    {
        var image = _cli.PathOf("fw.bin");
        File.WriteAllBytes(image, SimScenarios.Find("dead-ldw411s")!.RecoveryImage()!);
        var transcript = _cli.PathOf("t.txt");

        var r = _cli.Interactive("n\n", "mtkflash", "3", "w", image, "--device", "sim:dead-ldw411s", "--transcript", transcript);

        Assert.Equal(10, r.Exit);
        Assert.Contains("Plan:", r.Out, StringComparison.Ordinal);
        Assert.Empty(MailboxTrace.Decode(transcript, 0x170).SectorErases());
    }

    [Fact]
    public void Transcript_raw_is_passed_on_to_the_translated_command()
    {
        var image = _cli.PathOf("fw.bin");
        File.WriteAllBytes(image, SimScenarios.Find("dead-ldw411s")!.RecoveryImage()!);
        var transcript = _cli.PathOf("t.txt");

        var r = _cli.Interactive("n\n", "mtkflash", "3", "w", image, "--device", "sim:dead-ldw411s", "--transcript", transcript, "--transcript-raw");

        Assert.Equal(10, r.Exit);
        var lines = File.ReadAllLines(transcript);
        Assert.Contains("raw format", lines[0], StringComparison.Ordinal);
        // docs/transcript.md: the raw format is only "W|R PORT VALUE" lines — no folded or mailbox lines.
        var body = lines.Where(l => !l.StartsWith('#')).ToList();
        Assert.NotEmpty(body);
        Assert.All(body, l => Assert.Matches("^[WR] [0-9A-F]{3,4} ([0-9A-F]{2}|[0-9A-F]{4})$", l));
    }

    [Fact]
    public void An_empty_position_is_named_with_where_the_optical_drive_is()
    {
        var r = _cli.Run("mtkflash", "4", "w", "/m", _cli.PathOf("fs0f.bin"), "--device", "sim:dead-ldw411s", "--yes");

        Assert.Equal(3, r.Exit);
        Assert.Contains("nothing at position 4 (secondary slave); the optical drive is at 3", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("5", "there is no position 5")]
    [InlineData("x", "'x' is not an MtkFlash operation")]
    public void A_wrong_position_or_operation_is_named_plainly(string wrong, string expected)
    {
        string[] tokens = wrong == "x" ? ["3", "x", "/m", "fs0f.bin"] : ["5", "w", "/m", "fs0f.bin"];

        var r = _cli.Run(["mtkflash", .. tokens, "--device", "sim:dead-ldw411s"]);

        Assert.Equal(2, r.Exit);
        var error = Assert.Single(r.ErrorLines);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("after the file name", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Switches_may_come_before_the_position_and_operation()
    {
        var t = MtkFlashCommand.Translate(["/B", "/M", "3", "W", "FS0F.BIN"]);

        Assert.Equal(["flash", "3", "FS0F.BIN"], t.ModernArgs);
    }

    [Fact]
    public void Verbose_is_passed_on_to_the_command_it_runs()
    {
        var image = _cli.PathOf("fw.bin");
        File.WriteAllBytes(image, SimScenarios.Find("dead-ldw411s")!.RecoveryImage()!);

        var quiet = _cli.Run("mtkflash", "1", "w", image, "--device", "sim:dead-ldw411s", "--yes");
        var verbose = _cli.Run("mtkflash", "1", "w", image, "--device", "sim:dead-ldw411s", "--yes", "--verbose");

        Assert.Equal(4, quiet.Exit); // position 1 is the hard disk
        Assert.Equal(4, verbose.Exit);
        Assert.DoesNotContain("  status ", quiet.Err, StringComparison.Ordinal);
        Assert.Contains("  status ", verbose.Err, StringComparison.Ordinal);
    }
}
