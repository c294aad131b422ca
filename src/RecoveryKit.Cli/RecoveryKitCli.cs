using System.CommandLine;
using RecoveryKit.Diagnostics;

namespace RecoveryKit.Cli;

/// <summary>Builds the command tree and runs it; the one place that turns failures into text and exit codes.</summary>
public static class RecoveryKitCli
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("RecoveryKit: bring back MediaTek optical drives after a failed firmware flash.");
        foreach (var command in Commands(output, error))
            root.Add(command);

        var parse = root.Parse(args);
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (RecoveryKitException ex)
        {
            error.WriteLine($"error: {ex.Failure}");
            return (int)ex.Failure.Kind;
        }
    }

    private static IEnumerable<Command> Commands(TextWriter output, TextWriter error)
    {
        yield break;
    }
}
