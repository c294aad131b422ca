using RecoveryKit.Packet;

namespace RecoveryKit.Tests.Packet;

/// <summary>SenseData.Parse: fixed (70h/71h) and descriptor (72h/73h) formats, and what too little data gives.</summary>
public sealed class SenseDataTests
{
    private static byte[] Fixed(byte code, byte key, byte asc, byte ascq)
    {
        var raw = new byte[18];
        raw[0] = code;
        raw[2] = key;
        raw[7] = 10;
        raw[12] = asc;
        raw[13] = ascq;
        return raw;
    }

    [Fact]
    public void Fixed_format_70h_gives_key_asc_and_ascq()
    {
        Assert.Equal(new SenseData(0x2, 0x3A, 0x01), SenseData.Parse(Fixed(0x70, 0x02, 0x3A, 0x01)));
    }

    [Fact]
    public void Fixed_format_with_the_valid_bit_and_flag_bits_in_byte_2_still_gives_the_key()
    {
        // F0h = valid + 70h; byte 2 carries FILEMARK/EOM/ILI in its high bits.
        Assert.Equal(new SenseData(0x5, 0x24, 0x00), SenseData.Parse(Fixed(0xF0, 0xE5, 0x24, 0x00)));
    }

    [Fact]
    public void Fixed_format_71h_deferred_error_is_decoded_too()
    {
        Assert.Equal(new SenseData(0x3, 0x11, 0x05), SenseData.Parse(Fixed(0x71, 0x03, 0x11, 0x05)));
    }

    [Fact]
    public void Descriptor_format_72h_gives_key_asc_and_ascq_from_bytes_1_to_3()
    {
        Assert.Equal(new SenseData(0x6, 0x29, 0x00), SenseData.Parse([0x72, 0x06, 0x29, 0x00, 0, 0, 0, 0]));
        Assert.Equal(new SenseData(0x4, 0x44, 0x00), SenseData.Parse([0x73, 0xF4, 0x44, 0x00]));
    }

    [Fact]
    public void Short_fixed_sense_gives_only_the_key()
    {
        var raw = Fixed(0x70, 0x02, 0x3A, 0x00);

        Assert.Equal(new SenseData(0x2, 0, 0), SenseData.Parse(raw.AsSpan(0, 13)));
        Assert.Equal(new SenseData(0x2, 0, 0), SenseData.Parse(raw.AsSpan(0, 3)));
        Assert.Equal(new SenseData(0x2, 0x3A, 0), SenseData.Parse(raw.AsSpan(0, 14)));
    }

    [Fact]
    public void Too_short_or_unknown_sense_gives_null()
    {
        Assert.Null(SenseData.Parse([]));
        Assert.Null(SenseData.Parse([0x70, 0x00]));
        Assert.Null(SenseData.Parse([0x72, 0x06, 0x29]));
        Assert.Null(SenseData.Parse(new byte[18])); // response code 00h: no sense data
        Assert.Null(SenseData.Parse([0x7F, 0, 5, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0]));
    }

    [Fact]
    public void To_string_names_the_key_and_the_condition()
    {
        var text = new SenseData(0x2, 0x3A, 0x00).ToString();

        Assert.Contains("NOT READY", text, StringComparison.Ordinal);
        Assert.Contains("3Ah/00h", text, StringComparison.Ordinal);
        Assert.Contains("medium not present", text, StringComparison.Ordinal);
    }
}
