using RecoveryKit.Firmware;

namespace RecoveryKit.Tests.Firmware;

public class CompatibilityTests
{
    private static FirmwareImage LiteOn411 => FirmwareReader.Parse(Images.LiteOn411, "fs0j.bin");

    [Fact]
    public void Image_for_the_drive_model_with_same_boot_block_and_size_is_allowed()
    {
        var image = LiteOn411;
        var drive = new DriveIdentity("LITE-ON", "DVDRW LDW-411S", "FS0F", image.Identity.BootBlockSha256, 0x100000);

        var result = FirmwareCompatibility.Check(image, drive);

        Assert.True(result.Allowed);
        Assert.All(result.Checks, c => Assert.Equal(CheckOutcome.Match, c.Outcome));
        Assert.False(result.ModelOverridden);
    }

    [Fact]
    public void Image_for_another_model_is_refused_listing_both_models()
    {
        var drive = new DriveIdentity("LITE-ON", "DVDRW SOHW-832S", "VS0C");

        var result = FirmwareCompatibility.Check(LiteOn411, drive);

        Assert.False(result.Allowed);
        var refusal = Assert.Single(result.Refusals);
        Assert.Equal(FirmwareCompatibility.Model, refusal.Name);
        Assert.Contains("DVDRW LDW-411S", refusal.ImageValue);
        Assert.Contains("DVDRW SOHW-832S", refusal.DriveValue);
    }

    [Fact]
    public void Force_model_lets_a_model_mismatch_through_and_records_the_override()
    {
        var drive = new DriveIdentity("LITE-ON", "DVDRW SOHW-832S", "VS0C");

        var result = FirmwareCompatibility.Check(LiteOn411, drive, forceModel: true);

        Assert.True(result.Allowed);
        Assert.True(result.ModelOverridden);
        Assert.Equal(CheckOutcome.Overridden, result.Checks.Single(c => c.Name == FirmwareCompatibility.Model).Outcome);
    }

    [Fact]
    public void Force_model_does_not_override_a_boot_block_mismatch()
    {
        var drive = new DriveIdentity("LITE-ON", "DVDRW SOHW-832S", null, new string('0', 64), null);

        var result = FirmwareCompatibility.Check(LiteOn411, drive, forceModel: true);

        Assert.False(result.Allowed);
        var refusal = Assert.Single(result.Refusals);
        Assert.Equal(FirmwareCompatibility.BootBlockCheck, refusal.Name);
        Assert.StartsWith("0000000000000000", refusal.DriveValue);
        Assert.StartsWith(LiteOn411.Identity.BootBlockSha256[..16], refusal.ImageValue);
    }

    [Theory]
    [InlineData(0x80000, "512 KiB")]
    [InlineData(0x200000, "2 MiB")]
    public void Image_of_another_size_than_the_chip_is_refused_listing_both_sizes(int chip, string chipText)
    {
        var result = FirmwareCompatibility.Check(LiteOn411, new DriveIdentity(null, null, null, null, chip));

        var refusal = Assert.Single(result.Refusals);
        Assert.Equal(FirmwareCompatibility.FlashSizeCheck, refusal.Name);
        Assert.Equal("1 MiB", refusal.ImageValue);
        Assert.Equal(chipText, refusal.DriveValue);
    }

    [Fact]
    public void Dead_drive_with_nothing_known_gives_unknown_checks_not_refusals()
    {
        var result = FirmwareCompatibility.Check(LiteOn411, new DriveIdentity(null, null, null));

        Assert.True(result.Allowed);
        Assert.All(result.Checks, c => Assert.Equal(CheckOutcome.Unknown, c.Outcome));
    }

    [Fact]
    public void Image_of_unknown_family_is_compared_by_its_INQUIRY_strings()
    {
        var bytes = Images.Anonymous128K();
        System.Text.Encoding.ASCII.GetBytes("ACME    ").CopyTo(bytes, 0x40BC);
        System.Text.Encoding.ASCII.GetBytes("DVDRW X-1       ").CopyTo(bytes, 0x40C4);
        System.Text.Encoding.ASCII.GetBytes("A001").CopyTo(bytes, 0x40D4);
        var image = FirmwareReader.Parse(bytes, "acme.bin");

        Assert.Equal(CheckOutcome.Match, FirmwareCompatibility.Check(image, new DriveIdentity("ACME", "DVDRW X-1", null)).Checks[0].Outcome);
        Assert.Equal(CheckOutcome.Mismatch, FirmwareCompatibility.Check(image, new DriveIdentity("ACME", "DVDRW X-2", null)).Checks[0].Outcome);
    }
}
