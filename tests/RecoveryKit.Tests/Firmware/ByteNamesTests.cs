using System.Diagnostics;
using System.Text;
using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;

namespace RecoveryKit.Tests.Firmware;

/// <summary>
/// A file name that is not UTF-8 ("fw\xFF.bin", as an old FAT stick or a Latin-1 system makes them) arrives in .NET
/// as "fw\uFFFD.bin"; it is opened by its bytes and shown with the bytes that are not UTF-8 as \xNN.
/// </summary>
public sealed class ByteNamesTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rk-bytenames-");

    public void Dispose()
    {
        // .NET cannot name the files this test makes: rm removes them by their bytes.
        using var rm = Process.Start("rm", ["-rf", _dir.FullName]);
        rm.WaitForExit();
    }

    /// <summary>Runs a shell line whose only non-ASCII bytes come from printf octal escapes (the name is made by sh, not by .NET).</summary>
    private void Shell(string line)
    {
        using var p = Process.Start(new ProcessStartInfo("sh", ["-c", line]) { WorkingDirectory = _dir.FullName })!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    /// <summary>The bytes of "DIR/fw\xFF.bin" and the string .NET makes of them (invalid byte → U+FFFD, as argv decoding does).</summary>
    private (byte[] Raw, string Lossy) Name(string stem)
    {
        var raw = Encoding.UTF8.GetBytes(_dir.FullName + "/" + stem).Concat(new byte[] { 0xFF }).Concat(".bin"u8.ToArray()).ToArray();
        return (raw, _dir.FullName + "/" + stem + "\uFFFD.bin");
    }

    private static byte[] CommandLine(params byte[][] entries) => [.. entries.SelectMany(e => e.Append((byte)0))];

    [Fact]
    public void Only_arguments_that_are_not_utf8_are_kept_paired_from_the_end_of_the_command_line()
    {
        var (raw, lossy) = Name("pair");
        string[] args = ["inspect", lossy];

        // The program and a runtime argument come first, as with 'dotnet recoverykit.dll inspect …'.
        ByteNames.Remember(args, CommandLine("dotnet"u8.ToArray(), "rk.dll"u8.ToArray(), "inspect"u8.ToArray(), raw));

        Assert.True(ByteNames.TryGetBytes(lossy, out var kept));
        Assert.Equal(raw, kept);
        Assert.False(ByteNames.TryGetBytes("inspect", out _));
    }

    [Fact]
    public void An_entry_that_does_not_decode_to_its_argument_is_not_taken()
    {
        var (raw, _) = Name("other");
        string[] args = ["inspect", "something\uFFFDelse.bin"];

        ByteNames.Remember(args, CommandLine("rk"u8.ToArray(), "inspect"u8.ToArray(), raw));

        Assert.False(ByteNames.TryGetBytes("something\uFFFDelse.bin", out _));
    }

    [Fact]
    public void A_name_is_shown_with_each_byte_that_is_not_utf8_as_hex_and_control_characters_escaped()
    {
        byte[] name = [.. "fw"u8, 0xFF, .. "é"u8, 0xC3, (byte)'\n', .. ".bin"u8];

        Assert.Equal("fw\\xFFé\\xC3\\x0A.bin", ByteNames.Show(name));
    }

    [Fact]
    public void A_firmware_file_whose_name_is_not_utf8_is_loaded_by_its_bytes()
    {
        if (!OperatingSystem.IsLinux())
            return;
        File.WriteAllBytes(Path.Combine(_dir.FullName, "src.bin"), Images.LiteOn411);
        Shell("cp src.bin \"$(printf 'load\\377.bin')\"");
        var (raw, lossy) = Name("load");
        Assert.False(File.Exists(lossy)); // .NET alone cannot reach it
        ByteNames.Remember(["inspect", lossy], CommandLine("rk"u8.ToArray(), "inspect"u8.ToArray(), raw));

        var image = FirmwareReader.Load(lossy);

        Assert.Equal(Images.LiteOn411, image.Data.ToArray());
        Assert.EndsWith("load\\xFF.bin", image.SourcePath, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fifo_whose_name_is_not_utf8_is_refused_without_blocking()
    {
        if (!OperatingSystem.IsLinux())
            return;
        Shell("mkfifo \"$(printf 'pipe\\377.bin')\"");
        var (raw, lossy) = Name("pipe");
        ByteNames.Remember(["inspect", lossy], CommandLine("rk"u8.ToArray(), "inspect"u8.ToArray(), raw));

        var watch = Stopwatch.StartNew();
        var ex = Assert.Throws<RecoveryKitException>(() => FirmwareReader.Load(lossy));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal(FailureKind.ImageRejected, ex.Failure.Kind);
        Assert.Contains("pipe\\xFF.bin", ex.Failure.Cause, StringComparison.Ordinal);
        Assert.Contains("not a regular file", ex.Failure.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_whose_name_is_not_utf8_is_a_file_error_naming_its_bytes()
    {
        var (raw, lossy) = Name("absent");
        ByteNames.Remember(["inspect", lossy], CommandLine("rk"u8.ToArray(), "inspect"u8.ToArray(), raw));

        var ex = Assert.Throws<RecoveryKitException>(() => FirmwareReader.Load(lossy));

        Assert.Equal(FailureKind.FileError, ex.Failure.Kind);
        Assert.Contains("absent\\xFF.bin", ex.Failure.Cause, StringComparison.Ordinal);
    }
}
