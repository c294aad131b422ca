using RecoveryKit.Firmware;

namespace RecoveryKit.Tests.Firmware;

public class SyntheticImageTests
{
    public static TheoryData<string, int, string> Builds => new()
    {
        { "LDW-411S", 0x100000, "FS0J" },
        { "LDW-811S", 0x100000, "HS0K" },
        { "SOHW-832S", 0x100000, "VS0C" },
        { "SOHW-1213S", 0x100000, "TS09" },
        { "DRW-1008IM", 0x100000, "0045" },
        { "MT1939", 0x200000, "1D00" },
    };

    [Theory]
    [MemberData(nameof(Builds))]
    public void Built_image_is_valid_for_its_family_and_reads_back_with_its_identity(string name, int size, string revision)
    {
        var family = ImageFamilies.Get(name);

        var bytes = SyntheticImage.Build(family, size, revision, seed: 5);
        var image = FirmwareReader.Parse(bytes, name + ".bin");

        Assert.Equal(size, bytes.Length);
        Assert.True(family.Validity.IsValid(bytes));
        Assert.Same(family, image.Family);
        Assert.Equal(family.Vendor.Value, image.Identity.Vendor);
        Assert.Equal(family.Products.Value[0], image.Identity.Model);
        Assert.Equal(revision, image.Identity.Revision);
    }

    [Fact]
    public void Same_seed_gives_the_same_bytes_and_another_seed_other_bytes()
    {
        var family = ImageFamilies.Get("SOHW-832S");
        Assert.Equal(SyntheticImage.Build(family, 0x100000, "VS0C", 1), SyntheticImage.Build(family, 0x100000, "VS0C", 1));
        Assert.NotEqual(SyntheticImage.Build(family, 0x100000, "VS0C", 1), SyntheticImage.Build(family, 0x100000, "VS0C", 2));
    }

    [Fact]
    public void Two_revisions_from_one_seed_share_the_boot_block_but_not_the_main_firmware()
    {
        var family = ImageFamilies.Get("LDW-411S");
        var a = SyntheticImage.Build(family, 0x100000, "FS0F", 9);
        var b = SyntheticImage.Build(family, 0x100000, "FS0J", 9);

        Assert.Equal(ImageIdentity.Of(a).BootBlockSha256, ImageIdentity.Of(b).BootBlockSha256);
        Assert.NotEqual(ImageIdentity.Of(a).Sha256, ImageIdentity.Of(b).Sha256);
    }

    [Fact]
    public void Built_image_looks_like_code_with_large_erased_regions_not_uniform_noise()
    {
        var bytes = SyntheticImage.Build(ImageFamilies.Get("LDW-411S"), 0x100000, "FS0J", 3);

        var erased = bytes.Count(b => b == 0xFF);
        Assert.InRange(erased, bytes.Length / 5, bytes.Length * 4 / 5);
        Assert.Equal(0x02, bytes[0]); // LJMP at the reset vector
        // 8051 opcodes the generator favours appear far more often than uniform noise (1/256 each) would give.
        var code = bytes.Where(b => b != 0xFF).ToArray();
        var movx = code.Count(b => b is 0xE0 or 0xF0);
        Assert.True(movx > code.Length / 40, $"MOVX share {movx}/{code.Length}");
    }

    [Fact]
    public void Half_written_image_fails_the_validity_rule()
    {
        var family = ImageFamilies.Get("SOHW-832S");
        var good = SyntheticImage.Build(family, 0x100000, "VS0C", 11);

        var bad = SyntheticImage.Corrupt(good, Corruption.HalfWritten, seed: 1, family.BootBlock);

        Assert.True(family.Validity.IsValid(good));
        Assert.False(family.Validity.IsValid(bad));
        Assert.Equal(0xFF, bad[^1]);
        Assert.True(bad.AsSpan(0, 0x80000).SequenceEqual(good.AsSpan(0, 0x80000)));
    }

    [Theory]
    [InlineData(Corruption.BitFlip)]
    [InlineData(Corruption.ErasedSector)]
    public void Damaged_main_firmware_fails_a_checksum_rule(Corruption kind)
    {
        var family = ImageFamilies.Get("MT1939");
        var good = SyntheticImage.Build(family, 0x200000, "1D00", 4);

        var bad = SyntheticImage.Corrupt(good, kind, seed: 3, family.BootBlock);

        Assert.NotEqual(good, bad);
        Assert.True(bad.AsSpan(0, 0x10000).SequenceEqual(good.AsSpan(0, 0x10000)));
        Assert.False(family.Validity.IsValid(bad));
    }

    [Fact]
    public void Truncated_image_is_rejected_by_the_reader_naming_its_size()
    {
        var good = SyntheticImage.Build(ImageFamilies.Get("LDW-411S"), 0x100000, "FS0J", 4);
        var cut = SyntheticImage.Corrupt(good, Corruption.Truncated, seed: 8);

        var ex = Images.Rejected(() => FirmwareReader.Parse(cut, "cut.bin"));
        Assert.Contains($"{cut.Length} bytes", ex.Failure.Cause);
    }

    [Fact]
    public void Size_the_family_does_not_ship_with_is_an_argument_error()
    {
        Assert.Throws<ArgumentException>(() => SyntheticImage.Build(ImageFamilies.Get("MT1939"), 0x100000, "1D00", 1));
        Assert.Throws<ArgumentException>(() => SyntheticImage.Build(ImageFamilies.Get("LDW-411S"), 0x100000, "FS0JX", 1));
    }
}
