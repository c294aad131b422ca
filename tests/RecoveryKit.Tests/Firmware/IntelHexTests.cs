using System.Text;
using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;

namespace RecoveryKit.Tests.Firmware;

public class IntelHexTests
{
    /// <summary>A data record line with a correct checksum.</summary>
    private static string Record(int offset, params byte[] data)
    {
        var sum = data.Length + (offset >> 8) + (offset & 0xFF);
        var line = new StringBuilder($":{data.Length:X2}{offset:X4}00");
        foreach (var b in data)
        {
            line.Append(b.ToString("X2"));
            sum += b;
        }
        return line.Append(((byte)(0x100 - (sum & 0xFF))).ToString("X2")).ToString();
    }

    private static byte[] Text(params string[] lines) => Encoding.ASCII.GetBytes(string.Join("\r\n", lines) + "\r\n");

    private static RecoveryKitException Reject(params string[] lines) =>
        Images.Rejected(() => FirmwareReader.Parse(Text(lines), "V0045.HEX"));

    [Fact]
    public void Hex_with_two_banks_places_data_in_each_bank_and_pads_with_FF_to_128_KiB()
    {
        var image = FirmwareReader.Parse(Text(
            Record(0x0000, 0x02, 0x00, 0x30),
            Record(0x1000, 0xAA),
            IntelHex.NextBankRecord,
            Record(0x0010, 0x55, 0x66),
            IntelHex.EndRecord), "V0045.HEX");

        Assert.Equal(FirmwareFormat.IntelHex, image.Format);
        Assert.Equal(0x20000, image.Size);
        var data = image.Data.Span;
        Assert.Equal(new byte[] { 0x02, 0x00, 0x30 }, data[..3].ToArray());
        Assert.Equal(0xAA, data[0x1000]);
        Assert.Equal(0x55, data[0x10010]);
        Assert.Equal(0x66, data[0x10011]);
        Assert.Equal(0xFF, data[3]);
        Assert.Equal(0xFF, data[0x1FFFF]);
    }

    [Fact]
    public void Hex_with_sixteen_banks_is_a_1_MiB_image()
    {
        var lines = new List<string> { Record(0, 1) };
        for (var bank = 1; bank < 16; bank++)
            lines.Add(IntelHex.NextBankRecord);
        lines.Add(Record(0xFFF0, 9));
        lines.Add(IntelHex.EndRecord);

        var image = FirmwareReader.Parse(Text([.. lines]), "V0045.HEX");

        Assert.Equal(0x100000, image.Size);
        Assert.Equal(9, image.Data.Span[0xFFFF0]);
    }

    [Fact]
    public void Hex_of_three_banks_is_rounded_up_to_256_KiB()
    {
        var image = FirmwareReader.Parse(Text(Record(0, 1), IntelHex.NextBankRecord, IntelHex.NextBankRecord, Record(0, 3), IntelHex.EndRecord), "x.hex");
        Assert.Equal(0x40000, image.Size);
        Assert.Equal(3, image.Data.Span[0x20000]);
    }

    [Fact]
    public void Hex_accepts_LF_line_ends_and_lower_case_digits()
    {
        var text = string.Join("\n", Record(0x0ABC, 0xDE, 0xAD).ToLowerInvariant(), IntelHex.EndRecord.ToLowerInvariant(), "");
        var image = FirmwareReader.Parse(Encoding.ASCII.GetBytes(text), "x.hex");
        Assert.Equal(0xDE, image.Data.Span[0x0ABC]);
        Assert.Equal(0xAD, image.Data.Span[0x0ABD]);
    }

    [Fact]
    public void Hex_with_bad_checksum_on_line_7_is_rejected_naming_line_7()
    {
        var lines = Enumerable.Range(0, 6).Select(i => Record(i * 16, (byte)i)).ToList();
        var bad = Record(0x60, 0x11, 0x22);
        lines.Add(bad[..^2] + (bad[^2..] == "00" ? "01" : "00"));
        lines.Add(IntelHex.EndRecord);

        var ex = Reject([.. lines]);

        Assert.Equal(FailureKind.ImageRejected, ex.Failure.Kind);
        Assert.Contains("line 7:", ex.Failure.Cause);
        Assert.Contains("checksum", ex.Failure.Cause);
    }

    [Fact]
    public void Hex_with_overlapping_records_is_rejected_naming_the_line()
    {
        var ex = Reject(Record(0x0000, 1, 2, 3, 4), Record(0x0002, 9), IntelHex.EndRecord);
        Assert.Contains("line 2:", ex.Failure.Cause);
        Assert.Contains("overlaps", ex.Failure.Cause);
    }

