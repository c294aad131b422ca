using RecoveryKit.Emulation;
using RecoveryKit.Firmware;

namespace RecoveryKit.Tests.Cli;

/// <summary>
/// The JungleFlasher-era drives end to end through the command line, on the emulator branch's virtual drives
/// (spiemu). Every verdict is read from the virtual drive's final flash (--sim-dump), never from RecoveryKit's report;
/// the key block's place is PROTOCOL.md §7's (1FF00h, 20 bytes; 3E000h, 4 KiB on slim drives).
/// </summary>
public sealed class JungleFlasherDriveTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private string Image(string scenario)
    {
        var path = _cli.PathOf($"{scenario}.bin");
        if (!File.Exists(path))
            Assert.Equal(0, _cli.Run("sim-image", scenario, "-o", path).Exit);
        return path;
    }

    private static byte[] Initial(string scenario) => MtkScenarios.Setups[scenario].Setup.InitialFlash();

    private byte[] Dump(string dir) => File.ReadAllBytes(Path.Combine(dir, "3.bin"));

    private string NewDump() => _cli.PathOf("dump-" + Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData("dead-dg16d2s")]
    [InlineData("dead-dg16d5s")]
    [InlineData("blank-vad6038")]
    [InlineData("dead-ts-h943a")]
    public void A_dead_drive_is_recovered_and_its_flash_holds_the_image_outside_its_own_key_block(string scenario)
    {
        var image = File.ReadAllBytes(Image(scenario));
        var dump = NewDump();

        var r = _cli.Run("flash", "3", Image(scenario), "--yes", "--write-bootcode", "--yes-bootcode", "--device", "sim:" + scenario, "--sim-dump", dump);

        Assert.True(r.Exit == 0, r.ToString());
        var flash = Dump(dump);
        var family = MtkScenarios.Setups[scenario].Setup.Family;
        if (family.KeyBlock is { } key && !key.IsBlank(Initial(scenario)))
        {
            Assert.Equal(key.Of(Initial(scenario)).ToArray(), key.Of(flash).ToArray());
            Array.Copy(flash, key.Start, image, key.Start, key.Length);
        }
        Assert.Equal(image, flash);
    }

    [Theory]
    [InlineData("dead-dg16d4s", true)]
    [InlineData("dead-dg16d4s", false)]
    [InlineData("dead-dg16d5s", true)]
    [InlineData("dead-dg16d5s", false)]
    public void A_slim_drive_keeps_its_own_key_sector_when_the_image_carries_another_drives(string scenario, bool bootFlags)
    {
        var image = File.ReadAllBytes(Image(scenario));
        var initial = Initial(scenario);
        var dump = NewDump();
        Assert.NotEqual(initial.AsSpan(0x3E000, 0x1000).ToArray(), image.AsSpan(0x3E000, 0x1000).ToArray());

        // The boot-code flags write nothing more on these drives (no flash boot block) and never let the image's key in.
        string[] boot = bootFlags ? ["--write-bootcode", "--yes-bootcode"] : [];
        var r = _cli.Run(["flash", "3", Image(scenario), "--yes", .. boot, "--device", "sim:" + scenario, "--sim-dump", dump]);

        Assert.True(r.Exit == 0, r.ToString());
        var flash = Dump(dump);
        Assert.Equal(initial.AsSpan(0x3E000, 0x1000).ToArray(), flash.AsSpan(0x3E000, 0x1000).ToArray());
        Assert.Equal(image.AsSpan(0, 0x3E000).ToArray(), flash.AsSpan(0, 0x3E000).ToArray());
        Assert.Equal(image.AsSpan(0x3F000).ToArray(), flash.AsSpan(0x3F000).ToArray());
        Assert.Contains("is kept", r.Out, StringComparison.Ordinal);
        // Hash only: the key sector's bytes never reach the output.
        Assert.DoesNotContain(Convert.ToHexString(initial.AsSpan(0x3E000, 8)), r.All, StringComparison.OrdinalIgnoreCase);
        // Written twice: beside the image and in the data folder (here beside the session log), the same bytes.
        var backups = Directory.GetFiles(_cli.Dir, $"{scenario}-backup-*.bin");
        var copies = Directory.GetFiles(Path.Combine(_cli.Dir, "backups"), $"{scenario}-backup-*.bin");
        Assert.Equal(initial, File.ReadAllBytes(Assert.Single(backups)));
        Assert.Equal(initial, File.ReadAllBytes(Assert.Single(copies)));
    }

    [Fact]
    public void Take_image_key_writes_the_images_key_only_after_its_own_confirmation_which_yes_does_not_give()
    {
        var image = File.ReadAllBytes(Image("dead-dg16d4s"));
        var initial = Initial("dead-dg16d4s");
        var refusedDump = NewDump();
        var takenDump = NewDump();

        var refused = _cli.Run("flash", "3", Image("dead-dg16d4s"), "--yes", "--write-bootcode", "--yes-bootcode", "--take-image-key", "--device", "sim:dead-dg16d4s", "--sim-dump", refusedDump);
        var taken = _cli.Run("flash", "3", Image("dead-dg16d4s"), "--yes", "--write-bootcode", "--yes-bootcode", "--take-image-key", "--yes-image-key", "--device", "sim:dead-dg16d4s", "--sim-dump", takenDump);

        Assert.Equal(10, refused.Exit);
        Assert.Equal(initial, Dump(refusedDump));
        Assert.True(taken.Exit == 0, taken.ToString());
        Assert.Equal(image, Dump(takenDump));
    }

    [Fact]
    public void Take_image_key_typed_KEY_at_the_prompt_replaces_the_key_and_another_answer_keeps_the_drive_untouched()
    {
        var image = File.ReadAllBytes(Image("dead-dg16d4s"));
        var typedDump = NewDump();
        var declinedDump = NewDump();

        var typed = _cli.Interactive("KEY\nYES\nBOOTCODE\n", "flash", "3", Image("dead-dg16d4s"), "--write-bootcode", "--take-image-key", "--device", "sim:dead-dg16d4s", "--sim-dump", typedDump);
        var declined = _cli.Interactive("n\n", "flash", "3", Image("dead-dg16d4s"), "--write-bootcode", "--take-image-key", "--device", "sim:dead-dg16d4s", "--sim-dump", declinedDump);

        Assert.True(typed.Exit == 0, typed.ToString());
        Assert.Equal(image, Dump(typedDump));
        Assert.Equal(10, declined.Exit);
        Assert.Equal(Initial("dead-dg16d4s"), Dump(declinedDump));
    }

    [Fact]
    public void A_locked_drive_52h_is_refused_at_the_intro_naming_the_liteon_erase_and_nothing_changes()
    {
        var dump = NewDump();

        var r = _cli.Run("flash", "3", Image("locked-dg16d2s"), "--yes", "--device", "sim:locked-dg16d2s", "--sim-dump", dump);

        Assert.Equal(17, r.Exit);
        Assert.Contains("52h", r.Err, StringComparison.Ordinal);
        Assert.Contains("--liteon-erase", r.Err, StringComparison.Ordinal);
        Assert.Contains("--try-locked", r.Err, StringComparison.Ordinal);
        Assert.Contains("answered the intro with 52h", r.ToString(), StringComparison.Ordinal); // not "power-cycle it": that changes nothing here
        Assert.Equal(Initial("locked-dg16d2s"), Dump(dump));
    }

    [Fact]
    public void Try_locked_recovers_a_52h_drive_in_one_run_and_keeps_its_own_key_block()
    {
        var image = File.ReadAllBytes(Image("locked-dg16d2s"));
        var initial = Initial("locked-dg16d2s");
        var dump = NewDump();

        var r = _cli.Run("flash", "3", Image("locked-dg16d2s"), "--yes", "--try-locked", "--device", "sim:locked-dg16d2s", "--sim-dump", dump);

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("WARNING", r.Out, StringComparison.Ordinal);
        var flash = Dump(dump);
        // PROTOCOL.md §7: the key block is 20 bytes at 1FF00h; everything else is the image's.
        Assert.Equal(initial.AsSpan(0x1FF00, 20).ToArray(), flash.AsSpan(0x1FF00, 20).ToArray());
        Assert.NotEqual(image.AsSpan(0x1FF00, 20).ToArray(), flash.AsSpan(0x1FF00, 20).ToArray());
        Array.Copy(initial, 0x1FF00, image, 0x1FF00, 20);
        Assert.Equal(image, flash);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Try_locked_stops_before_any_erase_when_the_lock_hides_the_flash(bool chipNamed)
    {
        var variant = _cli.PathOf("hides.json");
        File.WriteAllText(variant, """{ "lockedHidesFlash": true }""");
        var dump = NewDump();
        var transcript = _cli.PathOf($"hidden-{chipNamed}.txt");
        string[] args = ["flash", "3", Image("locked-dg16d2s"), "--yes", "--try-locked", "--device", "sim:locked-dg16d2s", "--variant", variant,
            "--sim-dump", dump, "--transcript", transcript];

        var r = _cli.Run(chipNamed ? [.. args, "--flash-chip", "SST25VF020"] : args);

        Assert.Equal(17, r.Exit);
        Assert.Contains("hides the flash", r.Err, StringComparison.Ordinal);
        Assert.Equal(Initial("locked-dg16d2s"), Dump(dump));
        Assert.DoesNotContain(new RecoveryKit.Profiles.VendorTrigger(0x2E, 0x80), NoEraseTriggerTests.DeliveredPairs(transcript));
    }

    [Fact]
    public void Try_locked_does_not_lift_a_status_register_held_by_WP()
    {
        var dump = NewDump();

        var r = _cli.Run("flash", "3", Image("wp-locked-dg16d2s"), "--yes", "--try-locked", "--device", "sim:wp-locked-dg16d2s", "--sim-dump", dump);

        Assert.Equal(17, r.Exit);
        Assert.Contains("SRWD", r.Err, StringComparison.Ordinal);
        Assert.Equal(Initial("wp-locked-dg16d2s"), Dump(dump));
    }

    [Fact]
    public void The_liteon_erase_refuses_without_a_backup_and_sends_nothing()
    {
        var dump = NewDump();
        var transcript = _cli.PathOf("t.txt");

        var r = _cli.Run("erase", "3", "--liteon-erase", "--yes", "--device", "sim:locked-dg16d2s", "--sim-dump", dump, "--transcript", transcript);

        Assert.Equal(2, r.Exit);
        Assert.Contains("--no-backup-possible", r.Err, StringComparison.Ordinal);
        Assert.Equal(Initial("locked-dg16d2s"), Dump(dump));
        Assert.DoesNotContain(new RecoveryKit.Profiles.VendorTrigger(0x2E, 0x80), NoEraseTriggerTests.DeliveredPairs(transcript));
    }

    [Fact]
    public void A_locked_drive_with_its_backup_is_erased_by_the_trigger_and_flashed_back_to_its_own_flash_key_included()
    {
        var initial = Initial("locked-dg16d2s");
        var backup = _cli.PathOf("own-backup.bin");
        File.WriteAllBytes(backup, initial); // what the technician saved from this drive while it still worked
        var erasedDump = NewDump();
        var transcript = _cli.PathOf("erase.txt");

        var erase = _cli.Run("erase", "3", "--liteon-erase", "--drive-backup", backup, "--yes", "--device", "sim:locked-dg16d2s", "--sim-dump", erasedDump, "--transcript", transcript);

        Assert.True(erase.Exit == 0, erase.ToString());
        Assert.DoesNotContain(Dump(erasedDump), b => b != 0xFF);
        Assert.Contains(new RecoveryKit.Profiles.VendorTrigger(0x2E, 0x80), NoEraseTriggerTests.DeliveredPairs(transcript));
        Assert.Contains("72h", erase.Out, StringComparison.Ordinal);
        Assert.Contains($"recoverykit flash 3 {backup}", erase.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("--write-bootcode", erase.Out, StringComparison.Ordinal); // an SPI drive has no boot block in its flash

        // The same virtual drive, as the erase left it, gets its backup back (the command the erase printed).
        var restoredDump = NewDump();
        var flash = _cli.Run("flash", "3", backup, "--yes", "--device", "sim:locked-dg16d2s", "--sim-load", erasedDump, "--sim-dump", restoredDump);

        Assert.True(flash.Exit == 0, flash.ToString());
        Assert.Equal(initial, Dump(restoredDump));
    }

    [Fact]
    public void Sim_load_starts_the_virtual_drive_from_a_dump_so_an_erased_drive_scans_as_boot_code_only()
    {
        var blank = NewDump();
        Directory.CreateDirectory(blank);
        File.WriteAllBytes(Path.Combine(blank, "3.bin"), Enumerable.Repeat((byte)0xFF, Initial("locked-dg16d2s").Length).ToArray());

        var before = _cli.Run("scan", "--device", "sim:locked-dg16d2s");
        var after = _cli.Run("scan", "--device", "sim:locked-dg16d2s", "--sim-load", blank);

        Assert.Equal(0, before.Exit);
        Assert.Equal(0, after.Exit);
        Assert.Contains("DG-16D2S", before.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("DG-16D2S", after.Out, StringComparison.Ordinal);
        Assert.Contains("boot code only", after.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing-folder")]
    [InlineData("wrong-size")]
    [InlineData("no-drive-there")]
    public void Sim_load_refuses_a_folder_that_is_not_a_dump_of_this_bench_with_a_usage_error(string what)
    {
        var dir = NewDump();
        if (what != "missing-folder")
        {
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, what == "wrong-size" ? "3.bin" : "1.bin"), new byte[1000]);
        }

        var r = _cli.Run("scan", "--device", "sim:locked-dg16d2s", "--sim-load", dir);

        Assert.Equal(2, r.Exit);
        Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains("--sim-load", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void With_the_key_block_blank_the_image_must_be_the_drives_own_backup_and_the_run_says_so()
    {
        var dump = NewDump();

        var r = _cli.Run("flash", "3", Image("dead-dg16d2s"), "--yes", "--write-bootcode", "--yes-bootcode", "--device", "sim:dead-dg16d2s", "--sim-dump", dump);

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("must be this drive's own backup", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_status_register_held_by_WP_is_refused_with_its_cause_before_any_erase()
    {
        var dump = NewDump();
        // The drive is let into vendor mode (a variant answers 72h although its first bytes are not blank), so the run
        // reaches the chip: SRWD set with WP# held low, which WRSR 00h cannot clear.
        var r = _cli.Run("flash", "3", Image("wp-locked-dg16d2s"), "--yes", "--write-bootcode", "--yes-bootcode", "--device", "sim:wp-locked-dg16d2s",
            "--variant", Variant("""{ "introStatus": "72" }"""), "--sim-dump", dump);

        Assert.Equal(17, r.Exit);
        Assert.Contains("WP#", r.Err, StringComparison.Ordinal);
        Assert.Contains("SRWD", r.Err, StringComparison.Ordinal);
        Assert.Equal(Initial("wp-locked-dg16d2s"), Dump(dump));
    }

    [Fact]
    public void Unbrick_recovers_a_slim_drive_and_keeps_its_key_sector()
    {
        var image = File.ReadAllBytes(Image("dead-dg16d5s"));
        var initial = Initial("dead-dg16d5s");
        var dump = NewDump();

        var r = _cli.Run("unbrick", "--device", "sim:dead-dg16d5s", "--image", Image("dead-dg16d5s"), "--yes", "--write-bootcode", "--yes-bootcode", "--sim-dump", dump);

        Assert.True(r.Exit == 0, r.ToString());
        var flash = Dump(dump);
        Assert.Equal(initial.AsSpan(0x3E000, 0x1000).ToArray(), flash.AsSpan(0x3E000, 0x1000).ToArray());
        Assert.Equal(image.AsSpan(0, 0x3E000).ToArray(), flash.AsSpan(0, 0x3E000).ToArray());
    }

    [Theory]
    [InlineData("dead-dg16d4s", "DG-16D4S", "W25P20")]
    [InlineData("blank-vad6038", "VAD6038", "MX25L2005")]
    [InlineData("dead-ts-h943a", "TS-H943A", "SST39SF020A")]
    public void Identify_chip_names_the_part_behind_each_framing(string scenario, string profile, string chip)
    {
        var r = _cli.Run("identify", "3", "--chip", "--profile", profile, "--device", "sim:" + scenario);

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains($"Flash chip: ", r.Out, StringComparison.Ordinal);
        Assert.Contains(chip, r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void The_key_sectors_pass_is_journalled_in_the_data_folder_and_the_journal_is_gone_when_it_is_written()
    {
        var r = _cli.Run("flash", "3", Image("dead-dg16d4s"), "--yes", "--device", "sim:dead-dg16d4s");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("[key-block] journal ", r.Out, StringComparison.Ordinal);
        var keys = Path.Combine(_cli.Dir, "keys");
        Assert.True(Directory.Exists(keys));
        Assert.Empty(Directory.EnumerateFiles(keys, "*.pending"));
    }

    /// <summary>
    /// What a cut in the key pass leaves (the fault campaign's dead-dg16d4s finding): the key sector (3E000h, 4 KiB,
    /// PROTOCOL.md §5b) blank, the backup taken before it (the drive's own key) in the data folder, and the journal.
    /// </summary>
    private (string State, byte[] Own) CutInTheKeyPass()
    {
        var own = Initial("dead-dg16d4s");
        var cut = own.ToArray();
        cut.AsSpan(0x3E000, 0x1000).Fill(0xFF);
        var state = NewDump();
        Directory.CreateDirectory(state);
        File.WriteAllBytes(Path.Combine(state, "3.bin"), cut);
        var backup = _cli.PathOf("earlier-backup.bin");
        File.WriteAllBytes(backup, own);
        var block = MtkScenarios.Setups["dead-dg16d4s"].Setup.Family.KeyBlock!;
        var journal = new RecoveryKit.MediaTek.KeyJournal("DG-16D4S", 0x3E000, 0x1000, block.Hash(own), backup, null, RecoveryKit.MediaTek.KeyJournal.Sha256(own));
        RecoveryKit.MediaTek.KeyJournal.Write(journal.PathIn(Path.Combine(_cli.Dir, "keys")), journal);
        return (state, own);
    }

    [Fact]
    public void After_a_run_stopped_in_the_key_sectors_pass_the_next_run_writes_the_drives_own_key_from_the_journalled_backup()
    {
        var (state, own) = CutInTheKeyPass();
        var dump = NewDump();

        var r = _cli.Run("flash", "3", Image("dead-dg16d4s"), "--yes", "--device", "sim:dead-dg16d4s", "--sim-load", state, "--sim-dump", dump);

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Equal(own.AsSpan(0x3E000, 0x1000).ToArray(), Dump(dump).AsSpan(0x3E000, 0x1000).ToArray());
        Assert.Contains("taken from its backup", r.Out, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_cli.Dir, "keys"), "*.pending"));
    }

    [Fact]
    public void A_confirmed_take_image_key_after_a_stopped_key_pass_writes_the_images_key_and_settles_the_journal()
    {
        var (state, own) = CutInTheKeyPass();
        var dump = NewDump();

        var r = _cli.Run("flash", "3", Image("dead-dg16d4s"), "--yes", "--take-image-key", "--yes-image-key", "--device", "sim:dead-dg16d4s", "--sim-load", state, "--sim-dump", dump);

        Assert.True(r.Exit == 0, r.ToString());
        var image = File.ReadAllBytes(Image("dead-dg16d4s"));
        Assert.Equal(image.AsSpan(0x3E000, 0x1000).ToArray(), Dump(dump).AsSpan(0x3E000, 0x1000).ToArray());
        Assert.NotEqual(own.AsSpan(0x3E000, 0x1000).ToArray(), image.AsSpan(0x3E000, 0x1000).ToArray());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_cli.Dir, "keys"), "*.pending"));
    }

    [Fact]
    public void Backup_of_a_drive_unique_flash_is_written_twice_with_the_same_bytes()
    {
        var path = _cli.PathOf("own.bin");

        var r = _cli.Run("backup", "3", "-o", path, "--profile", "DG-16D4S", "--device", "sim:dead-dg16d4s");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Equal(Initial("dead-dg16d4s"), File.ReadAllBytes(path));
        Assert.Equal(Initial("dead-dg16d4s"), File.ReadAllBytes(Path.Combine(_cli.Dir, "backups", "own.bin")));
    }

    private string Variant(string json)
    {
        var path = _cli.PathOf($"variant-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }
}
