using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;

namespace RecoveryKit.Tests.Firmware;

public class ImageFamiliesTests
{
    [Theory]
    [InlineData("LDW-411S")]
    [InlineData("LDW-811S")]
    [InlineData("SOHW-812S")]
    [InlineData("SOHW-832S")]
    [InlineData("SOHW-1213S")]
    [InlineData("DRW-1008IM")]
    [InlineData("MT1939")]
    public void Embedded_profile_has_the_family(string name)
    {
        var family = ImageFamilies.Find(name);
        Assert.NotNull(family);
        Assert.Equal(name, family.Name);
        Assert.NotEmpty(family.Products.Value);
        Assert.NotEmpty(family.FlashSizes.Value);
    }

    [Fact]
    public void Find_ignores_case_and_returns_null_for_unknown_names()
    {
        Assert.Same(ImageFamilies.Find("LDW-411S"), ImageFamilies.Find("ldw-411s"));
        Assert.Null(ImageFamilies.Find("SH-D162D"));
        var ex = Assert.Throws<RecoveryKitException>(() => ImageFamilies.Get("SH-D162D"));
        Assert.Contains("LDW-411S", ex.Failure.Advice);
    }

    [Fact]
    public void LiteOn_validity_rule_is_graded_as_a_reconstruction()
    {
        foreach (var name in new[] { "LDW-411S", "LDW-811S", "SOHW-812S", "SOHW-832S", "SOHW-1213S" })
        {
            var family = ImageFamilies.Get(name);
            Assert.Equal(EvidenceGrade.Reconstructed, family.Validity.Evidence.Grade);
            Assert.Equal(EvidenceGrade.Reconstructed, family.BootBlock.Evidence.Grade);
        }
    }

    [Fact]
    public void MT1939_rule_is_the_verified_sum_of_0x10000_to_0x1E1FFF_stored_at_0x1FFFFE()
    {
        var family = ImageFamilies.Get("MT1939");
        var rule = Assert.IsType<Sum16BigEndianRule>(family.Validity);
        Assert.Equal(EvidenceGrade.Verified, rule.Evidence.Grade);
        Assert.Equal(0x10000, rule.StartOffset);
        Assert.Equal(0x1E1FFF, rule.EndOffset);
        Assert.Equal(0x1FFFFE, rule.StoredAtOffset);
        Assert.Equal([0x200000], family.FlashSizes.Value);
    }

    [Fact]
    public void BTC_family_reads_identity_at_its_fixed_offsets()
    {
        var family = ImageFamilies.Get("DRW-1008IM");
        Assert.True(family.Identity.IsFixed);
        Assert.Equal(0x40BC, family.Identity.VendorAt);
        Assert.Equal(0x40C4, family.Identity.ProductAt);
        Assert.Equal(0x40D4, family.Identity.RevisionAt);
        Assert.Equal(EvidenceGrade.Verified, family.Identity.Evidence.Grade);
        Assert.IsType<Sum16TotalRule>(family.Validity);
    }

    [Theory]
    [InlineData("LITE-ON ", "DVDRW SOHW-832S ", "SOHW-832S")]
    [InlineData("lite-on", "dvdrw sohw-832s", "SOHW-832S")]
    [InlineData(null, "DVDRW LDW-411S", "LDW-411S")]
    [InlineData("BTC", "DRW1008IM", "DRW-1008IM")]
    public void Match_ignores_case_and_padding_and_tolerates_an_unknown_vendor(string? vendor, string product, string expected)
    {
        Assert.Equal(expected, ImageFamilies.Match(vendor, product)?.Name);
        Assert.True(ImageFamilies.Get(expected).Match(vendor, product));
    }

    [Theory]
    [InlineData("BTC", "DVDRW SOHW-832S")]
    [InlineData("LITE-ON", null)]
    [InlineData("LITE-ON", "  ")]
    [InlineData("LITE-ON", "DVDRW SOHW-1633S")]
    public void Match_fails_for_wrong_vendor_missing_or_unknown_product(string? vendor, string? product)
    {
        Assert.Null(ImageFamilies.Match(vendor, product));
    }

