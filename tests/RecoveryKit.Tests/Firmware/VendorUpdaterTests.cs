using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;

namespace RecoveryKit.Tests.Firmware;

public class VendorUpdaterTests
{
    [Fact]
    public void Image_in_the_PE_overlay_is_found_and_its_offset_reported()
    {
        var overlay = new byte[32 + Images.LiteOn411.Length];
        "PKG-HEADER-NOT-PART-OF-THE-IMAGE"u8.CopyTo(overlay);
        Images.LiteOn411.CopyTo(overlay, 32);
        var exe = TestPe.Build(overlay: overlay);
        var overlayStart = TestPe.OverlayOffset(exe, overlay.Length);

        var image = FirmwareReader.Parse(exe, "LDW411S_FS0J.exe");

        // The 32-byte header is skipped: the start is where the family's checksum holds, not the overlay start.
        Assert.Equal(FirmwareFormat.VendorUpdater, image.Format);
        Assert.Equal(overlayStart + 32, image.SourceOffset);
        Assert.Equal(Images.LiteOn411, image.Data.ToArray());
        Assert.Contains("overlay", image.SourceLocation);
        Assert.Equal("LDW-411S", image.Family?.Name);
    }

    [Fact]
    public void Image_exactly_filling_the_overlay_is_found_at_the_overlay_start()
    {
        var exe = TestPe.Build(overlay: Images.LiteOn411);
        var overlayStart = TestPe.OverlayOffset(exe, Images.LiteOn411.Length);

        var image = FirmwareReader.Parse(exe, "update.exe");

        Assert.Equal(overlayStart, image.SourceOffset);
        Assert.Contains("overlay", image.SourceLocation);
        Assert.Equal(Images.LiteOn411, image.Data.ToArray());
        Assert.Equal("FS0J", image.Identity.Revision);
    }

    [Fact]
    public void Image_in_an_RCDATA_resource_is_found_and_the_resource_named()
    {
        var exe = TestPe.Build(resource: Images.LiteOn411);

        var image = FirmwareReader.Parse(exe, "update.exe");

        Assert.Contains("resource 10/101/1033", image.SourceLocation);
        Assert.Equal(Images.LiteOn411, image.Data.ToArray());
        Assert.True(exe.AsSpan((int)image.SourceOffset, image.Size).SequenceEqual(image.Data.Span));
    }

    [Fact]
    public void BTC_image_is_found_by_raw_scan_at_its_fixed_identity_offsets()
    {
        // Hide the image inside the code section after some bytes, so neither overlay nor section start fit.
        var code = new byte[0x300 + Images.Btc1008.Length + 0x100];
        new Random(3).NextBytes(code.AsSpan(0, 0x300));
        Images.Btc1008.CopyTo(code, 0x300);
        var exe = TestPe.Build(code: code);

        var image = FirmwareReader.Parse(exe, "btcflash.exe");

        Assert.Contains("raw scan", image.SourceLocation);
        Assert.Equal(Images.Btc1008, image.Data.ToArray());
        Assert.Equal("DRW-1008IM", image.Family?.Name);
        Assert.Equal(IdentitySource.FixedOffsets, image.Identity.Source);
    }

    [Fact]
    public void Updater_without_a_recognisable_image_is_called_scrambled_never_guessed()
    {
        var scrambled = Images.LiteOn411.Select((b, i) => (byte)(b ^ (i * 7 + 0x5A))).ToArray();
        var exe = TestPe.Build(overlay: scrambled);

        var ex = Images.Rejected(() => FirmwareReader.Parse(exe, "SOHW1213S.exe"));

        Assert.Equal(FailureKind.ImageRejected, ex.Failure.Kind);
        Assert.Contains("this updater is scrambled or compressed; extract the .bin with the vendor tool or use a .bin", ex.Failure.Cause);
    }

    [Fact]
    public void Executable_with_damaged_PE_headers_is_a_typed_rejection()
    {
        var exe = TestPe.Build(overlay: Images.LiteOn411);
        exe[0x80] = (byte)'X'; // break the "PE\0\0" signature

        var ex = Images.Rejected(() => FirmwareReader.Parse(exe, "broken.exe"));

        Assert.Equal(FailureKind.ImageRejected, ex.Failure.Kind);
        Assert.Contains("PE headers are damaged", ex.Failure.Cause);
        Assert.IsType<BadImageFormatException>(ex.InnerException);
    }

    [Fact]
    public void Truncated_executable_is_a_typed_rejection()
    {
        var ex = Images.Rejected(() => FirmwareReader.Parse("MZ\x90\0"u8.ToArray(), "tiny.exe"));
        Assert.Equal(FailureKind.ImageRejected, ex.Failure.Kind);
    }
}
