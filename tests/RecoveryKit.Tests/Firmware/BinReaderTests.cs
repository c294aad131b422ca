using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;

namespace RecoveryKit.Tests.Firmware;

public class BinReaderTests
{
    [Theory]
    [InlineData(0x20000)]
    [InlineData(0x40000)]
    [InlineData(0x80000)]
    [InlineData(0x100000)]
    [InlineData(0x200000)]
    public void Raw_bin_of_every_valid_flash_size_is_read_as_Bin(int size)
    {
        var content = new byte[size];
        new Random(size).NextBytes(content);
        content[0] = 0x02; // LJMP, as 8051 images start; never ':' or "MZ"

        var image = FirmwareReader.Parse(content, "fw.bin");

        Assert.Equal(FirmwareFormat.Bin, image.Format);
        Assert.Equal(size, image.Size);
        Assert.True(image.Data.Span.SequenceEqual(content));
        Assert.Equal(0, image.SourceOffset);
        Assert.Equal("fw.bin", image.SourcePath);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0x1FFFF)]
    [InlineData(0x20001)]
    [InlineData(0xC0000)]
    [InlineData(0x300000)]
    public void Bin_of_other_size_is_rejected_naming_the_size_found_and_the_sizes_expected(int size)
    {
        var content = new byte[size];
        content.AsSpan().Fill(0x02);

        var ex = Images.Rejected(() => FirmwareReader.Parse(content, "short.bin"));

        Assert.Equal(FailureKind.ImageRejected, ex.Failure.Kind);
        Assert.Contains($"{size} bytes", ex.Failure.Cause);
        Assert.Contains("128 KiB, 256 KiB, 512 KiB, 1 MiB or 2 MiB", ex.Failure.Cause);
    }

    [Fact]
    public void Empty_file_is_rejected()
    {
        var ex = Images.Rejected(() => FirmwareReader.Parse(Array.Empty<byte>(), "empty.bin"));
        Assert.Equal(FailureKind.ImageRejected, ex.Failure.Kind);
        Assert.Contains("empty", ex.Failure.Cause);
    }

    [Fact]
    public void Format_is_detected_from_content_not_from_the_file_name()
    {
        var hex = IntelHex.Write(Images.LiteOn411);
        var fromMisnamedHex = FirmwareReader.Parse(System.Text.Encoding.ASCII.GetBytes(hex), "FIRMWARE.BIN");
        var fromMisnamedBin = FirmwareReader.Parse(Images.LiteOn411, "V0045.HEX");

        Assert.Equal(FirmwareFormat.IntelHex, fromMisnamedHex.Format);
        Assert.Equal(FirmwareFormat.Bin, fromMisnamedBin.Format);
        Assert.True(fromMisnamedHex.Data.Span.SequenceEqual(fromMisnamedBin.Data.Span));
    }

    [Fact]
    public void Load_of_a_missing_file_is_a_FileError()
    {
        var dir = Directory.CreateTempSubdirectory("rk-fw-");
        try
        {
            var ex = Images.Rejected(() => FirmwareReader.Load(Path.Combine(dir.FullName, "NOPE.BIN")));
            Assert.Equal(FailureKind.FileError, ex.Failure.Kind);
            Assert.Contains("NOPE.BIN", ex.Failure.Cause);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void Load_reads_the_file_and_records_its_path()
    {
        var dir = Directory.CreateTempSubdirectory("rk-fw-");
        try
        {
            var path = Path.Combine(dir.FullName, "fs0j.bin");
            File.WriteAllBytes(path, Images.LiteOn411);

            var image = FirmwareReader.Load(path);

            Assert.Equal(path, image.SourcePath);
            Assert.Equal("FS0J", image.Identity.Revision);
            Assert.Empty(image.Notes);
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
