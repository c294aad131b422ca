using System.Text.Json.Nodes;
using RecoveryKit.Diagnostics;
using RecoveryKit.Profiles;

namespace RecoveryKit.Tests.Profiles;

/// <summary>
/// drives.json and chips.json are strict: every key is known, every enumerated string is one of its allowed
/// values, and a failure names the file, the place and what is allowed (as families.json does). Each test
/// alters one thing in a copy of the embedded file.
/// </summary>
public sealed class ProfileLoadTests
{
    private static JsonObject Drives() => JsonNode.Parse(ProfileCatalog.EmbeddedText("drives.json"))!.AsObject();

    private static JsonObject Chips() => JsonNode.Parse(ProfileCatalog.EmbeddedText("chips.json"))!.AsObject();

    private static JsonObject Drive(JsonObject file, string name) =>
        file["drives"]!.AsArray().Select(n => n!.AsObject()).First(d => (string?)d["name"] == name);

    private static JsonObject Graded(JsonNode value, string grade = "R") => new() { ["value"] = value, ["grade"] = grade, ["note"] = "test" };

    private static ProfileCatalog.DriveCatalog Load(JsonObject file) => ProfileCatalog.ParseDrives(file.ToJsonString(), "test-drives.json", embedded: false);

    private static Failure LoadFails(JsonObject file)
    {
        var failure = Assert.Throws<RecoveryKitException>(() => Load(file)).Failure;
        Assert.Equal(FailureKind.Usage, failure.Kind);
        Assert.Contains("test-drives.json", failure.Cause);
        return failure;
    }

    [Fact]
    public void The_embedded_tables_load_unchanged()
    {
        var catalog = Load(Drives());

        Assert.Equal(ProfileCatalog.Drives.Select(d => d.Name), catalog.Drives.Select(d => d.Name));
        Assert.NotEmpty(ProfileCatalog.LoadChips(Chips().ToJsonString(), "test-chips.json", embedded: false));
    }

    [Theory]
    [InlineData("top")]
    [InlineData("defaults")]
    [InlineData("drive")]
    [InlineData("dialect")]
    public void An_unknown_key_fails_at_load_naming_the_file_and_the_key(string where)
    {
        var file = Drives();
        var target = where switch
        {
            "top" => file,
            "defaults" => file["defaults"]!.AsObject(),
            "drive" => Drive(file, "LDW-411S"),
            _ => file["dialects"]![0]!.AsObject(),
        };
        target["bankRegistr"] = Graded("none");

        var failure = LoadFails(file);

        Assert.Contains("bankRegistr", failure.Cause);
    }

    [Fact]
    public void An_unknown_bank_register_fails_at_load_instead_of_meaning_no_banking()
    {
        var file = Drives();
        Drive(file, "LDW-411S")["bankRegister"] = Graded("device-head-bits");

        var failure = LoadFails(file);

        Assert.Contains("drive \"LDW-411S\"", failure.Cause);
        Assert.Contains("bankRegister", failure.Cause);
        Assert.Contains("\"device-head\", \"none\"", failure.Cause);
    }

    [Fact]
    public void An_unknown_bank4_register_fails_at_load_naming_the_allowed_values()
    {
        var file = Drives();
        file["defaults"]!["bank4Register"] = Graded("features-bit1");

        var failure = LoadFails(file);

        Assert.Contains("bank4Register", failure.Cause);
        Assert.Contains("\"features-bit0\", \"none\"", failure.Cause);
    }

    [Fact]
    public void Banking_is_overridable_per_drive_and_none_means_no_bank_bits()
    {
        var file = Drives();
        Drive(file, "LTR-52327S")["bankRegister"] = Graded("none");
        Drive(file, "LTR-52327S")["bank4Register"] = Graded("none", "F");

        var catalog = Load(file);

        var ltr = catalog.Drives.Single(d => d.Name == "LTR-52327S");
        Assert.Equal(new BankAddressing(false, false), ltr.Banking.Value);
        Assert.Equal("R", ltr.Banking.Grade); // the weaker of R and F
        Assert.Equal(new BankAddressing(true, true), catalog.Drives.Single(d => d.Name == "LDW-411S").Banking.Value);
    }

