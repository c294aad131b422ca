using System.CommandLine;
using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Discovery;
using RecoveryKit.Transports;
using RecoveryKit.Transports.Linux;

namespace RecoveryKit.Cli.Commands;

/// <summary>
/// <c>selftest</c>: the read-only conformance checks (signature, IDENTIFY PACKET DEVICE, INQUIRY, REQUEST SENSE,
/// TEST UNIT READY, READ of LBA 0) against whatever answers at a position — real ports, SG_IO, or a virtual bench.
/// </summary>
internal static class SelftestCommand
{
    public static Command Create(GlobalOptions options, TextWriter output)
    {
        var position = new Argument<string?>("position")
        {
            Description = "The position (1-4, primary-master …, or sg:/dev/sgN); with --device port:BASE:master|slave it may be left out.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("selftest", "Read-only conformance checks of one device: prints a pass/fail table. Sends no vendor command and writes nothing.")
        {
            position,
        };
        command.SetAction(parse =>
        {
            var device = parse.GetValue(options.Device);
            var named = parse.GetValue(position);
            SelftestReport report;
            if (named is not null && named.StartsWith("sg:", StringComparison.OrdinalIgnoreCase))
            {
                var spec = PositionSpec.Parse(named);
                if (!OperatingSystem.IsLinux())
                    throw new RecoveryKitException(FailureKind.Environment, "selftest", "sg: nodes exist only on Linux", "Use the Linux recovery stick.");
                using var sg = SgIoTransport.Open(spec.SgPath!);
                report = Selftest.RunPacket(sg);
            }
            else
            {
                // --device port:0x170:slave carries the position; otherwise the position argument does.
                var text = named ?? (device is not null && device.StartsWith("port:", StringComparison.OrdinalIgnoreCase) && device.Split(':').Length == 3 ? device : null)
                    ?? throw new RecoveryKitException(FailureKind.Usage, "selftest", "no position given", PositionSpec.Help);
                var spec = PositionSpec.Parse(text);
                using var bench = RecordingChannels.Wrap(Backends.Open(device ?? (spec.Kind == PositionSpecKind.Port ? $"port:0x{spec.PortBase:X}" : null), options.Bench),
                    parse.GetValue(options.Transcript), options.Files);
                var channel = bench.Channels.FirstOrDefault(c => c.Registers.Address.CommandBase == spec.PortBase)
                    ?? throw new RecoveryKitException(FailureKind.NoDevice, "selftest", $"{bench.Describe} has no usable channel at 0x{spec.PortBase:X3}",
                        (bench is RecordingChannels t ? t.Inner : bench) is PortChannels ports && ports.Notes.Count > 0 ? string.Join(" ", ports.Notes) : "Run 'recoverykit scan' to see the channels.");
                report = Selftest.Run(channel.Registers, spec.Device);
            }
            if (report.Failure is { } failure)
            {
                // The table still shows every check (on stderr under --json); the failure is the usual error line and JSON error.
                WriteTable(output, report);
                throw new RecoveryKitException(failure);
            }
            if (parse.GetValue(options.Json))
                WriteJson(output, report);
            else
                WriteTable(output, report);
            return 0;
        });
        return command;
    }

    private static void WriteTable(TextWriter output, SelftestReport report)
    {
        output.WriteLine($"Selftest of {report.Target}:");
        output.WriteLine($"{"CHECK",-24} {"VERDICT",-8} RESULT");
        foreach (var c in report.Checks)
        {
            output.WriteLine($"{c.Check,-24} {c.Verdict.ToString().ToUpperInvariant(),-8} {c.Result}");
            if (c.Detail.Length > 0)
                output.WriteLine($"{"",-33} {c.Detail}");
        }
        output.WriteLine(report.Passed ? "SELFTEST PASS" : "SELFTEST FAIL");
    }

    private static void WriteJson(TextWriter output, SelftestReport report) =>
        JsonOutput.Write(output, new SelftestJson(report.Target, report.Passed,
            [.. report.Checks.Select(c => new SelftestCheckJson(c.Check, c.Verdict.ToString().ToLowerInvariant(), c.Result, c.Detail))]), c => c.SelftestJson);
}
