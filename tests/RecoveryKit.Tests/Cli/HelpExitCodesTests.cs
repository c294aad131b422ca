using RecoveryKit.Diagnostics;

namespace RecoveryKit.Tests.Cli;

public class HelpExitCodesTests
{
    [Fact]
    public void Help_documents_every_exit_code_the_tool_can_return()
    {
        var help = CliHarness.Raw("--help");

        Assert.Equal(0, help.Exit);
        Assert.Contains("0 ok", help.Out, StringComparison.Ordinal);
        foreach (var kind in Enum.GetValues<FailureKind>())
            Assert.Contains($" {(int)kind} ", help.Out.Replace(",", " ", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
