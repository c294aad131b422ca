using RecoveryKit.Ata;
using RecoveryKit.Profiles;

namespace RecoveryKit.Tests.Profiles;

/// <summary>
/// The embedded drive table (drives.json) against PROTOCOL.md: intro dialects and erase triggers kept apart,
/// outro steps, and the host waits from the standard. Expected values are PROTOCOL.md's and ATA's, not the code's.
/// </summary>
public sealed class DriveTableTests
{
    [Theory]
    // PROTOCOL.md §3, JungleFlasher's dialect table; §5b/§6 for the outro opcodes.
    [InlineData("phat", 0x2A, 0x80, 0x81)]
    [InlineData("slim", 0xD9, 0x89, 0xF0)]
    [InlineData("slim2", 0x79, 0x8D, 0xBE)]
    public void The_dialect_table_holds_JungleFlashers_keys_and_opcodes_graded_V_dec(string name, int key, int opcode, int outro)
    {
        var dialect = Assert.Single(ProfileCatalog.Dialects, d => d.Name == name);

        Assert.Equal((byte)key, dialect.Key);
        Assert.Equal((byte)opcode, dialect.Opcode);
        Assert.Equal((byte)outro, dialect.OutroOpcode);
        Assert.Equal("V-dec", dialect.Grade);
        Assert.Contains("JungleFlasher", dialect.Note);
    }

    [Fact]
    public void The_DG_16D2S_enters_with_the_phat_intro_and_lists_2Eh_80h_as_an_erase_trigger_both_V_dec_with_a_source()
    {
        var drive = ProfileCatalog.FindDrive("DG-16D2S")!;

        var intro = Assert.Single(drive.Intro.Value);
        Assert.Equal(new VendorTrigger(0x2A, 0x80), intro.Trigger);
        Assert.Equal("V-dec", drive.Intro.Grade);
        Assert.Contains("JungleFlasher", drive.Intro.Note);

        Assert.Equal([new VendorTrigger(0x2E, 0x80)], drive.EraseTriggers.Value);
        Assert.Equal("V-dec", drive.EraseTriggers.Grade);
        Assert.Contains("Erase", drive.EraseTriggers.Note);

        // Recognised, not written: the SPI engine is another issue.
        Assert.True(drive.Spi.Value);
        Assert.Equal((byte)0x72, drive.VendorStatus.Value);
    }

    [Fact]
    public void No_profile_sends_a_key_without_a_known_effect_nor_any_profiles_erase_trigger()
    {
        var triggers = ProfileCatalog.Drives.SelectMany(d => d.EraseTriggers.Value).ToHashSet();
        Assert.Contains(new VendorTrigger(0x2E, 0x80), triggers);
        foreach (var drive in ProfileCatalog.Drives)
        {
            foreach (var dialect in drive.Intro.Value)
            {
                Assert.DoesNotContain(dialect.Trigger, triggers);
                Assert.Contains(dialect, ProfileCatalog.Dialects);
            }
            // 2Bh and 2Dh (geremia-9647) have no known effect.
            Assert.DoesNotContain(drive.IntroKeys.Value, k => k is 0x2B or 0x2D or 0x2E);
        }
    }

    [Fact]
    public void The_MtkFlash_era_intro_is_2Ah_then_80h_graded_V()
    {
        var drive = ProfileCatalog.FindDrive("LDW-411S")!;

        Assert.Equal([new VendorTrigger(0x2A, 0x80)], drive.Intro.Value.Select(d => d.Trigger));
        Assert.Equal("V", drive.Intro.Grade);
        Assert.Empty(drive.EraseTriggers.Value);
    }

    [Fact]
    public void The_outro_is_81h_then_DEVICE_RESET_then_SRST_graded_R_by_default_and_V_dec_for_the_DG_16D2S()
    {
        string[] expected = ["vendor-81h", "device-reset", "srst"];
        var mtk = ProfileCatalog.FindDrive("LDW-411S")!;
        var xbox = ProfileCatalog.FindDrive("DG-16D2S")!;

        Assert.Equal(expected, mtk.Outro.Value.Select(s => s.Name));
        Assert.Equal("R", mtk.Outro.Grade);
        Assert.Equal(expected, xbox.Outro.Value.Select(s => s.Name));
        Assert.Equal("V-dec", xbox.Outro.Grade);
        Assert.Equal([OutroStepKind.VendorOpcode, OutroStepKind.DeviceReset, OutroStepKind.SoftReset], xbox.Outro.Value.Select(s => s.Kind));
        Assert.Equal((byte)0x81, xbox.Outro.Value[0].Opcode);
    }

