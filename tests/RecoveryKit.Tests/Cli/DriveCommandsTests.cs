using RecoveryKit.Ata;
using RecoveryKit.Emulation;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Cli;

/// <summary><c>identify</c>, <c>backup</c>, <c>verify</c>, <c>erase</c> and <c>reset</c> on the virtual benches.</summary>
public sealed class DriveCommandsTests : IDisposable
{
    private const int BootBlock = 64 * 1024;
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static byte[] InitialFlash(string scenario) => MtkScenarios.Setups[scenario].Setup.InitialFlash();

    [Fact]
    public void Identify_shows_the_firmware_revision_and_profile()
    {
        var r = _cli.Run("identify", "3", "--device", "sim:update-ldw411s");

        Assert.Equal(0, r.Exit);
        Assert.Contains("IDENTIFY PACKET DEVICE: LITE-ON DVDRW LDW-411S, firmware FS0F", r.Out, StringComparison.Ordinal);
        Assert.Contains("INQUIRY: LITE-ON DVDRW LDW-411S FS0F — profile LDW-411S", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("[vendor-intro]", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Identify_chip_names_the_flash_chip_and_resets_the_drive()
    {
        var r = _cli.Run("identify", "3", "--chip", "--device", "sim:update-ldw411s");

        Assert.Equal(0, r.Exit);
        Assert.Contains("Flash chip: SST SST39VF080", r.Out, StringComparison.Ordinal);
        Assert.Contains("it answers as LITE-ON DVDRW LDW-411S FS0F", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Identify_a_hard_disk_says_so()
    {
        var r = _cli.Run("identify", "1", "--device", "sim:dead-ldw411s");

        Assert.Equal(0, r.Exit);
        Assert.Contains("a hard disk: ST340016A", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Backup_of_a_dead_drive_without_a_profile_lists_the_profiles()
    {
        var output = _cli.PathOf("b.bin");
        var r = _cli.Run("backup", "3", "-o", output, "--device", "sim:dead-ldw411s");

        Assert.Equal(2, r.Exit);
        var error = Assert.Single(r.ErrorLines);
        Assert.Contains("--profile", error, StringComparison.Ordinal);
        Assert.Contains("LDW-411S", error, StringComparison.Ordinal);
        Assert.Contains("SOHW-832S", error, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Backup_of_a_dead_drive_with_a_profile_reads_the_whole_1_MiB_flash()
    {
        var output = _cli.PathOf("b.bin");
        var r = _cli.Run("backup", "3", "-o", output, "--profile", "LDW-411S", "--device", "sim:dead-ldw411s");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Equal(1 << 20, new FileInfo(output).Length);
        Assert.Equal(InitialFlash("dead-ldw411s"), File.ReadAllBytes(output));
    }

    [Fact]
    public void Backup_never_overwrites_an_existing_file()
    {
        var output = _cli.PathOf("b.bin");
        File.WriteAllBytes(output, [1, 2, 3]);

        var r = _cli.Run("backup", "3", "-o", output, "--profile", "LDW-411S", "--device", "sim:dead-ldw411s");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Equal([1, 2, 3], File.ReadAllBytes(output));
        Assert.Contains($"Backup written: {_cli.PathOf("b-1.bin")}", r.Out, StringComparison.Ordinal);
        Assert.Equal(InitialFlash("dead-ldw411s"), File.ReadAllBytes(_cli.PathOf("b-1.bin")));
    }

    [Fact]
    public void Verify_of_the_recovery_image_on_the_dead_drive_fails_with_9()
    {
        var image = _cli.PathOf("fw.bin");
        File.WriteAllBytes(image, SimScenarios.Find("dead-ldw411s")!.RecoveryImage()!);

        var r = _cli.Run("verify", "3", image, "--device", "sim:dead-ldw411s");

        Assert.Equal(9, r.Exit);
        Assert.Contains("VERIFY FAILED: 135 sectors differ", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_of_what_a_backup_read_is_ok()
    {
        // Every run starts a fresh bench, so "the image the flash holds" is what a backup just read.
        var output = _cli.PathOf("u.bin");
        Assert.Equal(0, _cli.Run("backup", "3", "-o", output, "--device", "sim:update-ldw411s").Exit);

        var r = _cli.Run("verify", "3", output, "--device", "sim:update-ldw411s");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("VERIFY OK", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Erase_of_the_hard_disk_is_wrong_device_class_and_sends_it_no_vendor_command()
    {
        var transcript = _cli.PathOf("t.txt");
        var backup = _cli.PathOf("e.bin");

        var r = _cli.Run("erase", "1", "--backup", backup, "--yes", "--device", "sim:dead-ldw411s", "--transcript", transcript);

        Assert.Equal(4, r.Exit);
        Assert.Contains("hard disk", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
        var lines = Transcripts.Accesses(transcript);
        Assert.NotEmpty(lines);
        Assert.DoesNotContain(lines, l => l.Trim() == "W 1F7 80"); // the vendor intro opcode
        Assert.DoesNotContain(lines, l => l.Trim() == "W 1F3 2A"); // its key
        Assert.False(File.Exists(backup));
    }

    [Fact]
    public void Erase_of_the_hard_disk_with_a_profile_is_still_refused()
    {
        var transcript = _cli.PathOf("t.txt");
        var r = _cli.Run("erase", "1", "--backup", _cli.PathOf("e.bin"), "--yes", "--profile", "LDW-411S",
            "--device", "sim:dead-ldw411s", "--transcript", transcript);

        Assert.Equal(4, r.Exit);
        Assert.DoesNotContain(Transcripts.Accesses(transcript), l => l.Trim() == "W 1F7 80");
    }

    [Fact]
    public void Erase_of_an_empty_position_is_no_device()
    {
        var r = _cli.Run("erase", "2", "--backup", _cli.PathOf("e.bin"), "--yes", "--device", "sim:dead-ldw411s");

        Assert.Equal(3, r.Exit);
    }

    [Fact]
    public void Erase_without_yes_and_no_terminal_is_cancelled()
    {
        var backup = _cli.PathOf("e.bin");
        var r = _cli.Run("erase", "3", "--backup", backup, "--profile", "LDW-411S", "--device", "sim:update-ldw411s");

        Assert.Equal(10, r.Exit);
        Assert.False(File.Exists(backup));
    }

    [Fact]
    public void Erase_typed_wrong_is_cancelled_before_vendor_mode()
    {
        var transcript = _cli.PathOf("t.txt");
        var r = _cli.Interactive("erase\n", "erase", "3", "--backup", _cli.PathOf("e.bin"), "--device", "sim:update-ldw411s", "--transcript", transcript);

        Assert.Equal(10, r.Exit);
        Assert.Contains("Type ERASE to go on", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(Transcripts.Accesses(transcript), l => l.Trim() == "W 177 80");
    }

    [Fact]
    public void Erase_keeps_the_boot_block_and_saves_the_old_flash_first()
    {
        var transcript = _cli.PathOf("t.txt");
        var backup = _cli.PathOf("e.bin");

        var r = _cli.Interactive("ERASE\n", "erase", "3", "--backup", backup, "--device", "sim:update-ldw411s", "--transcript", transcript);

        Assert.True(r.Exit == 0, r.ToString());
        var old = InitialFlash("update-ldw411s");
        Assert.Equal(old, File.ReadAllBytes(backup));

        // The bench is gone with the run: what the drive read back through the mailbox shows what the erase left.
        var trace = MailboxTrace.Decode(transcript, 0x170);
        Assert.False(trace.ChipErase());
        var erased = trace.SectorErases().ToList();
        Assert.NotEmpty(erased);
        Assert.All(erased, a => Assert.True(a >= BootBlock, $"sector erase at {a:X6}h inside the boot block"));
        Assert.Equal(old.Length, trace.LastRead.Count); // the backup read every byte
        for (uint address = 0; address < old.Length; address++)
        {
            var expected = address < BootBlock ? old[address] : (byte)0xFF;
            if (trace.LastRead[address] != expected)
                Assert.Fail($"flash at {address:X6}h last read {trace.LastRead[address]:X2}h, expected {expected:X2}h");
        }
    }

    [Fact]
    public void Reset_brings_the_drive_back_and_says_what_it_answers()
    {
        var r = _cli.Run("reset", "3", "--device", "sim:update-ldw411s");

        Assert.Equal(0, r.Exit);
        Assert.Contains("it answers as LITE-ON DVDRW LDW-411S FS0F", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Reset_of_a_drive_that_only_runs_boot_code_is_no_device()
    {
        var r = _cli.Run("reset", "3", "--device", "sim:dead-ldw411s");

        Assert.Equal(3, r.Exit);
        Assert.Contains("only with its boot code", r.Out, StringComparison.Ordinal);
        // Finding 10: a non-zero exit always comes with the one error line: stage, what was seen, what to do.
        var line = Assert.Single(r.ErrorLines);
        Assert.StartsWith("error: reset: ", line, StringComparison.Ordinal);
        Assert.Contains("only with its boot code", line, StringComparison.Ordinal);
        Assert.Contains("recoverykit unbrick", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Reset_of_a_drive_that_only_runs_boot_code_is_a_json_error_under_json()
    {
        var r = _cli.Run("reset", "3", "--device", "sim:dead-ldw411s", "--json");

        Assert.Equal(3, r.Exit);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Out);
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal("reset", error.GetProperty("stage").GetString());
        Assert.Equal(3, error.GetProperty("exitCode").GetInt32());
        Assert.Contains("boot code", error.GetProperty("cause").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("advice").GetString()));
        Assert.Single(r.ErrorLines);
    }
}
