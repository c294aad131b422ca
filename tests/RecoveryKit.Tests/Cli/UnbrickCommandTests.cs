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
    public void A_wrong_model_name_is_asked_again_and_q_cancels_with_nothing_erased()
    {
        var transcript = _cli.PathOf("t.txt");
        var r = _cli.Interactive("yes\nLDW-811S\nq\n", "unbrick", "--simulate", "--transcript", transcript);

        Assert.Equal(10, r.Exit);
        Assert.Contains("Type the drive's model name (LDW-411S)", r.Out, StringComparison.Ordinal);
        // Each wrong answer is asked again, saying what is expected; Q is the way out.
        Assert.Contains("'yes' is not LDW-411S.", r.Out, StringComparison.Ordinal);
        Assert.Contains("'LDW-811S' is not LDW-411S.", r.Out, StringComparison.Ordinal);
        Assert.Contains("N/NO/Q to cancel", r.Out, StringComparison.Ordinal);
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
    public void A_wrong_answer_then_the_model_name_writes_the_drive()
    {
        var r = _cli.Interactive("yes\nLDW-411S\n", "unbrick", "--simulate");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("'yes' is not LDW-411S.", r.Out, StringComparison.Ordinal);
        Assert.Contains("The drive is back: LITE-ON DVDRW LDW-411S FS0J.", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Input_ending_before_the_model_name_cancels()
    {
        var r = _cli.Interactive(string.Empty, "unbrick", "--simulate");

        Assert.Equal(10, r.Exit);
        Assert.DoesNotContain("The drive is back", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_bench_is_no_device_with_bios_advice_and_only_the_power_connector_plugged_while_powered()
    {
        var r = _cli.Run("unbrick", "--device", "sim:empty", "--yes");

        Assert.Equal(3, r.Exit);
        var error = Assert.Single(r.ErrorLines);
        Assert.Contains("no optical drive", error, StringComparison.Ordinal);
        Assert.Contains("BIOS", error, StringComparison.Ordinal);
        // docs/recovery-media.md: plug the power connector only, never the data cable while powered.
        Assert.Contains("plug in only the power connector", error, StringComparison.Ordinal);
        Assert.Contains("never the data cable while powered", error, StringComparison.Ordinal);
        Assert.DoesNotContain("hot-plug the cable", r.All, StringComparison.Ordinal);
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
    public void Behind_a_healthy_dvd_rom_only_the_dead_drive_on_4_is_offered()
    {
        var r = _cli.Interactive("SOHW-832S\n", "unbrick", "--device", "sim:dead-sohw832s-slave", "--simulate");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("GDR8163B", r.Out, StringComparison.Ordinal); // the healthy DVD-ROM on 3 is listed
        Assert.DoesNotContain("which drive?", r.Out, StringComparison.Ordinal); // nothing to choose: 3 cannot be picked
        Assert.Contains("Step 2 of 5 — the drive to recover: position 4, secondary slave (0x170).", r.Out, StringComparison.Ordinal);
        Assert.Contains("The drive is back: LITE-ON DVDRW SOHW-832S VS0C.", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void The_healthy_dvd_rom_without_a_profile_is_listed_as_not_pickable_and_gets_no_vendor_command()
    {
        var transcript = _cli.PathOf("t.txt");
        var r = _cli.Run("unbrick", "--device", "sim:dead-sohw832s-slave", "--simulate", "--yes", "--transcript", transcript);

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("GDR8163B 0L23 — no RecoveryKit profile, cannot be picked", r.Out, StringComparison.Ordinal);
        // From the vendor intro on, every device-register write selects the slave (DEV bit 4 set) until the session is
        // over; then the DVD-ROM on master is only identified again (issue 17): IDENTIFY PACKET DEVICE and INQUIRY.
        var fromIntro = Transcripts.Accesses(transcript).SkipWhile(l => l.Trim() != "W 177 80").ToList();
        Assert.NotEmpty(fromIntro);
        var recheck = fromIntro.FindIndex(l => l.StartsWith("W 176 ", StringComparison.Ordinal) && (Convert.ToByte(l.Trim()[6..], 16) & 0x10) == 0);
        Assert.True(recheck > 0, "the DVD-ROM was not identified again after the session");
        var after = fromIntro[recheck..];
        Assert.All(after.Where(l => l.StartsWith("W 177 ", StringComparison.Ordinal)), l => Assert.Contains(l.Trim()[6..], new[] { "A1", "A0" }));
        Assert.Contains("[neighbour] position 3 (secondary master, 0x170): HL-DT-ST DVD-ROM GDR8163B 0L23, unchanged", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_locked_serial_flash_drive_is_offered_and_then_refused_at_the_intro_with_the_lite_on_erase_named_and_nothing_written()
    {
        var dump = Path.Combine(_cli.Dir, "dump");
        var r = _cli.Run("unbrick", "--device", "sim:xbox-dg16d2s", "--simulate", "--yes", "--sim-dump", dump);

        // The SPI drives are written now (issue 13), so the DG-16D2S is offered; this one answers 52h (its flash is not
        // blank: SPI locked, PROTOCOL.md §5b) and is refused at the intro, exit 17, its flash as it was.
        Assert.Contains("Step 2 of 5", r.Out, StringComparison.Ordinal);
        Assert.Equal(17, r.Exit);
        Assert.Contains("--liteon-erase", r.Err, StringComparison.Ordinal);
        Assert.Equal(MtkScenarios.Setups["xbox-dg16d2s"].Setup.InitialFlash(), File.ReadAllBytes(Path.Combine(dump, "3.bin")));
    }

    public static TheoryData<string> EveryBench => [.. SimScenarios.All.Select(s => s.Name)];

    /// <summary>
    /// Issue #14 point 1: nothing offered in a list is then refused. On every practice bench, a drive the wizard picks
    /// (step 2) is never turned away afterwards for what it is: no wrong-device-class exit, no profile, target or
    /// position refusal. Benches without a practice image get the recovery image of the dead LDW-411S bench.
    /// </summary>
    [Theory]
    [MemberData(nameof(EveryBench))]
    public void A_drive_the_wizard_offers_is_never_refused_for_what_it_is(string bench)
    {
        var args = new List<string> { "unbrick", "--device", "sim:" + bench, "--simulate", "--yes" };
        if (SimScenarios.Find(bench)!.RecoveryImage() is null)
        {
            File.WriteAllBytes(_cli.PathOf("other.bin"), SimScenarios.Find("dead-ldw411s")!.RecoveryImage()!);
            args.AddRange(["--image", _cli.PathOf("other.bin")]);
        }
        var r = _cli.Run([.. args]);

        if (!r.Out.Contains("Step 2 of 5", StringComparison.Ordinal) && r.Err.Contains("no one to choose", StringComparison.Ordinal))
        {
            // Two drives and no terminal to ask which (the shared-cable bench): nothing was picked, so nothing was refused.
            Assert.Equal(2, r.Exit);
            Assert.Contains("nothing was erased or written", r.Err, StringComparison.Ordinal);
            return;
        }
        if (!r.Out.Contains("Step 2 of 5", StringComparison.Ordinal))
        {
            // Nothing was offered: the bench has no drive to recover, said as no device before anything is sent.
            Assert.Equal(3, r.Exit);
            Assert.Contains("nothing was erased or written", r.Err, StringComparison.Ordinal);
            return;
        }
        Assert.NotEqual(4, r.Exit);
        Assert.DoesNotContain(r.ErrorLines, l => l.StartsWith("error: profile:", StringComparison.Ordinal)
            || l.StartsWith("error: target:", StringComparison.Ordinal) || l.StartsWith("error: position:", StringComparison.Ordinal));
    }
}