    [Fact]
    public void Hex_with_out_of_order_records_is_rejected_naming_the_line()
    {
        var ex = Reject(Record(0x0100, 1), Record(0x0200, 2), Record(0x0000, 3), IntelHex.EndRecord);
        Assert.Contains("line 3:", ex.Failure.Cause);
        Assert.Contains("out of order", ex.Failure.Cause);
    }

    [Fact]
    public void Hex_record_running_past_the_end_of_its_bank_is_rejected_naming_the_line()
    {
        var ex = Reject(Record(0xFFF8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10), IntelHex.EndRecord);
        Assert.Contains("line 1:", ex.Failure.Cause);
        Assert.Contains("runs past the end of 64 KiB bank 0", ex.Failure.Cause);
    }

    [Fact]
    public void Hex_with_more_banks_than_2_MiB_is_rejected_naming_the_line()
    {
        var lines = new List<string> { Record(0, 1) };
        lines.AddRange(Enumerable.Repeat(IntelHex.NextBankRecord, 32));
        lines.Add(IntelHex.EndRecord);
        var ex = Reject([.. lines]);
        Assert.Contains("line 33:", ex.Failure.Cause);
        Assert.Contains("past the largest flash", ex.Failure.Cause);
    }

    [Fact]
    public void Hex_without_end_record_is_rejected_as_cut_short()
    {
        var ex = Reject(Record(0, 1, 2));
        Assert.Contains("no end record", ex.Failure.Cause);
    }

    [Fact]
    public void Hex_with_data_after_the_end_record_is_rejected_naming_the_line()
    {
        var ex = Reject(Record(0, 1), IntelHex.EndRecord, Record(0x10, 2));
        Assert.Contains("line 3:", ex.Failure.Cause);
    }

    [Fact]
    public void Hex_with_a_standard_extended_address_record_is_rejected_as_unknown_type()
    {
        var ex = Reject(Record(0, 1), ":020000040001F9", IntelHex.EndRecord);
        Assert.Contains("line 2:", ex.Failure.Cause);
        Assert.Contains("record type 0x04", ex.Failure.Cause);
    }

    [Fact]
    public void Hex_with_a_non_hex_digit_is_rejected_naming_the_line()
    {
        var ex = Reject(Record(0, 1), ":01001000G0EF", IntelHex.EndRecord);
        Assert.Contains("line 2:", ex.Failure.Cause);
        Assert.Contains("not a hex digit", ex.Failure.Cause);
    }

    [Fact]
    public void Hex_whose_length_byte_disagrees_with_the_line_is_rejected()
    {
        var ex = Reject(":0400000001020304F2", ":03001000AABBCC", IntelHex.EndRecord);
        Assert.Contains("line 2:", ex.Failure.Cause);
    }

    [Fact]
    public void Hex_record_too_short_to_hold_a_header_is_rejected_naming_the_line()
    {
        var ex = Reject(Record(0, 1), ":0000", IntelHex.EndRecord);
        Assert.Contains("line 2:", ex.Failure.Cause);
        Assert.Contains("hex digits", ex.Failure.Cause);
    }

    [Fact]
    public void Bank_record_with_another_offset_is_not_taken_for_a_bank_advance()
    {
        // Same type 0x55 and a valid checksum, but offset 0x0002: not the record btcflash recognises.
        var ex = Reject(Record(0, 1), ":00000255A9", IntelHex.EndRecord);
        Assert.Contains("line 2:", ex.Failure.Cause);
        Assert.Contains("record type 0x55", ex.Failure.Cause);
    }

    [Fact]
    public void Hex_line_not_starting_with_a_colon_is_rejected_naming_the_line()
    {
        var ex = Reject(Record(0, 1), "garbage", IntelHex.EndRecord);
        Assert.Contains("line 2:", ex.Failure.Cause);
    }

    [Fact]
    public void Hex_with_no_data_records_is_rejected()
    {
        var ex = Reject(IntelHex.EndRecord);
        Assert.Contains("no data records", ex.Failure.Cause);
    }

    [Fact]
    public void Written_hex_uses_bank_records_and_ends_with_the_end_record()
    {
        var image = new byte[0x20000];
        Array.Fill(image, (byte)0xFF);
        image[0x10005] = 0x42;

        var hex = IntelHex.Write(image);

        var lines = hex.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([IntelHex.NextBankRecord, Record(0x0000, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x42, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF), IntelHex.EndRecord], lines);
    }

    [Fact]
    public void Written_hex_of_a_2_MiB_image_reads_back_exactly()
    {
        var image = SyntheticImage.Build(ImageFamilies.Get("MT1939"), 0x200000, "1.00", 39);
        var back = IntelHex.Read(Encoding.ASCII.GetBytes(IntelHex.Write(image, "\n")), "mt1939.hex");
        Assert.Equal(image, back);
    }
}
