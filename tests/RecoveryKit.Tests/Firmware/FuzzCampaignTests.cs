using System.Diagnostics;
using System.Text;
using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;

namespace RecoveryKit.Tests.Firmware;

/// <summary>
/// 1,000 seeded mutations of each image format (raw .bin, BTC and Lite-On Intel-HEX, vendor updaters with the image
/// as overlay, in a resource, and at an odd offset after other data): every one gives an image or a typed failure
/// whose message is one line, and none takes long. Seeds are fixed, so a failure names a reproducible case.
/// </summary>
public class FuzzCampaignTests
{
    private const int Mutations = 1000;

    private static readonly Lazy<byte[]> BtcHex = new(() => Encoding.ASCII.GetBytes(IntelHex.Write(Images.Btc1008)));
    private static readonly Lazy<byte[]> LiteOnHex = new(() => Encoding.ASCII.GetBytes(IntelHex.Write(Images.LiteOn411)));

    public static TheoryData<string> Formats => new() { "bin", "btc-hex", "lite-on-hex", "pe-overlay", "pe-resource", "pe-odd-offset" };

    private static byte[] Original(string format) => format switch
    {
        "bin" => Images.LiteOn411,
        "btc-hex" => BtcHex.Value,
        "lite-on-hex" => LiteOnHex.Value,
        "pe-overlay" => TestPe.Build(overlay: Images.LiteOn411),
        "pe-resource" => TestPe.Build(resource: Images.Btc1008),
        "pe-odd-offset" => TestPe.Build(overlay: [.. new byte[0x123], .. Images.Btc1008, .. new byte[0x45]]),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>One mutation: byte overwrites (mostly), or a cut, or a duplicated slice, chosen by the seed.</summary>
    private static byte[] Mutate(byte[] original, Random random)
    {
        var kind = random.Next(10);
        if (kind == 0)
            return original[..random.Next(original.Length)];
        if (kind == 1)
        {
            var at = random.Next(original.Length);
            var length = random.Next(1, 4096);
            return [.. original[..at], .. original.AsSpan(at, Math.Min(length, original.Length - at)), .. original[at..]];
        }
        var copy = (byte[])original.Clone();
        var edits = random.Next(1, 17);
        for (var i = 0; i < edits; i++)
        {
            // Half the edits land in the first 4 KiB (headers, hex record starts), the rest anywhere.
            var where = random.Next(2) == 0 ? random.Next(Math.Min(4096, copy.Length)) : random.Next(copy.Length);
            copy[where] = (byte)random.Next(256);
        }
        return copy;
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void A_thousand_seeded_mutations_give_an_image_or_a_one_line_typed_failure(string format)
    {
        var original = Original(format);
        var slowest = TimeSpan.Zero;
        var rejected = 0;
        for (var seed = 0; seed < Mutations; seed++)
        {
            // string.GetHashCode is randomized per process: the seed comes from the format's characters instead, so
            // a failing seed is the same one on the next run.
            var content = Mutate(original, new Random((format.Aggregate(17, (h, c) => (h * 31) + c) & 0xFFFF) ^ (seed * 7919)));
            var watch = Stopwatch.StartNew();
            try
            {
                var image = FirmwareReader.Parse(content, "fuzz.bin");
                Assert.True(FlashSize.IsValid(image.Size), $"{format} seed {seed}: an image of {image.Size} bytes");
            }
            catch (RecoveryKitException ex)
            {
                rejected++;
                Assert.True(Enum.IsDefined(ex.Failure.Kind) && ex.Failure.Kind != FailureKind.Internal, $"{format} seed {seed}: {ex.Failure.Kind}");
                Assert.DoesNotContain(ex.Failure.ToString(), c => c is '\n' or '\r');
            }
            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
        }
        Assert.True(slowest < TimeSpan.FromSeconds(30), $"{format}: slowest parse took {slowest}"); // no hang, even on a loaded machine
        Assert.InRange(rejected, 1, Mutations); // the mutations do reach the checks
    }
}
