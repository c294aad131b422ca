using System.Diagnostics;
using RecoveryKit.Cli;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Firmware;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Cli;

/// <summary>
/// The wizard's folder scan reads every candidate file: one that is huge, odd or slow to classify must not hold it up.
/// Such files are skipped with a note naming them; the image that fits is still found.
/// </summary>
[Collection(nameof(RecoveryKitDataEnvironment))]
public sealed class ImageScanBoundsTests : IDisposable
{
    private readonly StickDataFolder _stick = new();

    public void Dispose() => _stick.Dispose();

    private static byte[] Ldw411sFs0j() => SimScenarios.Find("dead-ldw411s")!.RecoveryImage()!;

    [Fact]
    public void A_file_larger_than_the_scan_reads_is_skipped_unread_with_a_note()
    {
        var big = _stick.Put("huge.exe", []);
        using (var f = File.OpenWrite(big))
            f.SetLength(ImageSearch.ScanMaxBytes + 1); // sparse: nothing written
        var good = _stick.Put("FS0J.BIN", Ldw411sFs0j());
        var loaded = new List<string>();

        var scan = ImageSearch.Classify([big, good], _ => true, f => { loaded.Add(f); return FirmwareReader.Load(f); }, TimeSpan.FromSeconds(10), ImageSearch.ScanMaxBytes);

        Assert.Equal([good], loaded);
        Assert.Equal(good, Assert.Single(scan.Images).SourcePath);
        var note = Assert.Single(scan.Skipped);
        Assert.Contains("huge.exe", note, StringComparison.Ordinal);
        Assert.Contains("--image", note, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_takes_too_long_to_classify_is_skipped_and_the_scan_goes_on()
    {
        var slow = _stick.Put("slow.exe", [1, 2, 3]);
        var good = _stick.Put("FS0J.BIN", Ldw411sFs0j());
        using var release = new ManualResetEventSlim();

        var watch = Stopwatch.StartNew();
        var scan = ImageSearch.Classify([slow, good], _ => true,
            f => { if (f == slow) release.Wait(TimeSpan.FromSeconds(60)); return FirmwareReader.Load(f); },
            TimeSpan.FromSeconds(3), ImageSearch.ScanMaxBytes);
        var took = watch.Elapsed;
        release.Set();

        Assert.True(took < TimeSpan.FromSeconds(30), $"took {took}");
        Assert.Equal(good, Assert.Single(scan.Images).SourcePath);
        Assert.Contains("slow.exe: not classified within 3 s", Assert.Single(scan.Skipped), StringComparison.Ordinal);
    }

    [Fact]
    public void A_fifo_among_the_images_is_skipped_without_blocking()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var fifo = Path.Combine(_stick.Data, "pipe.bin");
        using (var p = Process.Start("mkfifo", fifo))
            p.WaitForExit();
        var good = _stick.Put("FS0J.BIN", Ldw411sFs0j());

        var scan = ImageSearch.Classify([fifo, good], _ => true, f => FirmwareReader.Load(f), TimeSpan.FromSeconds(10), ImageSearch.ScanMaxBytes);

        Assert.Single(scan.Images);
        Assert.Contains("pipe.bin: empty or not a regular file", Assert.Single(scan.Skipped), StringComparison.Ordinal);
    }

    [Fact]
    public void Files_that_are_not_firmware_are_left_out_without_a_note()
    {
        var junk = _stick.Put("notes.bin", [1, 2, 3, 4]);

        var scan = ImageSearch.Classify([junk], _ => true, f => FirmwareReader.Load(f), TimeSpan.FromSeconds(10), ImageSearch.ScanMaxBytes);

        Assert.Empty(scan.Images);
        Assert.Empty(scan.Skipped);
    }

    [Fact]
    public void The_wizard_names_a_skipped_file_and_still_uses_the_image_that_fits()
    {
        var big = _stick.Put("huge.exe", []);
        using (var f = File.OpenWrite(big))
            f.SetLength(ImageSearch.ScanMaxBytes + 1);
        var image = _stick.Put("FS0J.BIN", Ldw411sFs0j());

        var r = _stick.Cli.Run("unbrick", "--device", "sim:dead-ldw411s", "--yes");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("Note: " + big + ": 16 MiB, larger than the 16 MiB a folder scan reads of one file", r.Out, StringComparison.Ordinal);
        Assert.Contains($"Step 3 of 5 — image: {image}", r.Out, StringComparison.Ordinal);
    }
}