    [Fact]
    public void Every_default_is_overridable_per_drive()
    {
        var file = Drives();
        var drive = Drive(file, "SOHW-832S");
        drive["introTimeoutMs"] = Graded(3000);
        drive["mailboxTimeoutMs"] = Graded(250);
        drive["mailboxPollStepUs"] = Graded(25);
        drive["mailboxConfirmReads"] = Graded(5);
        drive["outro"] = Graded(new JsonArray("device-reset"));
        drive["outroTimeoutMs"] = Graded(20000);
        drive["postResetDelayMs"] = Graded(400);
        drive["identifyResponseMs"] = Graded(2000);
        drive["packetDeadlineMs"] = Graded(45000);
        drive["packetByteCap"] = Graded(4096);
        drive["vendorStatus"] = Graded("0x71");

        var d = Load(file).Drives.Single(x => x.Name == "SOHW-832S");

        Assert.Equal(TimeSpan.FromMilliseconds(3000), d.IntroTimeout.Value);
        Assert.Equal(TimeSpan.FromMilliseconds(250), d.MailboxTimeout.Value);
        Assert.Equal(TimeSpan.FromMicroseconds(25), d.MailboxPollStep.Value);
        Assert.Equal(5, d.MailboxConfirmReads.Value);
        Assert.Equal(["device-reset"], d.Outro.Value.Select(s => s.Name));
        Assert.Equal(TimeSpan.FromMilliseconds(20000), d.OutroTimeout.Value);
        Assert.Equal(TimeSpan.FromMilliseconds(400), d.PostResetDelay.Value);
        Assert.Equal(TimeSpan.FromMilliseconds(2000), d.IdentifyResponse.Value);
        Assert.Equal(TimeSpan.FromMilliseconds(45000), d.PacketDeadline.Value);
        Assert.Equal(4096, d.PacketByteCap.Value);
        Assert.Equal((byte)0x71, d.VendorStatus.Value);
    }

    [Fact]
    public void An_unknown_outro_step_fails_naming_the_allowed_steps()
    {
        var file = Drives();
        file["defaults"]!["outro"] = Graded(new JsonArray("device-reset", "reboot"));

        var failure = LoadFails(file);

        Assert.Contains("\"reboot\"", failure.Cause);
        Assert.Contains("\"vendor-81h\", \"device-reset\", \"srst\"", failure.Cause);
    }

    [Fact]
    public void A_vendor_outro_opcode_of_another_dialect_is_refused_it_has_no_known_effect_on_this_drive()
    {
        var file = Drives();
        Drive(file, "LDW-411S")["outro"] = Graded(new JsonArray("vendor-F0h", "device-reset"));

        var failure = LoadFails(file);

        Assert.Contains("vendor-F0h", failure.Cause);
    }

    [Fact]
    public void An_outro_without_a_reset_or_with_a_vendor_opcode_after_a_reset_is_refused()
    {
        var noReset = Drives();
        Drive(noReset, "LDW-411S")["outro"] = Graded(new JsonArray("vendor-81h"));
        Assert.Contains("no reset step", LoadFails(noReset).Cause);

        var late = Drives();
        Drive(late, "LDW-411S")["outro"] = Graded(new JsonArray("device-reset", "vendor-81h"));
        Assert.Contains("after a reset", LoadFails(late).Cause);
    }

