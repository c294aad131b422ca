using RecoveryKit.Ata;

namespace RecoveryKit.Tests.Ata;

/// <summary>IdentifyData: ATA strings (two characters per word, first in the high byte) and the general-config word.</summary>
public sealed class IdentifyDataTests
{
    private static ushort[] Words(string text)
    {
        var words = new ushort[(text.Length + 1) / 2];
        for (var i = 0; i < words.Length; i++)
            words[i] = (ushort)((text[2 * i] << 8) | (2 * i + 1 < text.Length ? text[2 * i + 1] : ' '));
        return words;
    }

    [Fact]
    public void Ata_string_takes_the_first_character_from_the_high_byte()
    {
        Assert.Equal("LITE-ON", IdentifyData.AtaString([0x4C49, 0x5445, 0x2D4F, 0x4E20]));
    }

    [Fact]
    public void Ata_string_trims_trailing_space_padding()
    {
        Assert.Equal("VS0C", IdentifyData.AtaString(Words("VS0C    ")));
    }

    [Fact]
    public void Ata_string_turns_nul_into_space_and_unprintable_bytes_into_question_marks()
    {
        Assert.Equal("A?B", IdentifyData.AtaString([0x4101, 0x4200, 0x0000]));
    }

    [Fact]
    public void Parse_reads_model_27_46_revision_23_26_serial_10_19_and_lba_sectors_60_61()
    {
        var words = new ushort[256];
        words[0] = 0x0040;
        Words("SERIAL-123".PadRight(20)).CopyTo(words, 10);
        Words("1.23".PadRight(8)).CopyTo(words, 23);
        Words("SOME DISK MODEL".PadRight(40)).CopyTo(words, 27);
        words[60] = 0x5678;
        words[61] = 0x0123;

        var data = IdentifyData.Parse(words);

        Assert.Equal("SOME DISK MODEL", data.Model);
        Assert.Equal("1.23", data.Revision);
        Assert.Equal("SERIAL-123", data.Serial);
        Assert.False(data.IsPacketDevice);
        Assert.Equal(0x0123_5678, data.Sectors);
    }

    [Fact]
    public void Parse_recognises_an_atapi_cd_dvd_device_from_general_config()
    {
        var words = new ushort[256];
        words[0] = 0x85C0;

        var data = IdentifyData.Parse(words);

        Assert.True(data.IsPacketDevice);
        Assert.Equal(0x05, data.PacketDeviceType);
        Assert.Equal(0, data.Sectors);
    }

    [Fact]
    public void Parse_rejects_less_than_256_words()
    {
        Assert.Throws<ArgumentException>(() => IdentifyData.Parse(new ushort[255]));
    }
}