    [Fact]
    public void Every_value_in_the_profile_needs_a_grade()
    {
        const string json = """
            { "version": 1, "families": [ {
              "name": "X", "vendor": { "value": "V" }, "products": { "value": ["P"], "grade": "F" },
              "flashSizes": { "value": ["0x20000"], "grade": "V" },
              "identity": { "value": { "kind": "search" }, "grade": "R" },
              "validity": { "value": { "kind": "sum16-total" }, "grade": "R" } } ] }
            """;
        var ex = Assert.Throws<RecoveryKitException>(() => ImageFamilies.Parse(json, "test.json"));
        Assert.Contains("vendor has grade", ex.Failure.Cause);
    }

    [Fact]
    public void Profile_product_longer_than_the_16_byte_INQUIRY_field_is_rejected()
    {
        const string json = """
            { "version": 1, "families": [ {
              "name": "X", "vendor": { "value": "BTC", "grade": "F" }, "products": { "value": ["DVD+-RW DRW1008IM"], "grade": "F" },
              "flashSizes": { "value": ["0x100000"], "grade": "V" },
              "identity": { "value": { "kind": "search" }, "grade": "R" },
              "validity": { "value": { "kind": "sum16-total" }, "grade": "R" } } ] }
            """;
        var ex = Assert.Throws<RecoveryKitException>(() => ImageFamilies.Parse(json, "test.json"));
        Assert.Contains("DVD+-RW DRW1008IM", ex.Failure.Cause);
    }

    [Fact]
    public void Profile_with_an_invalid_flash_size_is_rejected()
    {
        const string json = """
            { "version": 1, "families": [ {
              "name": "X", "vendor": { "value": "V", "grade": "F" }, "products": { "value": ["P"], "grade": "F" },
              "flashSizes": { "value": ["0x30000"], "grade": "V" },
              "identity": { "value": { "kind": "search" }, "grade": "R" },
              "validity": { "value": { "kind": "sum16-total" }, "grade": "R" } } ] }
            """;
        var ex = Assert.Throws<RecoveryKitException>(() => ImageFamilies.Parse(json, "test.json"));
        Assert.Contains("flash size 0x30000", ex.Failure.Cause);
    }

    [Fact]
    public void Profile_with_an_unknown_validity_kind_or_field_is_rejected()
    {
        const string json = """
            { "version": 1, "families": [ {
              "name": "X", "vendor": { "value": "V", "grade": "F" }, "products": { "value": ["P"], "grade": "F" },
              "flashSizes": { "value": ["0x20000"], "grade": "V" },
              "identity": { "value": { "kind": "search" }, "grade": "R" },
              "validity": { "value": { "kind": "crc32" }, "grade": "R" } } ] }
            """;
        var ex = Assert.Throws<RecoveryKitException>(() => ImageFamilies.Parse(json, "test.json"));
        Assert.Contains("crc32", ex.Failure.Cause);
        var typo = Assert.Throws<RecoveryKitException>(() => ImageFamilies.Parse(json.Replace("\"flashSizes\"", "\"flashSize\""), "test.json"));
        Assert.Contains("test.json", typo.Failure.Cause);
    }

    /// <summary>
    /// PROTOCOL.md §3: a Lite-On SPI drive answers the intro with 72h on a blank flash (after the 2Eh/80h erase), a BenQ
    /// one with 73h: vendor mode is in the controller's ROM, so these families keep no boot block in the flash. The
    /// TS-H943A (parallel flash) keeps the default first 64 KiB.
    /// </summary>
    [Theory]
    [InlineData("DG-16D2S", 0)]
    [InlineData("DG-16D4S", 0)]
    [InlineData("DG-16D5S", 0)]
    [InlineData("VAD6038", 0)]
    [InlineData("TS-H943A", 0x10000)]
    public void SPI_families_keep_no_boot_block_in_the_flash_and_the_parallel_TS_H943A_its_first_bank(string name, int length)
    {
        var family = ImageFamilies.Find(name)!;

        Assert.Equal(length, family.BootBlock.Length);
        Assert.Equal(length == 0, family.BootBlock.None);
        Assert.False(family.BootBlock.Overlaps(0, 0x1000) && length == 0);
    }
}