    [Fact]
    public void The_post_reset_delay_is_libatas_150_ms_graded_D_and_never_below_the_standards_2_ms()
    {
        foreach (var drive in ProfileCatalog.Drives)
        {
            Assert.True(drive.PostResetDelay.Value >= TimeSpan.FromMilliseconds(2), drive.Name);
            Assert.Equal("D", drive.PostResetDelay.Grade);
            Assert.Contains("libata", drive.PostResetDelay.Note);
        }
        Assert.Equal(TimeSpan.FromMilliseconds(150), ProfileCatalog.FindDrive("LDW-411S")!.PostResetDelay.Value);
        Assert.Equal(TimeSpan.FromMilliseconds(150), AtaTimeouts.Default.PostReset);
    }

    [Fact]
    public void The_default_host_waits_are_drives_json_defaults_and_the_code_defaults_agree_with_them()
    {
        var fromProfile = ProfileCatalog.FindDrive("LDW-411S")!; // sets none of its own
        var code = new AtaTimeouts();

        Assert.Equal(fromProfile.PostResetDelay.Value, AtaTimeouts.Default.PostReset);
        Assert.Equal(fromProfile.IdentifyResponse.Value, AtaTimeouts.Default.Response);
        Assert.Equal(fromProfile.PacketDeadline.Value, AtaTimeouts.Default.PacketDeadline);
        Assert.Equal(fromProfile.PacketByteCap.Value, AtaTimeouts.Default.PacketByteCap);
        Assert.Equal(code.PostReset, AtaTimeouts.Default.PostReset);
        Assert.Equal(code.Response, AtaTimeouts.Default.Response);
        Assert.Equal(code.PacketDeadline, AtaTimeouts.Default.PacketDeadline);
        Assert.Equal(code.PacketByteCap, AtaTimeouts.Default.PacketByteCap);
        // The scan keeps its short reset and command limits but takes the profile's waits.
        Assert.Equal(AtaTimeouts.Default.PostReset, AtaTimeouts.Scan.PostReset);
        Assert.Equal(TimeSpan.FromSeconds(3), AtaTimeouts.Scan.Reset);
    }

    [Fact]
    public void A_drives_host_waits_replace_only_the_values_the_profile_carries()
    {
        var drive = ProfileCatalog.FindDrive("LDW-411S")! with
        {
            PostResetDelay = new Graded<TimeSpan>(TimeSpan.FromMilliseconds(400), "R", "test"),
            IdentifyResponse = new Graded<TimeSpan>(TimeSpan.FromMilliseconds(70), "R", "test"),
            PacketByteCap = new Graded<int>(12, "R", "test"),
        };

        var timeouts = drive.HostTimeouts(AtaTimeouts.Scan);

        Assert.Equal(TimeSpan.FromMilliseconds(400), timeouts.PostReset);
        Assert.Equal(TimeSpan.FromMilliseconds(70), timeouts.Response);
        Assert.Equal(12, timeouts.PacketByteCap);
        Assert.Equal(AtaTimeouts.Scan.Reset, timeouts.Reset);
        Assert.Equal(AtaTimeouts.Scan.NotBusy, timeouts.NotBusy);
    }

    [Fact]
    public void Every_value_carries_a_known_grade()
    {
        foreach (var d in ProfileCatalog.Drives)
        {
            string[] grades = [d.Intro.Grade, d.EraseTriggers.Grade, d.VendorStatus.Grade, d.IntroTimeout.Grade, d.MailboxTimeout.Grade,
                d.MailboxPollStep.Grade, d.MailboxConfirmReads.Grade, d.Banking.Grade, d.Outro.Grade, d.OutroTimeout.Grade,
                d.PostResetDelay.Grade, d.IdentifyResponse.Grade, d.PacketDeadline.Grade, d.PacketByteCap.Grade, d.BootValidity.Grade, d.Spi.Grade, d.Grade];
            Assert.All(grades, g => Assert.Contains(g, ProfileCatalog.Grades));
        }
    }

    [Fact]
    public void The_mailbox_poll_step_and_confirm_reads_are_profile_values()
    {
        var drive = ProfileCatalog.FindDrive("LDW-411S")!;

        Assert.Equal(TimeSpan.FromMicroseconds(10), drive.MailboxPollStep.Value);
        Assert.Equal(3, drive.MailboxConfirmReads.Value);
        Assert.Equal("R", drive.MailboxConfirmReads.Grade);
    }

    [Fact]
    public void The_W29C020_byte_load_window_is_the_datasheets_200_us_TBLC_from_chips_json()
    {
        var chip = ProfileCatalog.FindChip("W29C020")!;

        Assert.Equal(ProgramModel.Page, chip.Program);
        Assert.Equal(TimeSpan.FromMicroseconds(200), chip.PageLoadWindow);
        Assert.All(ProfileCatalog.Chips.Where(c => c.Program == ProgramModel.Byte), c => Assert.Equal(TimeSpan.Zero, c.PageLoadWindow));
    }
}
