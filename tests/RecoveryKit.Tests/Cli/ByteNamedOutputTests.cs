using System.Diagnostics;
using System.Text;
using RecoveryKit.Cli;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Firmware;

namespace RecoveryKit.Tests.Cli;

/// <summary>
/// Output files named with bytes that are not UTF-8 ("t\xFE.txt" from a Latin-1 shell) are created under exactly
/// those bytes, as input images are opened by theirs — never under the replacement character .NET decodes them to
/// (which would be another file), and never over an existing file. A backup under such a name is refused.
/// </summary>
public sealed class ByteNamedOutputTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rk-byteout-");

    public void Dispose()
    {
        // .NET cannot name the files this test makes: rm removes them by their bytes.
        using var rm = Process.Start("rm", ["-rf", _dir.FullName]);
        rm.WaitForExit();
    }

    /// <summary>The bytes of "DIR/STEM\xBB.EXT" (BB = <paramref name="bad"/>) and the string .NET makes of them.</summary>
    private (byte[] Raw, string Lossy) Name(string stem, byte bad, string ext)
    {
        byte[] raw = [.. Encoding.UTF8.GetBytes(_dir.FullName + "/" + stem), bad, .. Encoding.UTF8.GetBytes(ext)];
        return (raw, _dir.FullName + "/" + stem + "\uFFFD" + ext);
    }

    /// <summary>Registers the arguments as the process's command line (the program first), as Program.cs does from /proc/self/cmdline.</summary>
    private static void CommandLine(string[] args, params (byte[] Raw, string Lossy)[] names)
    {
        var entries = new List<byte>("rk"u8.ToArray()) { 0 };
        foreach (var a in args)
        {
            var match = names.FirstOrDefault(n => n.Lossy == a);
            entries.AddRange(match.Raw ?? Encoding.UTF8.GetBytes(a));
            entries.Add(0);
        }
        ByteNames.Remember(args, entries.ToArray());
    }

    /// <summary>Whether the shell finds a file or folder under exactly these bytes (test -e with a printf octal name).</summary>
    private static bool ExistsByBytes(byte[] raw, string test = "-e")
    {
        var octal = string.Concat(raw.Select(b => b is >= 0x20 and < 0x7F and not (byte)'\'' and not (byte)'\\' and not (byte)'%' ? ((char)b).ToString() : $"\\{Convert.ToString(b, 8).PadLeft(3, '0')}"));
        using var p = Process.Start(new ProcessStartInfo("sh", ["-c", $"test {test} \"$(printf '{octal}')\""]))!;
        p.WaitForExit();
        return p.ExitCode == 0;
    }

    private static byte[] Replaced(byte[] raw, byte bad) => [.. raw.TakeWhile(b => b != bad), 0xEF, 0xBF, 0xBD, .. raw.SkipWhile(b => b != bad).Skip(1)];

    [Fact]
    public void A_new_file_is_created_under_its_bytes_and_an_existing_one_is_refused_untouched()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var (raw, lossy) = Name("t", 0xFE, ".txt");
        CommandLine(["scan", "--transcript", lossy], (raw, lossy));

        using (var stream = OutputFiles.CreateNew(lossy, "--transcript", "transcript"))
            stream.Write("first"u8);

        Assert.True(ExistsByBytes(raw, "-s"));
        Assert.False(ExistsByBytes(Replaced(raw, 0xFE)));
        var ex = Assert.Throws<RecoveryKitException>(() => OutputFiles.CreateNew(lossy, "--transcript", "transcript"));
        Assert.Equal(FailureKind.FileError, ex.Failure.Kind);
        Assert.Contains("t\\xFE.txt\" already exists", ex.Failure.Cause, StringComparison.Ordinal);
        Assert.True(ExistsByBytes(raw, "-s"));
    }

    [Fact]
    public void A_flash_writes_its_transcript_log_and_dump_under_the_names_given_and_refuses_such_a_backup_name()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var image = Path.Combine(_dir.FullName, "fw.bin");
        File.WriteAllBytes(image, SimScenarios.Find("dead-ldw411s")!.RecoveryImage()!);
        var transcript = Name("t", 0xFC, ".txt");
        var log = Name("l", 0xFA, ".log");
        var dump = Name("d", 0xFB, "");
        string[] args = ["flash", "3", image, "--device", "sim:dead-ldw411s", "--yes", "--backup", Path.Combine(_dir.FullName, "b.bin"),
            "--transcript", transcript.Lossy, "--log", log.Lossy, "--sim-dump", dump.Lossy];
        CommandLine(args, transcript, log, dump);

        var run = CliHarness.Raw(args);

        Assert.True(run.Exit == 0, run.ToString());
        Assert.True(ExistsByBytes(transcript.Raw, "-s"));
        Assert.True(ExistsByBytes(log.Raw, "-s"));
        Assert.True(ExistsByBytes([.. dump.Raw, .. "/3.bin"u8], "-s"));
        foreach (var (raw, bad) in new[] { (transcript.Raw, (byte)0xFC), (log.Raw, (byte)0xFA), (dump.Raw, (byte)0xFB) })
            Assert.False(ExistsByBytes(Replaced(raw, bad)));
        Assert.Contains("Session log: " + _dir.FullName + "/l\\xFA.log", run.All, StringComparison.Ordinal);

        var backup = Name("b", 0xF9, ".bin");
        string[] again = ["flash", "3", image, "--device", "sim:dead-ldw411s", "--yes", "--backup", backup.Lossy, "--log", Path.Combine(_dir.FullName, "again.log")];
        CommandLine(again, backup);
        var refused = CliHarness.Raw(again);

        Assert.Equal(2, refused.Exit);
        Assert.Contains("b\\xF9.bin\" is not UTF-8", refused.ErrorLines.Single(l => l.StartsWith("error:", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.False(ExistsByBytes(backup.Raw));
        Assert.False(ExistsByBytes(Replaced(backup.Raw, 0xF9)));
    }
}
