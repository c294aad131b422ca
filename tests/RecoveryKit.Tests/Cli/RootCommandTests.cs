using System.Text.RegularExpressions;

namespace RecoveryKit.Tests.Cli;

/// <summary>The root of the command line: help, version and parse errors.</summary>
public sealed class RootCommandTests
{
    public static TheoryData<string> Commands =>
    [
        "scan", "unbrick", "flash", "sim-image", "selftest", "identify", "backup", "verify", "erase", "reset",
        "mtkflash", "inspect", "extract", "diff", "fix-checksum",
    ];

    [Theory]
    [MemberData(nameof(Commands))]
    public void Help_lists_the_command(string command)
    {
        var r = CliHarness.Raw("--help");

        Assert.Equal(0, r.Exit);
        Assert.Matches(new Regex($@"^\s+{Regex.Escape(command)}\b", RegexOptions.Multiline), r.Out);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Each_command_has_its_own_help(string command)
    {
        var r = CliHarness.Raw(command, "--help");

        Assert.Equal(0, r.Exit);
        Assert.Contains("Usage:", r.Out, StringComparison.Ordinal);
        Assert.Contains(command, r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Version_prints_a_version_number()
    {
        var r = CliHarness.Raw("--version");

        Assert.Equal(0, r.Exit);
        Assert.Matches(@"^\d+\.\d+\.\d+", r.Out.Trim());
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("identify", "3", "--nope")]
    [InlineData("flash")]
    [InlineData("backup", "3")]
    [InlineData("erase", "3")]
    [InlineData("scan", "--device")]
    public void A_parse_error_is_exit_2_with_one_usage_line(params string[] args)
    {
        var r = CliHarness.Raw(args);

        Assert.Equal(2, r.Exit);
        Assert.StartsWith("error: usage: ", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(string.Empty, r.Out);
    }

    [Fact]
    public void No_command_is_a_usage_error()
    {
        var r = CliHarness.Raw();

        Assert.Equal(2, r.Exit);
        Assert.Single(r.ErrorLines);
    }
}
