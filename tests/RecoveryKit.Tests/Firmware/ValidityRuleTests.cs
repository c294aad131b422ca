using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;

namespace RecoveryKit.Tests.Firmware;

public class ValidityRuleTests
{
    [Fact]
    public void MT1939_sum_covers_0x10000_to_0x1E1FFF_and_is_stored_big_endian_at_0x1FFFFE()
    {
        var image = new byte[0x200000];
        Array.Fill(image, (byte)0xFF);
        image[0x10000] = 0x01;
        image[0x1E1FFF] = 0x02;
        image[0x1E2000] = 0x40; // outside the summed range
        image[0x0FFFF] = 0x40;  // boot area, outside too
        var rule = ImageFamilies.Get("MT1939").Validity;

        uint expected = 0;
        for (var i = 0x10000; i <= 0x1E1FFF; i++)
            expected += image[i];
        rule.Fix(image);

        Assert.Equal((byte)(expected >> 8), image[0x1FFFFE]);
        Assert.Equal((byte)expected, image[0x1FFFFF]);
        Assert.True(rule.IsValid(image));
        image[0x1E2000] ^= 0xFF;
        Assert.True(rule.IsValid(image));
        image[0x10001] ^= 0x01;
        Assert.False(rule.IsValid(image));
    }

    [Fact]
    public void Reconstructed_LiteOn_rule_sums_after_the_boot_block_into_the_last_two_bytes()
    {
        var image = new byte[0x100000];
        new Random(1).NextBytes(image);
        var rule = ImageFamilies.Get("LDW-411S").Validity;
        rule.Fix(image);

        uint sum = 0;
        for (var i = 0x10000; i < image.Length - 2; i++)
            sum += image[i];
        Assert.Equal((ushort)sum, (ushort)(image[^2] << 8 | image[^1]));
        Assert.Equal((ushort)sum, rule.Stored(image));
        Assert.True(rule.IsValid(image));
        image[0x5] ^= 0xFF; // boot block: not covered
        Assert.True(rule.IsValid(image));
    }

    [Fact]
    public void Sum16_rule_is_not_valid_on_an_image_too_small_for_it_and_refuses_to_fix_it()
    {
        var rule = ImageFamilies.Get("MT1939").Validity;
        var small = new byte[0x20000];
        Assert.False(rule.IsValid(small));
        Assert.Null(rule.Stored(small));
        var ex = Assert.Throws<RecoveryKitException>(() => rule.Fix(small));
        Assert.Equal(FailureKind.ImageRejected, ex.Failure.Kind);
    }

    [Fact]
    public void BTC_rule_stores_nothing_and_accepts_only_images_whose_main_firmware_is_not_erased()
    {
        var rule = ImageFamilies.Get("DRW-1008IM").Validity;
        var image = new byte[0x100000];
        Array.Fill(image, (byte)0xFF);
        image[0] = 0x02; // boot code only

        Assert.False(rule.CanFix);
        Assert.Null(rule.Stored(image));
        Assert.False(rule.IsValid(image));
        image[0x20000] = 0x12;
        Assert.True(rule.IsValid(image));
        Assert.Throws<RecoveryKitException>(() => rule.Fix(image));
    }

    [Fact]
    public void BTC_rule_computes_the_16_bit_sum_of_every_byte_as_btcflash_sends_it()
    {
        var image = new byte[0x100000];
        new Random(2).NextBytes(image);
        uint sum = 0;
        foreach (var b in image)
            sum += b;
        Assert.Equal((ushort)sum, ImageFamilies.Get("DRW-1008IM").Validity.Compute(image));
    }
}
