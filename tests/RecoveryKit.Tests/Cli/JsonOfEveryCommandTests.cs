using System.Text.Json;
using RecoveryKit.Emulation;

namespace RecoveryKit.Tests.Cli;

/// <summary>
/// --json on every command: stdout is exactly one JSON document (the commentary goes to stderr), and a failure is
/// {"error": {"stage", "cause", "advice", "exitCode"}} with the exit code unchanged (docs/json.md).
/// </summary>
public sealed class JsonOfEveryCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public JsonOfEveryCommandTests()
    {
        File.WriteAllBytes(_cli.PathOf("fw.bin"), SimScenarios.Find("dead-ldw411s")!.RecoveryImage()!);
        File.WriteAllBytes(_cli.PathOf("old.bin"), MtkScenarios.Setups["update-ldw411s"].Setup.InitialFlash());
    }

    public void Dispose() => _cli.Dispose();

    private string Fw => _cli.PathOf("fw.bin");

    /// <summary>Runs with --json and parses stdout as one document; returns its root.</summary>
    private (CliResult Run, JsonElement Root) Json(params string[] args)
    {
        var r = _cli.Run([.. args, "--json"]);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(r.Out);
        }
        catch (JsonException ex)
        {
            throw new Xunit.Sdk.XunitException($"stdout is not one JSON document ({ex.Message}):\n{r}");
        }
        var root = doc.RootElement.Clone();
        if (r.Exit != 0 && root.TryGetProperty("error", out var error))
            Assert.Equal(r.Exit, error.GetProperty("exitCode").GetInt32());
        return (r, root);
    }

    [Fact]
    public void Scan_lists_the_positions()
    {
        var (r, root) = Json("scan", "--device", "sim:dead-ldw411s");

        Assert.Equal(0, r.Exit);
        Assert.Equal(4, root.GetProperty("positions").GetArrayLength());
    }

    [Fact]
    public void Selftest_reports_its_checks()
    {
        var (r, root) = Json("selftest", "4", "--device", "sim:lite-on-secondary-slave");

        Assert.Equal(0, r.Exit);
        Assert.True(root.GetProperty("passed").GetBoolean());
        Assert.NotEqual(0, root.GetProperty("checks").GetArrayLength());
    }

    [Fact]
    public void Identify_says_what_the_drive_answered()
    {
        var (r, root) = Json("identify", "4", "--device", "sim:lite-on-secondary-slave");

        Assert.Equal(0, r.Exit);
        Assert.Equal("packet-device", root.GetProperty("answer").GetString());
        Assert.Equal("SOHW-832S", root.GetProperty("profile").GetString());
        Assert.Contains("IDENTIFY PACKET DEVICE", r.Err, StringComparison.Ordinal); // the commentary went to stderr
    }

    [Fact]
    public void Backup_names_the_file_and_the_reset()
    {
        var (r, root) = Json("backup", "3", "-o", _cli.PathOf("dump.bin"), "--profile", "LDW-411S", "--device", "sim:dead-ldw411s");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Equal(_cli.PathOf("dump.bin"), root.GetProperty("output").GetString());
        Assert.Equal(JsonValueKind.Object, root.GetProperty("outro").ValueKind);
    }

    [Fact]
    public void Verify_of_a_dead_drive_lists_the_differing_sectors_and_exits_9()
    {
        var (r, root) = Json("verify", "3", Fw, "--device", "sim:dead-ldw411s");

        Assert.Equal(9, r.Exit);
        Assert.False(root.GetProperty("identical").GetBoolean());
        Assert.NotEqual(0, root.GetProperty("differing").GetArrayLength());
    }

    [Fact]
    public void Erase_names_its_backup()
    {
        var (r, root) = Json("erase", "3", "--profile", "LDW-411S", "--backup", _cli.PathOf("erase-backup.bin"), "--yes", "--device", "sim:dead-ldw411s");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Equal(_cli.PathOf("erase-backup.bin"), root.GetProperty("backup").GetString());
        Assert.False(root.GetProperty("bootCodeErased").GetBoolean());
    }

    [Fact]
    public void Reset_reports_the_outro()
    {
        var (r, root) = Json("reset", "4", "--device", "sim:lite-on-secondary-slave");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.True(root.GetProperty("outro").GetProperty("cameBack").GetBoolean());
    }

    [Fact]
    public void Flash_reports_the_plan_the_sectors_and_the_drive_coming_back()
    {
        var (r, root) = Json("flash", "3", Fw, "--yes", "--device", "sim:dead-ldw411s");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.True(root.GetProperty("outro").GetProperty("cameBack").GetBoolean());
        Assert.True(root.GetProperty("plan").GetProperty("sectorsToWrite").GetInt32() > 0);
        Assert.Contains("Bank", r.Err, StringComparison.Ordinal); // progress on stderr, never in the JSON
    }

    [Fact]
    public void Unbrick_in_practice_mode_reports_the_flash()
    {
        var (r, root) = Json("unbrick", "--simulate", "--yes");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Equal("LDW-411S", root.GetProperty("profile").GetString());
        Assert.Contains("Step 5 of 5", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Mtkflash_explain_gives_the_translation_and_a_run_gives_the_flash()
    {
        var (explain, translation) = Json("mtkflash", "3", "w", "/m", Fw, "--explain");
        var (run, flash) = Json("mtkflash", "3", "w", "/m", Fw, "--yes", "--device", "sim:dead-ldw411s");

        Assert.Equal(0, explain.Exit);
        Assert.Equal("flash", translation.GetProperty("modernArgs")[0].GetString());
        Assert.True(run.Exit == 0, run.ToString());
        Assert.True(flash.GetProperty("outro").GetProperty("cameBack").GetBoolean());
    }

    [Fact]
    public void Sim_image_list_and_write()
    {
        var (list, scenarios) = Json("sim-image", "--list");
        var (write, written) = Json("sim-image", "dead-ldw411s", "-o", _cli.PathOf("new.bin"));

        Assert.Equal(0, list.Exit);
        Assert.Contains(scenarios.GetProperty("scenarios").EnumerateArray(), s => s.GetProperty("name").GetString() == "dead-ldw411s");
        Assert.Equal(0, write.Exit);
        Assert.Equal(1 << 20, written.GetProperty("size").GetInt32());
    }

    [Fact]
    public void Inspect_diff_and_fix_checksum()
    {
        var (inspect, image) = Json("inspect", Fw);
        var (diff, differences) = Json("diff", _cli.PathOf("old.bin"), Fw);
        var (fix, fixedImage) = Json("fix-checksum", Fw, "-o", _cli.PathOf("fixed.bin"));

        Assert.Equal(0, inspect.Exit);
        Assert.Equal(1 << 20, image.GetProperty("size").GetInt32());
        Assert.Equal(0, diff.Exit);
        Assert.False(differences.GetProperty("identical").GetBoolean());
        // LDW-411S's checksum rule decides whether fixing is allowed; either way the answer is JSON.
        Assert.True(fix.Exit == 0 ? fixedImage.TryGetProperty("computed", out _) : fixedImage.TryGetProperty("error", out _), fix.ToString());
    }

    [Fact]
    public void Extract_of_a_plain_image_is_an_error_document()
    {
        var (r, root) = Json("extract", Fw, "-o", _cli.PathOf("x.bin"));

        Assert.Equal(2, r.Exit);
        var error = root.GetProperty("error");
        Assert.Equal("extract", error.GetProperty("stage").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("advice").GetString()));
    }

    [Fact]
    public void Drives_lists_every_profile_and_chip()
    {
        var (r, root) = Json("drives");

        Assert.Equal(0, r.Exit);
        Assert.Equal(RecoveryKit.Profiles.ProfileCatalog.Drives.Count, root.GetProperty("drives").GetArrayLength());
        Assert.Equal(RecoveryKit.Profiles.ProfileCatalog.Chips.Count, root.GetProperty("chips").GetArrayLength());
    }

    [Fact]
    public void A_failure_is_an_error_document_on_stdout_with_the_exit_code_unchanged()
    {
        var (r, root) = Json("flash", "3", _cli.PathOf("missing.bin"), "--yes", "--device", "sim:dead-ldw411s");

        Assert.Equal(13, r.Exit);
        var error = root.GetProperty("error");
        Assert.Equal(13, error.GetProperty("exitCode").GetInt32());
        Assert.Equal("file-error", error.GetProperty("kind").GetString());
        foreach (var member in new[] { "stage", "cause", "advice" })
            Assert.False(string.IsNullOrEmpty(error.GetProperty(member).GetString()), member);
        Assert.Single(r.ErrorLines); // the human line is still on stderr
    }

    [Fact]
    public void A_usage_error_is_an_error_document_too()
    {
        var (r, root) = Json("drives", "--no-such-option");

        Assert.Equal(2, r.Exit);
        Assert.Equal(2, root.GetProperty("error").GetProperty("exitCode").GetInt32());
    }
}