    [Fact]
    public void An_intro_that_is_an_erase_trigger_fails_at_load_even_when_another_profile_lists_the_trigger()
    {
        var file = Drives();
        // A made-up dialect with 2Eh/80h, used by an MtkFlash-era drive: the trigger is the DG-16D2S's.
        file["dialects"]!.AsArray().Add((JsonNode)new JsonObject
        {
            ["name"] = "erase-as-intro", ["introKey"] = "0x2E", ["introOpcode"] = "0x80", ["outroOpcode"] = "0x81", ["grade"] = "R",
        });
        Drive(file, "LDW-411S")["intro"] = Graded(new JsonArray("phat", "erase-as-intro"));

        var failure = LoadFails(file);

        Assert.Contains("LDW-411S", failure.Cause);
        Assert.Contains("2Eh/80h", failure.Cause);
        Assert.Contains("erase trigger", failure.Cause);
    }

    [Fact]
    public void An_unknown_dialect_name_fails_naming_the_known_dialects()
    {
        var file = Drives();
        Drive(file, "LDW-411S")["intro"] = Graded(new JsonArray("fat"));

        var failure = LoadFails(file);

        Assert.Contains("\"fat\"", failure.Cause);
        Assert.Contains("\"phat\", \"slim\", \"slim2\"", failure.Cause);
    }

    [Theory]
    [InlineData("X")]
    [InlineData("verified")]
    [InlineData(null)]
    public void A_value_without_a_known_grade_fails(string? grade)
    {
        var file = Drives();
        var value = Graded(100);
        value["grade"] = grade;
        Drive(file, "LDW-411S")["mailboxTimeoutMs"] = value;

        var failure = LoadFails(file);

        Assert.Contains("mailboxTimeoutMs", failure.Cause);
        Assert.Contains("\"V\", \"V-dec\", \"F\", \"D\", \"R\"", failure.Cause);
    }

    [Fact]
    public void A_post_reset_delay_below_the_standards_2_ms_is_refused()
    {
        var file = Drives();
        Drive(file, "LDW-411S")["postResetDelayMs"] = Graded(1);

        Assert.Contains("postResetDelayMs", LoadFails(file).Cause);
    }

    [Fact]
    public void An_unknown_key_in_chips_json_fails_at_load()
    {
        var file = Chips();
        file["chips"]![0]!["sectorSize"] = 4096;

        var failure = Assert.Throws<RecoveryKitException>(() => ProfileCatalog.LoadChips(file.ToJsonString(), "test-chips.json", embedded: false)).Failure;

        Assert.Contains("test-chips.json", failure.Cause);
        Assert.Contains("sectorSize", failure.Cause);
    }

    [Fact]
    public void An_unknown_program_model_fails_naming_byte_and_page()
    {
        var file = Chips();
        file["chips"]![0]!["program"] = "word";

        var failure = Assert.Throws<RecoveryKitException>(() => ProfileCatalog.LoadChips(file.ToJsonString(), "test-chips.json", embedded: false)).Failure;

        Assert.Contains("\"word\"", failure.Cause);
        Assert.Contains("\"byte\", \"page\"", failure.Cause);
    }

    [Fact]
    public void A_page_write_part_without_its_byte_load_window_is_refused()
    {
        var file = Chips();
        var page = file["chips"]!.AsArray().Select(n => n!.AsObject()).First(c => (string?)c["program"] == "page");
        page.Remove("pageLoadWindowUs");

        var failure = Assert.Throws<RecoveryKitException>(() => ProfileCatalog.LoadChips(file.ToJsonString(), "test-chips.json", embedded: false)).Failure;

        Assert.Contains("pageLoadWindowUs", failure.Cause);
    }

    [Fact]
    public void The_embedded_data_is_reported_as_damaged_build_data_not_as_a_usage_error()
    {
        var file = Drives();
        file["defaults"]!["bankRegister"] = Graded("nonsense");

        var failure = Assert.Throws<RecoveryKitException>(() => ProfileCatalog.ParseDrives(file.ToJsonString(), "drives.json", embedded: true)).Failure;

        Assert.Equal(FailureKind.Internal, failure.Kind);
        Assert.Contains("rebuild", failure.Advice);
    }
}
