using RecoveryKit.MediaTek;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Emulation.Faults;

namespace RecoveryKit.Tests.Emulation.Faults;

/// <summary>
/// Issue 13: the fault kinds of the campaign (scripts/faults.sh) on the JungleFlasher-era drives, each a practice
/// scenario's own virtual drive, with fixed seeds. Each run is judged from the virtual drive's flash: every sector the
/// failure reports old, new or erased holds exactly that, the next run leaves the image in the flash, and the drive's
/// key block is its own at the end.
/// </summary>
public sealed class JungleFlasherDriveFaultTests
{
    [Theory]
    [InlineData("dead-dg16d2s", 158)]
    [InlineData("dead-dg16d4s", 81)]
    [InlineData("blank-vad6038", 466)]
    [InlineData("dead-ts-h943a", 52000)]
    public void A_power_cut_during_a_page_program_leaves_the_reported_sector_states_true_and_the_next_run_writes_the_image(string scenario, long nth)
    {
        using var rig = new ScenarioFaultRig(scenario);
        var cut = new PowerLossDuring(rig.Channel, rig.Drive.Memory, FlashOperation.Program, nth);
        rig.Channel.Observer = cut;

        var failure = rig.FlashFails();

        Assert.True(cut.Fired, "the power was never cut");
        Assert.Equal(FailureKind.WriteFailed, failure.Kind);
        Assert.NotNull(failure.SectorStates);
        Assert.Contains(failure.SectorStates, s => s == RecoveryKit.MediaTek.SectorState.Unknown); // the page being programmed
        rig.AssertReportedStatesHold(failure);

        rig.Channel.Observer = null;
        rig.Flash();

        Assert.Equal(rig.Expected, rig.FlashNow);
        Assert.Equal(rig.ExpectedKeyBlock, rig.KeyBlockNow);
    }

    [Theory]
    [InlineData("dead-dg16d4s", 1)]
    [InlineData("dead-ts-h943a", 2)]
    public void A_power_cut_during_a_sector_erase_leaves_the_reported_sector_states_true_and_the_next_run_writes_the_image(string scenario, long nth)
    {
        using var rig = new ScenarioFaultRig(scenario);
        var cut = new PowerLossDuring(rig.Channel, rig.Drive.Memory, FlashOperation.SectorErase, nth);
        rig.Channel.Observer = cut;

        var failure = rig.FlashFails();

        Assert.True(cut.Fired, "the power was never cut");
        Assert.Equal(FailureKind.WriteFailed, failure.Kind);
        rig.AssertReportedStatesHold(failure);

        rig.Channel.Observer = null;
        rig.Flash();

        Assert.Equal(rig.Expected, rig.FlashNow);
        Assert.Equal(rig.ExpectedKeyBlock, rig.KeyBlockNow);
    }

    [Fact]
    public void A_power_cut_during_an_erase_on_a_DG_16D2S_flashed_again_after_a_stopped_run_is_recovered_by_the_next_run()
    {
        // A blank DG-16D2S erases nothing on its first run; its erases come when it is flashed again after a stopped
        // write of another firmware (first sector still blank, so it answers 72h).
        var setup = MtkScenarios.Setups["dead-dg16d2s"].Setup;
        var foreign = RecoveryKit.Firmware.SyntheticImage.Build(setup.Family, setup.FlashSize, "X999", 999);
        foreign.AsSpan(0, 0x1000).Fill(0xFF);
        using var rig = new ScenarioFaultRig("dead-dg16d2s", flash: foreign);
        var cut = new PowerLossDuring(rig.Channel, rig.Drive.Memory, FlashOperation.SectorErase, 10);
        rig.Channel.Observer = cut;

        var failure = rig.FlashFails();

        Assert.True(cut.Fired, "the power was never cut");
        rig.AssertReportedStatesHold(failure);
        rig.Channel.Observer = null;
        rig.Flash();
        Assert.Equal(rig.Expected, rig.FlashNow);
    }

