using System.Globalization;

namespace RecoveryKit.Bench;

internal static class Program
{
    private static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var command = args.Length > 0 ? args[0] : "help";
        var rest = args.Skip(1).ToArray();
        return command switch
        {
            "perf" => PerfCommand.Run(rest),
            "faults" => FaultCampaign.Run(rest),
            "inproc2m" => InProcess2M(),
            _ => Usage(),
        };
    }

    private static int InProcess2M()
    {
        Console.WriteLine(HostMeasure.InProcess2M().ToLine());
        return 0;
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: RecoveryKit.Bench perf [--out DIR] [--binary PATH] [--no-baseline] [--only CHIP]");
        Console.Error.WriteLine("       RecoveryKit.Bench faults [--runs N] [--seed S] [--out DIR] [--kind KIND]");
        return 2;
    }

    public static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public static bool Flag(string[] args, string name) => Array.IndexOf(args, name) >= 0;
}
