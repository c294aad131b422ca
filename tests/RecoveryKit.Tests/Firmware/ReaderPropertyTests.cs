using System.Text;
using CsCheck;
using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;

namespace RecoveryKit.Tests.Firmware;

/// <summary>Random and mutated inputs must give an image or a typed failure: never a crash, never a hang.</summary>
public class ReaderPropertyTests
{
    private static void ImageOrTypedFailure(byte[] content)
    {
        try
        {
            var image = FirmwareReader.Parse(content, "fuzz");
            Assert.True(FlashSize.IsValid(image.Size));
        }
        catch (RecoveryKitException ex)
        {
            Assert.True(Enum.IsDefined(ex.Failure.Kind));
        }
    }

    /// <summary>Up to <c>count</c> (position, value) overwrites applied to a copy.</summary>
    private static Gen<byte[]> Mutated(byte[] original, int count) =>
        Gen.Select(Gen.Int[0, original.Length - 1], Gen.Byte).Array[1, count].Select(edits =>
        {
            var copy = (byte[])original.Clone();
            foreach (var (at, value) in edits)
                copy[at] = value;
            return copy;
        });

    [Fact]
    public void Random_bytes_give_an_image_or_a_typed_failure()
    {
        Gen.Byte.Array[0, 4096].Sample(ImageOrTypedFailure, iter: 300);
    }

    [Fact]
    public void Random_text_starting_with_a_colon_gives_an_image_or_a_typed_failure()
    {
        Gen.Char[" :0123456789ABCDEFabcdef\r\nGz"].Array[0, 400]
            .Select(chars => Encoding.ASCII.GetBytes(":" + new string(chars)))
            .Sample(ImageOrTypedFailure, iter: 500);
    }

    [Fact]
    public void Mutated_hex_gives_an_image_or_a_typed_failure()
    {
        var image = new byte[0x20000];
        Array.Fill(image, (byte)0xFF);
        new Random(4).NextBytes(image.AsSpan(0, 0x800));
        new Random(5).NextBytes(image.AsSpan(0x10000, 0x400));
        var hex = Encoding.ASCII.GetBytes(IntelHex.Write(image));
        Mutated(hex, 8).Sample(ImageOrTypedFailure, iter: 300);
    }

    [Fact]
    public void Mutated_bin_gives_an_image_or_a_typed_failure()
    {
        var bin = Images.Anonymous128K();
        bin[0] = 0x02;
        Mutated(bin, 16).Sample(ImageOrTypedFailure, iter: 100);
    }

    [Fact]
    public void Mutated_updater_gives_an_image_or_a_typed_failure()
    {
        var small = Images.Anonymous128K();
        System.Text.Encoding.ASCII.GetBytes("LITE-ON DVDRW SOHW-832S VS0C").CopyTo(small, 0x9000);
        var exe = TestPe.Build(resource: small);
        // Mutations concentrated in the headers, where the PE parser and the resource walker read.
        Mutated(exe[..0x400], 6).Select(head =>
        {
            var copy = (byte[])exe.Clone();
            head.CopyTo(copy, 0);
            return copy;
        }).Sample(ImageOrTypedFailure, iter: 300);
    }

    [Fact]
    public void Hex_written_by_the_project_reads_back_exactly()
    {
        Gen.Select(Gen.Int[0, 1], Gen.Int, Gen.Int[0, 100]).Sample((sizeIndex, seed, erasedPercent) =>
        {
            var random = new Random(seed);
            var image = new byte[FlashSize.Valid[sizeIndex]];
            random.NextBytes(image);
            // Erased runs of random length, so records are skipped and banks left empty.
            for (var at = 0; at < image.Length; at += random.Next(1, 0x4000))
            {
                if (random.Next(100) < erasedPercent)
                    image.AsSpan(at, Math.Min(random.Next(1, 0x3000), image.Length - at)).Fill(0xFF);
            }

            var back = IntelHex.Read(Encoding.ASCII.GetBytes(IntelHex.Write(image, random.Next(2) == 0 ? "\n" : "\r\n")), "round-trip");

            Assert.Equal(image, back);
        }, iter: 40);
    }
}