    [Theory]
    [InlineData("dead-dg16d2s", 119719)]
    [InlineData("dead-dg16d4s", 40000)]
    [InlineData("blank-vad6038", 119276)]
    [InlineData("dead-ts-h943a", 200000)]
    public void A_lost_buffer_write_is_caught_and_rewritten_before_the_run_ends(string scenario, long dropped)
    {
        using var rig = new ScenarioFaultRig(scenario, new MtkFaultPlan { Seed = 1000, DropWriteNumber = dropped });

        var outcome = rig.Flash();

        Assert.Equal(rig.Expected, rig.FlashNow);
        Assert.Equal(rig.ExpectedKeyBlock, rig.KeyBlockNow);
        var writes = rig.Drive.Spi?.BufferWrites ?? rig.Drive.MailboxWrites;
        Assert.True(writes >= dropped, $"only {writes} writes: the fault never fired");
        Assert.True(outcome.Report.Retries >= 1, "the lost write should have cost a rewrite");
    }

    [Theory]
    [InlineData("dead-dg16d2s", 300000)]
    [InlineData("dead-dg16d4s", 600000)]
    [InlineData("blank-vad6038", 500000)]
    [InlineData("dead-ts-h943a", 400000)]
    public void A_flipped_buffer_read_bit_never_reaches_the_flash_or_a_verdict(string scenario, long flipped)
    {
        using var rig = new ScenarioFaultRig(scenario, new MtkFaultPlan { Seed = 1000, FlipReadNumber = flipped });

        rig.Flash();

        Assert.Equal(rig.Expected, rig.FlashNow);
        Assert.Equal(rig.ExpectedKeyBlock, rig.KeyBlockNow);
        var reads = rig.Drive.Spi?.BufferReads ?? rig.Drive.MailboxReads;
        Assert.True(reads >= flipped, $"only {reads} reads: the fault never fired");
    }

    [Theory]
    [InlineData("dead-dg16d2s", 2056)]
    [InlineData("dead-dg16d4s", 3000)]
    [InlineData("blank-vad6038", 4522)]
    [InlineData("dead-ts-h943a", 150000)]
    public void A_drive_that_hangs_after_N_executes_fails_typed_with_true_sector_states_and_is_recovered_after_a_power_cycle(string scenario, long executes)
    {
        var faults = new MtkFaultPlan { Seed = 1000, StuckBusyAfterCommits = executes };
        using var rig = new ScenarioFaultRig(scenario, faults);

        var failure = rig.FlashFails();

        rig.AssertReportedStatesHold(failure);
        faults.StuckBusyAfterCommits = 0;
        rig.Channel.PowerCycle();
        rig.Flash();
        Assert.Equal(rig.Expected, rig.FlashNow);
        Assert.Equal(rig.ExpectedKeyBlock, rig.KeyBlockNow);
    }

    /// <summary>
    /// Was a host bug found by the campaign, fixed by the key-block journal (MediaTek/KeyJournal.cs). On the W25P20 (64 KiB
    /// erase sectors) the key sector 3E000h shares the last sector with firmware the update changes, so the plan erases
    /// it. A run cut there leaves the key sector erased or half erased (erase 3 of 4; campaign power-loss-erase seed 1004)
    /// or still blank while the sector is reprogrammed (page program 468 of 605; power-loss-program seeds 1000, 1001, 1006,
    /// 1008, 1011). The next run took its "drive key block" from that flash: it kept the half-erased bytes (3E000h held
    /// F7 FD F6 9D FF…, each the drive's key byte with bits set, where the key is B7 D5 F6 94 37…) or, finding it blank,
    /// wrote the IMAGE's key sector (B7 01 59 EA…, another drive's) without --take-image-key, although a verified backup
    /// of it had been written twice before the erase. Now the next run finds the journal, sees a key block that reads like
    /// a cut erase or program of the journalled key, and takes the key from that backup.
    /// </summary>
    [Theory]
    [InlineData(FlashOperation.SectorErase, 3)]
    [InlineData(FlashOperation.Program, 468)]
    public void A_power_cut_in_the_sector_holding_the_key_sector_does_not_cost_the_drive_its_key(FlashOperation operation, int nth)
    {
        using var rig = new ScenarioFaultRig("dead-dg16d4s");
        var cut = new PowerLossDuring(rig.Channel, rig.Drive.Memory, operation, nth);
        rig.Channel.Observer = cut;

        var failure = rig.FlashFails();

        Assert.True(cut.Fired);
        rig.AssertReportedStatesHold(failure);
        rig.Channel.Observer = null;
        rig.Flash();
        Assert.Equal(rig.ExpectedKeyBlock, rig.KeyBlockNow);
        Assert.Equal(rig.Expected, rig.FlashNow);
    }

