using System.Text;
using RecoveryKit.Firmware;

namespace RecoveryKit.Tests.Firmware;

public class IdentityTests
{
    [Fact]
    public void BTC_identity_is_read_from_0x40BC_0x40C4_0x40D4()
    {
        var image = new byte[0x100000];
        Array.Fill(image, (byte)0xFF);
        Encoding.ASCII.GetBytes("BTC     ").CopyTo(image, 0x40BC);
        Encoding.ASCII.GetBytes("DRW1008IM       ").CopyTo(image, 0x40C4);
        Encoding.ASCII.GetBytes("0045").CopyTo(image, 0x40D4);

        var identity = ImageIdentity.Of(image);

        Assert.Equal(IdentitySource.FixedOffsets, identity.Source);
        Assert.Equal("BTC", identity.Vendor);
        Assert.Equal("DRW1008IM", identity.Model);
        Assert.Equal("0045", identity.Revision);
        Assert.Equal(0x40BC, identity.VendorOffset);
        Assert.Equal("DRW-1008IM", identity.Family?.Name);
    }

    [Fact]
    public void LiteOn_identity_is_found_by_searching_for_the_INQUIRY_block()
    {
        var image = new byte[0x100000];
        Array.Fill(image, (byte)0x12);
        Encoding.ASCII.GetBytes("LITE-ON DVDRW SOHW-832S VS0C").CopyTo(image, 0x2345);

        var identity = ImageIdentity.Of(image);

        Assert.Equal(IdentitySource.Search, identity.Source);
        Assert.Equal("LITE-ON", identity.Vendor);
        Assert.Equal("DVDRW SOHW-832S", identity.Model);
        Assert.Equal("VS0C", identity.Revision);
        Assert.Equal(0x2345, identity.VendorOffset);
        Assert.Equal("SOHW-832S", identity.Family?.Name);
    }

    [Fact]
    public void Product_string_without_adjacent_vendor_still_names_the_family()
    {
        var image = new byte[0x100000];
        Array.Fill(image, (byte)0x00);
        Encoding.ASCII.GetBytes("DVDRW LDW-411S  FS0F").CopyTo(image, 0x30000);

        var identity = ImageIdentity.Of(image);

        Assert.Null(identity.Vendor);
        Assert.Equal("DVDRW LDW-411S", identity.Model);
        Assert.Equal("FS0F", identity.Revision);
        Assert.Equal("LDW-411S", identity.Family?.Name);
    }

    [Fact]
    public void Image_without_identity_strings_reports_none_and_uses_the_default_boot_block()
    {
        var identity = ImageIdentity.Of(Images.Anonymous128K());

        Assert.Equal(IdentitySource.None, identity.Source);
        Assert.Null(identity.Vendor);
        Assert.Null(identity.Family);
        Assert.Equal(0, identity.BootBlock.Start);
        Assert.Equal(0x10000, identity.BootBlock.Length);
    }

    [Fact]
    public void Sums_and_hashes_are_those_of_the_bytes()
    {
        var image = Images.Anonymous128K();
        var identity = ImageIdentity.Of(image);

        uint sum = 0;
        foreach (var b in image)
            sum += b;
        Assert.Equal((ushort)sum, identity.Sum16);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image)), identity.Sha256);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image.AsSpan(0, 0x10000))), identity.BootBlockSha256);
        Assert.Equal(0x20000, identity.Size);
    }

    [Fact]
    public void Boot_block_hash_uses_the_family_range()
    {
        var identity = ImageIdentity.Of(Images.Btc1008);

        Assert.Equal(0x4000, identity.BootBlock.Length);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Images.Btc1008.AsSpan(0, 0x4000))), identity.BootBlockSha256);
    }
}

public class FamilyFitTests
{
    [Fact]
    public void LiteOn_image_fits_its_own_family_first_and_never_the_BTC_layout()
    {
        var fits = FamilyFit.Assess(FirmwareReader.Parse(Images.LiteOn411, "fs0j.bin"));

        Assert.Equal("LDW-411S", fits[0].Family.Name);
        Assert.True(fits[0].ModelMatches && fits[0].Fits);
        Assert.DoesNotContain(fits, f => f.Family.Name == "DRW-1008IM");
        Assert.DoesNotContain(fits, f => f.Family.Name == "MT1939"); // 2 MiB family, 1 MiB image
    }

    [Fact]
    public void Image_that_fails_every_rule_and_names_no_family_fits_nothing()
    {
        var image = Images.Anonymous128K();
        image[^1] = 0x00; // make sure the reconstructed sum rule does not hold by chance
        image[^2] = 0x00;
        var rule = ImageFamilies.Get("LDW-411S").Validity;
        Assert.False(rule.IsValid(image));

        Assert.Empty(FamilyFit.Assess(FirmwareReader.Parse(image, "anon.bin")));
    }
}
