using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;
using RecoveryKit.Tests.Cli;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Firmware;

/// <summary>
/// Files that are not firmware, names that are not names, and updaters built to be slow: each ends in one
/// error line with a documented exit code, quickly, and never touches a drive.
/// </summary>
public sealed class HostileInputTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static CliResult Timed(Func<CliResult> run, double seconds = 20)
    {
        var watch = Stopwatch.StartNew();
        var r = run();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(seconds), $"took {watch.Elapsed}");
        return r;
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/dev/urandom")]
    [InlineData("/dev/null")]
    public void A_character_device_is_refused_without_reading_it(string device)
    {
        if (!File.Exists(device))
            return;

        var r = Timed(() => _cli.Run("inspect", device));

        Assert.Equal(7, r.Exit);
        Assert.Contains("not a regular file", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void A_fifo_with_no_writer_is_refused_at_once_by_inspect_and_diff()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var fifo = _cli.PathOf("fw.bin");
        using (var p = Process.Start("mkfifo", fifo))
            p.WaitForExit();
        File.WriteAllBytes(_cli.PathOf("good.bin"), Images.LiteOn411);

        Assert.Equal(7, Timed(() => _cli.Run("inspect", fifo)).Exit);
        Assert.Equal(7, Timed(() => _cli.Run("diff", _cli.PathOf("good.bin"), fifo)).Exit);
    }

    [Theory]
    [InlineData("inspect", "")]
    [InlineData("inspect", " ")]
    [InlineData("diff", "", "x.bin")]
    [InlineData("extract", "", "-o", "y.bin")]
    [InlineData("flash", "3", "", "--device", "sim:dead-ldw411s", "--yes")]
    [InlineData("backup", "3", "-o", "", "--device", "sim:dead-ldw411s", "--profile", "LDW-411S")]
    [InlineData("sim-image", "dead-ldw411s", "-o", "")]
    [InlineData("identify", "3", "--device", "sim:dead-ldw411s", "--transcript", "")]
    [InlineData("replay", "")]
    public void An_empty_file_name_is_a_usage_error(params string[] args)
    {
        var r = _cli.Run(args);

        Assert.True(r.Exit == 2, r.ToString());
        Assert.Single(r.ErrorLines);
    }

    [Fact]
    public void An_empty_backup_name_is_a_usage_error_before_the_drive_is_touched()
    {
        var image = _cli.PathOf("fw.bin");
        File.WriteAllBytes(image, SimScenariosImage());
        var transcript = _cli.PathOf("t.txt");

        var r = _cli.Run("flash", "3", image, "--backup", "", "--device", "sim:dead-ldw411s", "--yes", "--transcript", transcript);

        Assert.True(r.Exit == 2, r.ToString());
        Assert.False(File.Exists(transcript));
    }

    private static byte[] SimScenariosImage() => RecoveryKit.Emulation.SimScenarios.Find("dead-ldw411s")!.RecoveryImage()!;

    [Fact]
    public void A_newline_in_a_file_name_is_shown_escaped_on_one_error_line()
    {
        var r = _cli.Run("inspect", "fw\nerror: fake.bin");

        Assert.Equal(2, r.Exit);
        var line = Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("fake", StringComparison.Ordinal));
        Assert.StartsWith("error:", line, StringComparison.Ordinal);
        Assert.Contains("\\x0A", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_named_with_a_newline_is_still_one_line()
    {
        var r = _cli.Run("flash", "3", "--device", "sim:dead-ldw411s", "--yes", "--backup", _cli.PathOf("a\nb.bin"), _cli.PathOf("fw.bin"));

        Assert.Single(r.ErrorLines);
        Assert.DoesNotContain(r.Err.Split('\n'), l => l.StartsWith('b'));
    }

    [Fact]
    public void The_transcript_never_overwrites_a_file_not_even_the_image_just_used()
    {
        var image = _cli.PathOf("fw.bin");
        File.WriteAllBytes(image, Images.LiteOn411);

        var r = _cli.Run("flash", "3", image, "--device", "sim:update-ldw411s", "--yes", "--transcript", image);

        Assert.Equal(13, r.Exit);
        Assert.Contains("already exists", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(Images.LiteOn411, File.ReadAllBytes(image));
    }

    [Fact]
    public void Sim_image_never_overwrites_a_file()
    {
        var path = _cli.PathOf("keep.bin");
        File.WriteAllText(path, "precious");

        var r = _cli.Run("sim-image", "dead-ldw411s", "-o", path);

        Assert.Equal(13, r.Exit);
        Assert.Equal("precious", File.ReadAllText(path));
    }

    [Theory]
    [InlineData("backup", "-o")]
    [InlineData("erase", "--backup")]
    public void An_unusable_backup_path_is_refused_before_any_register_access(string command, string option)
    {
        if (!Directory.Exists("/proc"))
            return;
        var transcript = _cli.PathOf("t.txt");

        var r = _cli.Run(command, "3", option, "/proc/x.bin", "--device", "sim:update-ldw411s", "--yes", "--transcript", transcript);

        Assert.True(r.Exit is 13, r.ToString());
        Assert.Single(r.ErrorLines);
        Assert.True(!File.Exists(transcript) || Transcripts.Accesses(transcript).Length == 0, "the drive was touched");
    }

    [Fact]
    public void A_backup_to_an_existing_name_gets_a_new_name_and_the_old_file_is_kept()
    {
        var old = _cli.PathOf("b.bin");
        File.WriteAllText(old, "old backup");

        var r = _cli.Run("backup", "3", "-o", old, "--device", "sim:update-ldw411s");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Equal("old backup", File.ReadAllText(old));
        Assert.Equal(1 << 20, new FileInfo(_cli.PathOf("b-1.bin")).Length);
    }

    [Fact]
    public void An_updater_with_thousands_of_sections_over_the_image_is_refused_in_bounded_time()
    {
        // The LDW-411S image with one byte changed (its checksum no longer holds), so every region holding its
        // identity is searched for a valid start: 2,000 sections at 2,000 offsets would be minutes of checksums.
        var image = (byte[])Images.LiteOn411.Clone();
        image[0x20000] ^= 0xFF;
        var pe = CraftedPe(image, sections: 2000);

        var watch = Stopwatch.StartNew();
        var ex = Assert.Throws<RecoveryKitException>(() => FirmwareReader.Parse(pe, "crafted.exe"));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"took {watch.Elapsed}"); // unbounded: about 500 s
        Assert.Equal(FailureKind.ImageRejected, ex.Failure.Kind);
    }

    [Fact]
    public void An_updater_with_many_sections_still_finds_the_image_in_the_overlay()
    {
        var pe = CraftedPe(Images.LiteOn411, sections: 500, overlayOnly: true);

        var found = FirmwareReader.Parse(pe, "crafted.exe");

        Assert.Equal(Images.LiteOn411, found.Data.ToArray());
    }

    /// <summary>
    /// A PE32 whose section headers all point into <paramref name="image"/>, each starting one byte later; the
    /// image follows the headers (and is also the overlay when <paramref name="overlayOnly"/>).
    /// </summary>
    private static byte[] CraftedPe(byte[] image, int sections, bool overlayOnly = false)
    {
        const int pe = 0x80;
        var headers = pe + 4 + 20 + 224 + (40 * sections);
        var dataAt = (headers + 0x1FF) & ~0x1FF;
        var file = new byte[dataAt + 0x200 + image.Length];
        var f = file.AsSpan();
        f[0] = (byte)'M';
        f[1] = (byte)'Z';
        BinaryPrimitives.WriteInt32LittleEndian(f[0x3C..], pe);
        "PE\0\0"u8.CopyTo(f[pe..]);
        var coff = pe + 4;
        BinaryPrimitives.WriteUInt16LittleEndian(f[coff..], 0x014C);
        BinaryPrimitives.WriteUInt16LittleEndian(f[(coff + 2)..], (ushort)sections);
        BinaryPrimitives.WriteUInt16LittleEndian(f[(coff + 16)..], 224);
        BinaryPrimitives.WriteUInt16LittleEndian(f[(coff + 18)..], 0x0102);
        var opt = coff + 20;
        BinaryPrimitives.WriteUInt16LittleEndian(f[opt..], 0x10B);
        BinaryPrimitives.WriteUInt32LittleEndian(f[(opt + 32)..], 0x1000);
        BinaryPrimitives.WriteUInt32LittleEndian(f[(opt + 36)..], 0x200);
        BinaryPrimitives.WriteUInt32LittleEndian(f[(opt + 56)..], (uint)(0x1000 * (sections + 1)));
        BinaryPrimitives.WriteUInt32LittleEndian(f[(opt + 60)..], (uint)dataAt);
        BinaryPrimitives.WriteUInt32LittleEndian(f[(opt + 92)..], 16);
        var header = opt + 224;
        for (var i = 0; i < sections; i++)
        {
            var h = f[(header + (40 * i))..];
            Encoding.ASCII.GetBytes(".s").CopyTo(h);
            // Each region a little larger than the image, so only a start where the checksum holds would be taken.
            var start = overlayOnly ? dataAt : dataAt + (i % 0x100);
            var size = overlayOnly ? 0x200 : image.Length + 0x100;
            BinaryPrimitives.WriteUInt32LittleEndian(h[8..], (uint)size);
            BinaryPrimitives.WriteUInt32LittleEndian(h[12..], (uint)(0x1000 * (i + 1)));
            BinaryPrimitives.WriteUInt32LittleEndian(h[16..], (uint)size);
            BinaryPrimitives.WriteUInt32LittleEndian(h[20..], (uint)start);
        }
        image.CopyTo(f[(dataAt + 0x200)..]);
        return file;
    }
}