    /// <summary>
    /// Found by the campaign (dead-dg16d4s power-loss-program seeds 1004, 1007, 1014: the cut falls in the program of
    /// the first page, which FlashSession writes last and alone): the first 200h bytes are neither blank nor right, so
    /// the slim drive answers 52h (as the emulator models every Lite-On drive, PROTOCOL.md §3 [F]) and every later run
    /// is refused at the intro (FlashProtected), while the DG-16D4S profile lists no Lite-On erase: RecoveryKit offers
    /// no way back although it held a verified backup. 52h is [R] on a slim drive, so --try-locked now takes it as vendor
    /// mode (after reading the chip and the first 200h bytes, which are not blank here) and the run recovers the drive.
    /// (On the phat DG-16D2S the Lite-On erase with the backup recovers the same cut too.)
    /// </summary>
    [Fact]
    public void A_power_cut_during_the_program_of_the_first_page_of_a_DG_16D4S_leaves_a_drive_RecoveryKit_can_still_recover()
    {
        using var rig = new ScenarioFaultRig("dead-dg16d4s");
        var cut = new PowerLossDuring(rig.Channel, rig.Drive.Memory, FlashOperation.Program, 566);
        rig.Channel.Observer = cut;

        var failure = rig.FlashFails();

        Assert.True(cut.Fired);
        rig.AssertReportedStatesHold(failure);
        rig.Channel.Observer = null;
        // The drive now answers 52h: refused by default (exit 17, the advice names --try-locked), recovered with it.
        var refused = rig.FlashFails();
        Assert.Equal(FailureKind.FlashProtected, refused.Kind);
        Assert.Contains("--try-locked", refused.Advice, StringComparison.Ordinal);
        Assert.DoesNotContain("liteon-erase", refused.Advice, StringComparison.Ordinal); // a slim drive has no known erase trigger
        rig.Flash(tryLocked: true);
        Assert.Equal(rig.Expected, rig.FlashNow);
        Assert.Equal(rig.ExpectedKeyBlock, rig.KeyBlockNow);
    }

    [Fact]
    public void A_journal_of_another_drive_is_left_alone_and_this_drives_intact_key_is_kept()
    {
        using var rig = new ScenarioFaultRig("dead-dg16d4s");
        var other = rig.Old.ToArray();
        other[rig.Setup.KeyBlockAt!.Value] ^= 0x5A; // another drive of the same model: its key differs
        var block = rig.Setup.Family.KeyBlock!;
        var otherBackup = Path.Combine(rig.KeyJournalFolder, "other-backup.bin");
        Directory.CreateDirectory(rig.KeyJournalFolder);
        File.WriteAllBytes(otherBackup, other);
        var journal = new KeyJournal(rig.Setup.DriveProfile.Name, block.Start, block.Length, block.Hash(other), otherBackup, null, KeyJournal.Sha256(other));
        KeyJournal.Write(journal.PathIn(rig.KeyJournalFolder), journal);

        rig.Flash();

        Assert.Equal(rig.ExpectedKeyBlock, rig.KeyBlockNow);
        Assert.Equal(rig.Expected, rig.FlashNow);
        Assert.Equal([journal], KeyJournal.ReadAll(rig.KeyJournalFolder, rig.Setup.DriveProfile.Name).Select(j => j.Journal));
    }

    [Fact]
    public void A_run_that_rewrites_the_key_sector_leaves_no_journal_behind()
    {
        using var rig = new ScenarioFaultRig("dead-dg16d4s");

        var outcome = rig.Flash();

        var key = rig.Setup.Family.KeyBlock!;
        Assert.Contains(outcome.Plan.Sectors, s => s.Action != SectorAction.Keep && key.Overlaps((int)s.Sector.Start, s.Sector.Size)); // the key pass ran
        Assert.Equal(rig.ExpectedKeyBlock, rig.KeyBlockNow);
        Assert.Empty(KeyJournal.ReadAll(rig.KeyJournalFolder, rig.Setup.DriveProfile.Name));
    }
}
