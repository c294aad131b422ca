using System.Globalization;
using System.Text.RegularExpressions;
using RecoveryKit.Emulation;

namespace RecoveryKit.Tests.Cli;

/// <summary>The plan's estimate of drive time, checked against the run it announces on every practice bench.</summary>
public sealed partial class PlanEstimateTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>Every practice bench whose drive the recovery image brings back (worn-ldw411s fails on purpose).</summary>
    public static TheoryData<string, string, string> Benches()
    {
        var data = new TheoryData<string, string, string>();
        // Every bench RecoveryKit can recover: not the worn flash (it cannot finish), nor the shared-cable bench, refused before
        // the plan (issue 17), nor the WP#-locked DG-16D2S (refused before any erase, exit 17). SPI benches are in, the
        // 52h-locked DG-16D2S with --try-locked (an SST part programmed byte by byte).
        string[] refused = ["worn-ldw411s", "shared-cable-ldw411s", "wp-locked-dg16d2s", "xbox-dg16d2s"];
        foreach (var s in SimScenarios.All.Where(s => s.MtkSetup is not null && !refused.Contains(s.Name)))
            data.Add(s.Name, s.Name == "dead-sohw832s-slave" ? "4" : string.Empty, s.Name == "locked-dg16d2s" ? "--try-locked" : string.Empty);
        return data;
    }

    [Theory]
    [MemberData(nameof(Benches))]
    public void The_estimate_is_within_15_percent_of_the_run_and_of_the_part_after_the_plan(string bench, string position, string flag)
    {
        var image = _cli.PathOf($"{bench}.bin");
        Assert.Equal(0, _cli.Run("sim-image", bench, "-o", image).Exit);
        string[] args = position.Length == 0 ? ["flash", "--device", $"sim:{bench}", image] : ["flash", position, "--device", $"sim:{bench}", image];
        if (flag.Length > 0)
            args = [.. args, flag];

        var r = _cli.Interactive("YES\n", args);

        Assert.True(r.Exit == 0, r.ToString());
        var plan = PlanLine().Match(r.Out);
        var done = DoneLine().Match(r.Out);
        Assert.True(plan.Success && done.Success, r.Out);
        var estimate = Seconds(plan.Groups["all"].Value);
        var spent = Seconds(plan.Groups["spent"].Value);
        var run = Seconds(done.Groups["run"].Value);
        Assert.InRange(estimate / run, 0.85, 1.15);
        // The part the plan actually predicts (write, verify, read-back, reset), not only the backup already measured.
        Assert.InRange((estimate - spent) / (run - spent), 0.85, 1.15);
    }

    private static double Seconds(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"about (?<all>[0-9.]+) s of drive time in all \((?<spent>[0-9.]+) s of it already spent")]
    private static partial Regex PlanLine();

    [GeneratedRegex(@"Done in (?<run>[0-9.]+) s of drive time")]
    private static partial Regex DoneLine();
}
