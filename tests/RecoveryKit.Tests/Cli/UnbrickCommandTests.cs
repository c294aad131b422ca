using RecoveryKit.Emulation;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Cli;

/// <summary><c>recoverykit unbrick</c>: the wizard, driven by --yes or by scripted answers.</summary>
public sealed class UnbrickCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private string PracticeFolder => _cli.PathOf("recoverykit-practice");

    [Fact]
    public void Simulate_with_yes_and_no_terminal_recovers_the_practice_drive_end_to_end()
    {
        var r = _cli.Run("unbrick", "--simulate", "--yes");

        Assert.True(r.Exit == 0, r.ToString());
        for (var step = 1; step <= 5; step++)
            Assert.Contains($"Step {step} of 5", r.Out, StringComparison.Ordinal);
        Assert.Contains("The drive is back: LITE-ON DVDRW LDW-411S FS0J.", r.Out, StringComparison.Ordinal);
        Assert.Equal(string.Empty, r.Err);

        var practice = Path.Combine(PracticeFolder, "dead-ldw411s.bin");
        Assert.Equal(SimScenarios.Find("dead-ldw411s")!.RecoveryImage(), File.ReadAllBytes(practice));
        var backup = Assert.Single(Directory.GetFiles(PracticeFolder, "dead-ldw411s-backup-*.bin"));
        Assert.Equal(MtkScenarios.Setups["dead-ldw411s"].Setup.InitialFlash(), File.ReadAllBytes(backup));
        Assert.True(File.Exists(_cli.LastLog));
    }

    [Fact]
    public void Simulate_without_yes_and_no_terminal_is_cancelled_before_touching_anything()
    {
        var r = _cli.Run("unbrick", "--simulate", "--transcript", _cli.PathOf("t.txt"));

        Assert.Equal(10, r.Exit);
        Assert.Contains("--yes", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
        Assert.DoesNotContain("Step 1", r.Out, StringComparison.Ordinal);
        Assert.False(Directory.Exists(PracticeFolder));
    }

    [Fact]
    public void Typing_the_model_name_confirms_the_write()
    {
        var transcript = _cli.PathOf("t.txt");
        var r = _cli.Interactive("LDW-411S\n", "unbrick", "--simulate", "--transcript", transcript);

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("Type the drive's model name (LDW-411S)", r.Out, StringComparison.Ordinal);
        Assert.Contains("Plan:", r.Out, StringComparison.Ordinal);
        Assert.Contains("The drive is back: LITE-ON DVDRW LDW-411S FS0J.", r.Out, StringComparison.Ordinal);
        Assert.NotEmpty(MailboxTrace.Decode(transcript, 0x170).SectorErases()); // the confirmed run erases and writes
    }

    [Fact]
    public void A_wrong_model_name_cancels_and_erases_nothing()
    {
        var transcript = _cli.PathOf("t.txt");
        var r = _cli.Interactive("LDW-811S\n", "unbrick", "--simulate", "--transcript", transcript);

        Assert.Equal(10, r.Exit);
        Assert.Contains("Type the drive's model name (LDW-411S)", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("The drive is back", r.Out, StringComparison.Ordinal);
        Assert.Single(r.ErrorLines);
        // The chip was identified and backed up through the mailbox, but only the ID and reset cycles were written:
        // no erase (80h … 30h) and no program data went to the flash.
        var trace = MailboxTrace.Decode(transcript, 0x170);
        Assert.NotEmpty(trace.Writes);
        Assert.All(trace.Writes, w => Assert.Contains(w.Data, new byte[] { 0xAA, 0x55, 0x90, 0xF0 }));
        Assert.Empty(trace.SectorErases());
    }

    [Fact]
    public void Input_ending_before_the_model_name_cancels()
    {
        var r = _cli.Interactive(string.Empty, "unbrick", "--simulate");

        Assert.Equal(10, r.Exit);
        Assert.DoesNotContain("The drive is back", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_bench_is_no_device_with_bios_and_hot_plug_advice()
    {
        var r = _cli.Run("unbrick", "--device", "sim:empty", "--yes");

        Assert.Equal(3, r.Exit);
        var error = Assert.Single(r.ErrorLines);
        Assert.Contains("no optical drive", error, StringComparison.Ordinal);
        Assert.Contains("BIOS", error, StringComparison.Ordinal);
        Assert.Contains("hot-plug", error, StringComparison.Ordinal);
        Assert.Contains("Drive state: unchanged", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_refuses_real_ports_as_a_usage_error()
    {
        var r = _cli.Run("unbrick", "--simulate", "--device", "ports", "--yes");

        Assert.Equal(2, r.Exit);
        Assert.Contains("--simulate works on virtual benches only", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void With_two_optical_drives_the_technician_picks_the_dead_one_on_4()
    {
        var r = _cli.Interactive("4\nSOHW-832S\n", "unbrick", "--device", "sim:dead-sohw832s-slave", "--simulate");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("which drive? (3, 4)", r.Out, StringComparison.Ordinal);
        Assert.Contains("GDR8163B", r.Out, StringComparison.Ordinal); // the healthy DVD-ROM on 3 is listed
        Assert.Contains("position 4 (secondary slave, 0x170)", r.Out, StringComparison.Ordinal);
        Assert.Contains("The drive is back: LITE-ON DVDRW SOHW-832S VS0C.", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void With_two_optical_drives_and_no_terminal_it_names_the_flash_command_instead_of_guessing()
    {
        var r = _cli.Run("unbrick", "--device", "sim:dead-sohw832s-slave", "--simulate", "--yes");

        Assert.Equal(2, r.Exit);
        Assert.Contains("2 optical drives found", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void The_healthy_dvd_rom_without_a_profile_cannot_be_picked_and_gets_no_vendor_command()
    {
        var transcript = _cli.PathOf("t.txt");
        var r = _cli.Interactive("3\nSOHW-832S\n", "unbrick", "--device", "sim:dead-sohw832s-slave", "--simulate", "--transcript", transcript);

        Assert.Equal(4, r.Exit);
        Assert.Contains("GDR8163B 0L23 — no RecoveryKit profile, cannot be picked", r.Out, StringComparison.Ordinal);
        Assert.Contains("no RecoveryKit profile covers; nothing was sent to it", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
        Assert.DoesNotContain("[vendor-intro]", r.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(transcript) && Transcripts.Accesses(transcript).Any(l => l.Trim() == "W 177 80"));
    }

    [Fact]
    public void Picking_a_position_that_is_not_listed_cancels()
    {
        var r = _cli.Interactive("1\n", "unbrick", "--device", "sim:dead-sohw832s-slave", "--simulate");

        Assert.Equal(10, r.Exit);
        Assert.Contains("'1' is not one of the optical drives listed", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
    }
}
