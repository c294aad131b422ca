using System.Text.Json.Nodes;
using RecoveryKit.Cli.Commands;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Profiles;

namespace RecoveryKit.Tests.Profiles;

/// <summary>Issue 17's profile data: the graded MediaTek brand list, the W29C040 (datasheet, forum report) and the mtkflash check.</summary>
public sealed class SharedChannelProfileTests
{
    private static JsonObject Drives() => JsonNode.Parse(ProfileCatalog.EmbeddedText("drives.json"))!.AsObject();

    private static Failure LoadFails(JsonObject file)
    {
        var failure = Assert.Throws<RecoveryKitException>(() => ProfileCatalog.ParseDrives(file.ToJsonString(), "test-drives.json", embedded: false)).Failure;
        Assert.Equal(FailureKind.Usage, failure.Kind);
        return failure;
    }

    [Fact]
    public void Every_mediatek_brand_carries_a_grade_and_the_lite_on_entry_rests_on_the_field_report()
    {
        Assert.All(ProfileCatalog.MediaTekBrands, b => Assert.Contains(b.Grade, ProfileCatalog.Grades));
        var liteOn = ProfileCatalog.MediaTekBrands.Single(b => b.Name == "Lite-On");
        Assert.Equal("F", liteOn.Grade);
        Assert.Contains("LITE-ON", liteOn.Vendors);
        // Every vendor a drive profile names is a MediaTek brand: a second supported drive on the cable is always a risk.
        Assert.All(ProfileCatalog.Drives, d => Assert.NotNull(ProfileCatalog.MatchMediaTekBrand(d.Vendor, null)));
    }

    [Fact]
    public void A_drives_file_without_the_brand_list_or_with_an_ungraded_brand_fails_at_load()
    {
        var missing = Drives();
        missing.Remove("mediatekBrands");
        Assert.Contains("mediatekBrands", LoadFails(missing).Cause, StringComparison.Ordinal);

        var ungraded = Drives();
        ungraded["mediatekBrands"]!["brands"]![0]!.AsObject()["grade"] = "maybe";
        Assert.Contains("grade", LoadFails(ungraded).Cause, StringComparison.Ordinal);

        var unknownKey = Drives();
        unknownKey["mediatekBrands"]!["brands"]![0]!.AsObject()["chipset"] = "MT1339";
        LoadFails(unknownKey);
    }

    [Fact]
    public void The_w29c040_is_in_the_chip_table_as_its_datasheet_and_the_forum_post_give_it()
    {
        // Datasheet (Winbond W29C040 rev A5): 4 Mbit, 5 V only, 256-byte pages, page write 5 ms typical, TBLC 200 us,
        // chip erase 50 ms. Forum (myce 53787): MtkFlash read DAh/46h.
        var chip = ProfileCatalog.FindChip(0xDA, 0x46)!;

        Assert.Equal("W29C040", chip.Name);
        Assert.Equal(512 * 1024, chip.SizeBytes);
        Assert.Equal(ProgramModel.Page, chip.Program);
        Assert.Equal(256, chip.PageSize);
        Assert.Equal(TimeSpan.FromMicroseconds(200), chip.PageLoadWindow);
        Assert.Equal(TimeSpan.FromMilliseconds(5), chip.ProgramTime.Typical);
        Assert.Equal(TimeSpan.FromMilliseconds(50), chip.ChipEraseTime.Typical);
        Assert.Equal("5.0", chip.SupplyVolts);
        Assert.Equal(0x5555u, chip.UnlockFirst);
    }

    [Fact]
    public void The_lite_on_cd_rw_profile_lists_the_w29c040_and_says_it_is_a_forum_report()
    {
        var ltr = ProfileCatalog.FindDrive("LTR-52327S")!;

        Assert.Contains("W29C040", ltr.Chips);
        Assert.Equal("F", ltr.Grade);
        Assert.Contains("W29C040 [F]", ltr.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Mtkflash_c_becomes_identify_chip_at_the_position_and_takes_no_file()
    {
        var t = MtkFlashCommand.Translate(["2", "C"]);

        Assert.True(t.Check);
        Assert.False(t.Write);
        Assert.Null(t.File);
        Assert.Equal(["identify", "2", "--chip"], t.ModernArgs);
        Assert.Equal(FailureKind.Usage, Assert.Throws<RecoveryKitException>(() => MtkFlashCommand.Translate(["2", "c", "fw.bin"])).Failure.Kind);
    }

    [Fact]
    public void The_chip_id_in_mtkflash_s_words_is_lower_case_hex_without_leading_zeros_as_the_forum_post_shows()
    {
        var words = MtkFlashCommand.ChipWords(new RecoveryKit.MediaTek.ChipId(0xDA, 0x46, 0x00), ProfileCatalog.FindChip("W29C040"));

        Assert.Equal(["ManuID : da dDevId :46", "Flash Type: WINBOND (W29C040) (+5.0V)"], words);
        Assert.Equal("ManuID : 1 dDevId :a4", MtkFlashCommand.ChipWords(new RecoveryKit.MediaTek.ChipId(0x01, 0xA4, 0), null)[0]);
    }

    [Fact]
    public void The_variant_key_hears_shared_channel_is_a_bool()
    {
        Assert.True(DriveVariant.Parse("""{ "hearsSharedChannel": true }""", "v.json").HearsSharedChannel);
        Assert.Null(DriveVariant.Parse("{}", "v.json").HearsSharedChannel);
        Assert.Equal(FailureKind.Usage, Assert.Throws<RecoveryKitException>(() => DriveVariant.Parse("""{ "hearsSharedChannel": "yes" }""", "v.json")).Failure.Kind);
    }
}
