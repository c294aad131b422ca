using RecoveryKit.Emulation;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Cli;

/// <summary>
/// Issue 17 on the command line: the sim:shared-cable-ldw411s bench (a dead LDW-411S with a working Lite-On CD-RW as
/// slave that takes the intro meant for it) is refused without --shared-channel; with it, the neighbour is identified again
/// afterwards and its change is reported; a non-MediaTek neighbour gets a one-line note.
/// </summary>
public sealed class SharedChannelCommandTests : IDisposable
{
    private const string Bench = "sim:shared-cable-ldw411s";
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private string Image(string scenario = "shared-cable-ldw411s")
    {
        var path = _cli.PathOf($"{scenario}.bin");
        Assert.Equal(0, _cli.Run("sim-image", scenario, "-o", path).Exit);
        return path;
    }

    /// <summary>Writes to the secondary channel's command register (0x177): the opcodes sent to whichever device was selected.</summary>
    private static string[] Commands(string transcript) =>
        [.. Transcripts.Accesses(transcript).Where(l => l.StartsWith("W 177 ", StringComparison.Ordinal)).Select(l => l[6..])];

    /// <summary>The opcode of every CDB sent in a PACKET command (the first data-port word written after the A0h command).</summary>
    private static byte[] InquiryOnly(string transcript)
    {
        var lines = Transcripts.Accesses(transcript);
        var opcodes = new List<byte>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i] != "W 177 A0")
                continue;
            // The CDB's first word, low byte first ("W 170 0012" for INQUIRY).
            var word = lines.Skip(i + 1).First(l => l.StartsWith("W 170 ", StringComparison.Ordinal) && l.Length == 10);
            opcodes.Add(Convert.ToByte(word[^2..], 16));
        }
        return [.. opcodes];
    }

    [Fact]
    public void Without_shared_channel_the_bench_is_refused_with_the_cable_advice_and_neither_drive_gets_more_than_identification()
    {
        var image = Image();
        var dump = _cli.PathOf("dump");

        var r = _cli.Run("flash", "3", image, "--yes", "--device", Bench, "--transcript", _cli.PathOf("t.txt"), "--sim-dump", dump, "--backup", _cli.PathOf("b.bin"));

        Assert.Equal(16, r.Exit);
        var error = Assert.Single(r.ErrorLines);
        Assert.Contains("position 4 (secondary slave", error, StringComparison.Ordinal);
        Assert.Contains("LITE-ON LTR-52327S", error, StringComparison.Ordinal);
        Assert.Contains("disconnect the other drive's IDE data cable", error, StringComparison.Ordinal);
        Assert.Contains("secondary channel alone", error, StringComparison.Ordinal);
        Assert.Contains("--shared-channel", error, StringComparison.Ordinal);
        // On the wire only identification: the dead drive is asked IDENTIFY DEVICE (ECh, aborted) and IDENTIFY PACKET
        // DEVICE (A1h, refused), the CD-RW IDENTIFY PACKET DEVICE and the PACKET carrying INQUIRY (A0h); no vendor intro.
        Assert.Equal(["EC", "A1", "A1", "A0"], Commands(_cli.PathOf("t.txt")));
        Assert.Equal([(byte)0x12], InquiryOnly(_cli.PathOf("t.txt")));
        Assert.DoesNotContain(Transcripts.Accesses(_cli.PathOf("t.txt")), l => l == "W 177 80");
        Assert.Equal(MtkScenarios.SharedCableNeighbour.InitialFlash(), File.ReadAllBytes(Path.Combine(dump, "4.bin")));
        Assert.Equal(MtkScenarios.Setups["shared-cable-ldw411s"].Setup.InitialFlash(), File.ReadAllBytes(Path.Combine(dump, "3.bin")));
    }

    [Fact]
    public void Yes_does_not_answer_the_shared_channel_confirmation()
    {
        var image = Image();

        var r = _cli.Run("flash", "3", image, "--yes", "--shared-channel", "--device", Bench, "--transcript", _cli.PathOf("t.txt"), "--backup", _cli.PathOf("b.bin"));

        Assert.Equal(10, r.Exit);
        Assert.Contains("was not confirmed", r.Err, StringComparison.Ordinal);
        Assert.Equal(["EC", "A1", "A1", "A0"], Commands(_cli.PathOf("t.txt")));
    }

    [Fact]
    public void With_shared_channel_and_the_typed_model_the_neighbour_is_written_along_and_reported_loudly()
    {
        var image = Image();
        var dump = _cli.PathOf("dump");

        var r = _cli.Interactive("LTR-52327S\n", "flash", "3", image, "--yes", "--shared-channel", "--device", Bench, "--sim-dump", dump, "--backup", _cli.PathOf("b.bin"));

        // The dead drive is recovered ...
        Assert.Contains("The drive is back", r.Out, StringComparison.Ordinal);
        Assert.Equal(MtkScenarios.Setups["shared-cable-ldw411s"].Setup.RecoveryImage(), File.ReadAllBytes(Path.Combine(dump, "3.bin")));
        // ... and the neighbour's own flash no longer holds what it held: it took the intro and the mailbox writes.
        Assert.NotEqual(MtkScenarios.SharedCableNeighbour.InitialFlash(), File.ReadAllBytes(Path.Combine(dump, "4.bin")));
        // RecoveryKit says so, with the position and what to do, and the run does not end as a plain success.
        Assert.Equal(16, r.Exit);
        Assert.Contains("WARNING: position 4 (secondary slave, 0x170) CHANGED", r.Err, StringComparison.Ordinal);
        Assert.Contains("LITE-ON LTR-52327S QS0C", r.Err, StringComparison.Ordinal);
        Assert.Contains("70h", r.Err, StringComparison.Ordinal);
        Assert.Contains("alone on the secondary channel", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void With_the_neighbour_s_shared_listening_switched_off_by_a_variant_it_is_reported_unchanged()
    {
        var image = Image();
        var dump = _cli.PathOf("dump");
        var variant = _cli.PathOf("quiet.json");
        File.WriteAllText(variant, """{ "hearsSharedChannel": false }""");

        var r = _cli.Interactive("LTR-52327S\n", "flash", "3", image, "--yes", "--shared-channel", "--device", Bench, "--variant", variant, "--sim-dump", dump, "--backup", _cli.PathOf("b.bin"));

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("[neighbour] position 4 (secondary slave, 0x170): LITE-ON LTR-52327S QS0C, unchanged", r.Out, StringComparison.Ordinal);
        Assert.Equal(MtkScenarios.SharedCableNeighbour.InitialFlash(), File.ReadAllBytes(Path.Combine(dump, "4.bin")));
    }

    [Fact]
    public void A_non_mediatek_drive_on_the_cable_gets_a_one_line_note_and_is_reported_unchanged_after_the_flash()
    {
        var image = Image("dead-sohw832s-slave");

        var r = _cli.Run("flash", "4", image, "--yes", "--device", "sim:dead-sohw832s-slave", "--backup", _cli.PathOf("b.bin"));

        Assert.True(r.Exit == 0, r.ToString());
        var note = Assert.Single(r.Out.Split('\n'), l => l.StartsWith("[neighbour] ", StringComparison.Ordinal) && l.Contains("no MediaTek brand", StringComparison.Ordinal));
        Assert.Contains("HL-DT-ST DVD-ROM GDR8163B", note, StringComparison.Ordinal);
        Assert.Contains("[neighbour] position 3 (secondary master, 0x170): HL-DT-ST DVD-ROM GDR8163B 0L23, unchanged", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void The_wizard_refuses_at_the_drive_choice_step_with_the_same_advice()
    {
        var r = _cli.Interactive("3\n", "unbrick", "--simulate", "--device", Bench);

        Assert.True(r.Exit == 16, r.ToString());
        Assert.Contains("Step 2 of 5", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Step 3 of 5", r.Out, StringComparison.Ordinal);
        Assert.True(r.Err.Contains(RecoveryKit.Discovery.CableAdvice.SharedChannelRemedy("LTR-52327S"), StringComparison.Ordinal), r.ToString());
    }

    [Fact]
    public void The_wizard_shows_the_one_line_note_for_a_non_mediatek_neighbour_at_the_drive_choice_step()
    {
        var r = _cli.Run("unbrick", "--simulate", "--device", "sim:dead-sohw832s-slave", "--yes");

        Assert.True(r.Exit == 0, r.ToString());
        var step2 = r.Out[r.Out.IndexOf("Step 2 of 5", StringComparison.Ordinal)..r.Out.IndexOf("Step 3 of 5", StringComparison.Ordinal)];
        Assert.Contains("HL-DT-ST DVD-ROM GDR8163B", step2, StringComparison.Ordinal);
        Assert.Contains("no MediaTek brand", step2, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dead-ltr52327s", "2", "SST39SF040")]
    [InlineData("dead-ldw411s", "3", "SST39VF080")]
    [InlineData("dead-sohw832s-slave", "4", "Am29F080B")]
    public void Mtkflash_check_names_the_chip_also_in_mtkflash_s_words_on_the_practice_benches(string scenario, string position, string chip)
    {
        // No --profile: MtkFlash's check needed none, and the ID read uses only what every parallel-flash profile shares.
        var r = _cli.Run("mtkflash", position, "c", "--device", "sim:" + scenario);

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains($"RecoveryKit command: recoverykit identify {position} --chip", r.Out, StringComparison.Ordinal);
        var spec = RecoveryKit.Profiles.ProfileCatalog.FindChip(chip)!;
        Assert.Contains($"ManuID : {spec.ManufacturerId:x} dDevId :{spec.DeviceId:x}", r.Out, StringComparison.Ordinal);
        Assert.Contains($"Flash Type: {spec.Manufacturer.ToUpperInvariant()} ({chip})", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Mtkflash_check_on_a_lite_on_cd_rw_with_a_w29c040_prints_what_mtkflash_printed_in_the_forum()
    {
        // The neighbour of the shared-cable bench carries the W29C040 (DAh/46h) the forum post shows; checking it
        // enters vendor mode with a dead Lite-On drive on the cable, so it needs --shared-channel and the typed word too.
        var r = _cli.Interactive("SECONDARY-MASTER\n", "mtkflash", "4", "c", "--device", Bench, "--shared-channel");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("ManuID : da dDevId :46", r.Out, StringComparison.Ordinal);
        Assert.Contains("Flash Type: WINBOND (W29C040) (+5.0V)", r.Out, StringComparison.Ordinal);
    }
}
