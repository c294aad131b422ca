using System.Diagnostics;
using RecoveryKit.Cli;
using RecoveryKit.Cli.Commands;

namespace RecoveryKit.Tests.Cli;

/// <summary>
/// The man page, README's supported-drives list and the bash completion are generated from the command tree and
/// the profiles, so they cannot drift: regenerate with 'recoverykit man > docs/recoverykit.1' and
/// 'recoverykit drives --markdown' (between README's drives markers).
/// </summary>
public sealed class GeneratedDocsTests
{
    private static string RepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RecoveryKit.sln")))
                return Path.Combine(dir.FullName, relative);
        }
        throw new InvalidOperationException("RecoveryKit.sln not found above the test folder");
    }

    private static System.CommandLine.RootCommand Root() =>
        RecoveryKitCli.BuildRoot(new Terminal(new StringWriter(), new StringWriter(), null, interactive: false), new GlobalOptions());

    [Fact]
    public void The_man_page_in_docs_is_the_one_the_command_tree_renders()
    {
        var rendered = ManPageCommand.Render(Root());

        Assert.True(File.ReadAllText(RepoFile("docs/recoverykit.1")) == rendered,
            "docs/recoverykit.1 is out of date: run 'recoverykit man > docs/recoverykit.1'");
    }

    [Fact]
    public void The_man_page_documents_every_visible_command_and_every_exit_code()
    {
        var page = ManPageCommand.Render(Root());

        foreach (var command in Root().Subcommands.Where(c => !c.Hidden))
            Assert.Contains($".B {command.Name.Replace("-", "\\-", StringComparison.Ordinal)}", page, StringComparison.Ordinal);
        for (var code = 0; code <= 13; code++)
            Assert.Contains($".TP\n.B {code}\n", page, StringComparison.Ordinal);
    }

    [Fact]
    public void Readme_lists_the_supported_drives_exactly_as_the_drives_command_prints_them()
    {
        var readme = File.ReadAllText(RepoFile("README.md"));
        const string Begin = "<!-- drives:begin (recoverykit drives --markdown) -->\n";
        const string End = "<!-- drives:end -->";
        var start = readme.IndexOf(Begin, StringComparison.Ordinal);
        var end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "README.md lacks the drives markers");

        Assert.Equal(DrivesCommand.Markdown(), readme[(start + Begin.Length)..end]);
    }

    [Fact]
    public void Drives_names_every_profile_and_chip_with_its_grade()
    {
        using var cli = new CliHarness();

        var r = cli.Run("drives");

        Assert.Equal(0, r.Exit);
        foreach (var drive in RecoveryKit.Profiles.ProfileCatalog.Drives)
            Assert.Matches($@"{drive.Name} .*\[{drive.Grade}\]", r.Out);
        foreach (var chip in RecoveryKit.Profiles.ProfileCatalog.Chips)
            Assert.Matches($@"{chip.Name} .*\[{chip.Grade}\]", r.Out);
    }

    [Fact]
    public void Bash_completion_completes_commands_options_and_device_names()
    {
        using var cli = new CliHarness();
        var script = cli.PathOf("recoverykit.bash");
        var r = cli.Run("completion", "bash");
        Assert.Equal(0, r.Exit);
        File.WriteAllText(script, r.Out);

        Assert.Equal("flash", Complete(script, "recoverykit fl"));
        Assert.Equal("mtkflash", Complete(script, "recoverykit mtk"));
        Assert.Contains("--write-bootcode", Complete(script, "recoverykit flash --wri").Split(' '));
        Assert.Equal("sim:dead-ldw411s", Complete(script, "recoverykit unbrick --simulate --device sim:dead-ld"));
        Assert.Contains("--json", Complete(script, "recoverykit drives --j").Split(' '));
    }

    [Fact]
    public void Completion_for_another_shell_is_a_usage_error()
    {
        using var cli = new CliHarness();

        Assert.Equal(2, cli.Run("completion", "tcsh").Exit);
    }

    /// <summary>Runs bash's completion function for a command line (the last word is being completed).</summary>
    private static string Complete(string script, string line)
    {
        var words = line.Split(' ');
        var program = $"source '{script}'; COMP_WORDS=({string.Join(' ', words.Select(w => $"'{w}'"))}); COMP_CWORD={words.Length - 1}; _recoverykit; echo \"${{COMPREPLY[*]}}\"";
        using var bash = Process.Start(new ProcessStartInfo("bash", ["-c", program]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        var output = bash.StandardOutput.ReadToEnd().Trim();
        bash.WaitForExit();
        return output;
    }
}
