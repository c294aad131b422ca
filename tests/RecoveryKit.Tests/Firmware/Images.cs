using RecoveryKit.Firmware;

namespace RecoveryKit.Tests.Firmware;

/// <summary>Synthetic images shared by the firmware tests (built once; never real vendor firmware).</summary>
internal static class Images
{
    private static readonly Lazy<byte[]> Ldw411S = new(() => SyntheticImage.Build(ImageFamilies.Get("LDW-411S"), 0x100000, "FS0J", 411));
    private static readonly Lazy<byte[]> Btc = new(() => SyntheticImage.Build(ImageFamilies.Get("DRW-1008IM"), 0x100000, "0045", 1008));

    /// <summary>An LDW-411S image, revision FS0J, 1 MiB. Callers must not modify it.</summary>
    public static byte[] LiteOn411 => Ldw411S.Value;

    /// <summary>A BTC DRW-1008IM image, revision 0045, 1 MiB. Callers must not modify it.</summary>
    public static byte[] Btc1008 => Btc.Value;

    /// <summary>A 128 KiB image with no identity strings: code at the start, erased elsewhere.</summary>
    public static byte[] Anonymous128K(int seed = 7)
    {
        var random = new Random(seed);
        var image = new byte[0x20000];
        Array.Fill(image, (byte)0xFF);
        for (var i = 0; i < 0x8000; i++)
            image[i] = (byte)random.Next(0, 0x7F); // no 0xFF, no high bytes: easy to spot
        return image;
    }

    public static RecoveryKit.Diagnostics.RecoveryKitException Rejected(Action action)
    {
        var ex = Assert.Throws<RecoveryKit.Diagnostics.RecoveryKitException>(action);
        return ex;
    }
}
