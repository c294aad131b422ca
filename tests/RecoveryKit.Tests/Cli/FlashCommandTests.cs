using System.Text.RegularExpressions;
using RecoveryKit.Cli;
using RecoveryKit.Profiles;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Cli;

public sealed partial class FlashCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rk-cli-flash-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_dir.FullName, name);

    private static (int Code, string Out, string Err) Run(bool interactive, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = RecoveryKitCli.Run(args, output, error, interactive ? new StringReader(string.Empty) : null, interactive);
        return (code, output.ToString(), error.ToString());
    }

    private static (int Code, string Out, string Err) Run(params string[] args) => Run(false, args);

    private string SimImage(string scenario, string name)
    {
        var (code, output, error) = Run("sim-image", scenario, "-o", PathOf(name));
        Assert.True(code == 0, output + error);
        return PathOf(name);
    }

    [GeneratedRegex("^[WR] [0-9A-F]{3,4} [0-9A-F]{2}([0-9A-F]{2})?$")]
    private static partial Regex TranscriptLine();

    [Fact]
    public void Flash_recovers_the_dead_drive_with_transcript_backup_and_log()
    {
        var image = SimImage("dead-ldw411s", "fw.bin");

        var (code, output, error) = Run("flash", "--device", "sim:dead-ldw411s", image, "--yes",
            "--transcript", PathOf("t.txt"), "--backup", PathOf("b.bin"), "--log", PathOf("l.log"));

        Assert.True(code == 0, output + error);
        Assert.Contains("The drive is back", output);
        Assert.Contains("FS0J", output);
        var lines = Transcripts.Accesses(PathOf("t.txt"));
        Assert.True(lines.Length > 100_000);
        Assert.All(lines, l => Assert.Matches(TranscriptLine(), l));
        Assert.Contains("W 176 A0", lines);
        Assert.Contains("W 177 80", lines);
        Assert.Equal(ProfileCatalog.FindChip("SST39VF080")!.SizeBytes, new FileInfo(PathOf("b.bin")).Length);
        Assert.True(File.Exists(PathOf("l.log")));
        Assert.Contains("outcome", File.ReadAllText(PathOf("l.log")));
    }

    [Fact]
    public void Flash_to_the_hard_disk_position_is_refused_with_exit_4()
    {
        var image = SimImage("dead-ldw411s", "fw.bin");

        var (code, output, error) = Run("flash", "--device", "sim:dead-ldw411s", "1", image, "--yes",
            "--backup", PathOf("b.bin"), "--log", PathOf("l.log"));

        Assert.True(code == 4, output + error);
        Assert.Contains("hard disk", error);
        Assert.False(File.Exists(PathOf("b.bin")) && new FileInfo(PathOf("b.bin")).Length > 0);
    }

    [Fact]
    public void A_wrong_size_image_exits_7_before_the_backup_is_created_or_the_drive_touched()
    {
        var image = SimImage("dead-ltr52327s", "ltr.bin"); // 512 KiB, the LDW-411S has 1 MiB

        var (code, output, error) = Run("flash", "--device", "sim:dead-ldw411s", "3", image, "--yes", "--profile", "LDW-411S",
            "--transcript", PathOf("t.txt"), "--backup", PathOf("b.bin"), "--log", PathOf("l.log"));

        Assert.True(code == 7, output + error);
        Assert.False(File.Exists(PathOf("b.bin")));
        Assert.Empty(File.Exists(PathOf("t.txt")) ? Transcripts.Accesses(PathOf("t.txt")) : []);
    }

    [Fact]
    public void Without_a_terminal_and_without_yes_the_flash_is_cancelled_with_exit_10()
    {
        var image = SimImage("dead-ldw411s", "fw.bin");

        var (code, output, error) = Run(false, "flash", "--device", "sim:dead-ldw411s", image,
            "--transcript", PathOf("t.txt"), "--backup", PathOf("b.bin"), "--log", PathOf("l.log"));

        Assert.True(code == 10, output + error);
        Assert.Contains("--yes", error);
        Assert.False(File.Exists(PathOf("b.bin")));
        Assert.False(File.Exists(PathOf("t.txt")));
    }

    [Fact]
    public void An_unanswered_confirmation_cancels_before_anything_is_erased()
    {
        var image = SimImage("dead-ldw411s", "fw.bin");

        var (code, output, error) = Run(true, "flash", "--device", "sim:dead-ldw411s", image,
            "--backup", PathOf("b.bin"), "--log", PathOf("l.log"));

        Assert.True(code == 10, output + error);
        Assert.Contains("nothing was erased", error);
    }

    [Fact]
    public void A_missing_image_exits_13()
    {
        var (code, output, error) = Run("flash", "--device", "sim:dead-ldw411s", PathOf("nothere.bin"), "--yes",
            "--backup", PathOf("b.bin"), "--log", PathOf("l.log"));

        Assert.True(code == 13, output + error);
        Assert.Contains("nothere.bin", error);
        Assert.False(File.Exists(PathOf("b.bin")));
    }

    [Fact]
    public void A_DOS_style_upper_case_name_finds_the_lower_case_file_and_says_so()
    {
        SimImage("dead-ldw411s", "fw.bin");

        var (code, output, error) = Run("flash", "--device", "sim:dead-ldw411s", PathOf("FW.BIN"), "--yes",
            "--backup", PathOf("b.bin"), "--log", PathOf("l.log"));

        Assert.True(code == 0, output + error);
        Assert.Contains("note:", output);
        Assert.Contains("fw.bin", output);
        Assert.Contains("The drive is back", output);
    }
}
