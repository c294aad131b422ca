using System.Text.Json;
using RecoveryKit.Ata;
using RecoveryKit.Cli;
using RecoveryKit.Diagnostics;
using RecoveryKit.Discovery;
using RecoveryKit.Emulation;

namespace RecoveryKit.Tests.Cli;

/// <summary><c>recoverykit scan</c> on the built-in virtual benches.</summary>
public sealed class ScanCommandTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = RecoveryKitCli.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static string Row(string text, int position)
    {
        var prefix = position.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ";
        return Assert.Single(text.Split('\n'), l => l.StartsWith(prefix, StringComparison.Ordinal));
    }

    [Fact]
    public void Scan_lists_the_hard_disk_on_1_empty_2_and_3_and_the_lite_on_on_4()
    {
        var (exit, text, err) = Run("scan", "--device", "sim:lite-on-secondary-slave");

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, err);
        Assert.Contains("virtual bench 'lite-on-secondary-slave'", text, StringComparison.Ordinal);
        Assert.Contains("hard disk (ATA)", Row(text, 1), StringComparison.Ordinal);
        Assert.Contains("ST340016A", Row(text, 1), StringComparison.Ordinal);
        Assert.Contains("primary master (0x1F0)", Row(text, 1), StringComparison.Ordinal);
        Assert.Contains("no device", Row(text, 2), StringComparison.Ordinal);
        Assert.Contains("device 0 answers for the absent device 1", Row(text, 2), StringComparison.Ordinal); // the hard disk answers
        Assert.Contains("no device", Row(text, 3), StringComparison.Ordinal);
        Assert.Contains("floating bus", Row(text, 3), StringComparison.Ordinal); // nothing answers for an absent master
        Assert.DoesNotContain("device 0 answers", Row(text, 3), StringComparison.Ordinal);
        var drive = Row(text, 4);
        Assert.Contains("optical drive (ATAPI)", drive, StringComparison.Ordinal);
        Assert.Contains("secondary slave (0x170)", drive, StringComparison.Ordinal);
        Assert.Contains("SOHW-832S", drive, StringComparison.Ordinal);
        Assert.Contains("VS0C", drive, StringComparison.Ordinal);
        Assert.Contains("One optical drive found", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_json_lists_the_four_positions_with_class_model_and_revision()
    {
        var (exit, text, _) = Run("scan", "--device", "sim:lite-on-secondary-slave", "--json");

        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(text);
        var positions = doc.RootElement.GetProperty("positions").EnumerateArray().ToArray();
        Assert.Equal([1, 2, 3, 4], positions.Select(p => p.GetProperty("position").GetInt32()));
        Assert.Equal(["ata", "empty", "empty", "atapi"], positions.Select(p => p.GetProperty("class").GetString()));
        Assert.Equal([false, false, false, true], positions.Select(p => p.GetProperty("flashable").GetBoolean()));

        var disk = positions[0];
        Assert.Equal("ST340016A", disk.GetProperty("model").GetString());
        Assert.Equal("0x1F0", disk.GetProperty("base").GetString());
        Assert.Equal("01/01/00/00", disk.GetProperty("signature").GetString());

        var drive = positions[3];
        Assert.Equal("secondary-slave", drive.GetProperty("name").GetString());
        Assert.Equal("secondary", drive.GetProperty("channel").GetString());
        Assert.Equal("slave", drive.GetProperty("device").GetString());
        Assert.Equal("0x170", drive.GetProperty("base").GetString());
        Assert.Equal("LITE-ON DVDRW SOHW-832S", drive.GetProperty("model").GetString());
        Assert.Equal("VS0C", drive.GetProperty("revision").GetString());
        Assert.Equal("LITEON832S0001", drive.GetProperty("serial").GetString());
        Assert.Equal("01/01/14/EB", drive.GetProperty("signature").GetString());
        Assert.Equal(JsonValueKind.Null, positions[1].GetProperty("model").ValueKind);
    }

    [Fact]
    public void Scan_json_reports_stuck_busy_and_7f_positions()
    {
        var (_, stuckText, _) = Run("scan", "--device", "sim:stuck-busy", "--json");
        var (_, deadText, _) = Run("scan", "--device", "sim:reads-7f", "--json");

        using var stuck = JsonDocument.Parse(stuckText);
        using var dead = JsonDocument.Parse(deadText);
        var stuckSlave = stuck.RootElement.GetProperty("positions")[1];
        Assert.Equal("stuckbusy", stuckSlave.GetProperty("class").GetString());
        Assert.Equal("80", stuckSlave.GetProperty("status").GetString());
        Assert.Contains("3 s", stuckSlave.GetProperty("state").GetString(), StringComparison.Ordinal);
        var deadMaster = dead.RootElement.GetProperty("positions")[2];
        Assert.Equal("unknown", deadMaster.GetProperty("class").GetString());
        Assert.Equal("7F", deadMaster.GetProperty("status").GetString());
    }

    [Fact]
    public void Scan_of_an_empty_bench_says_no_optical_drive_was_found()
    {
        var (exit, text, _) = Run("scan", "--device", "sim:empty");

        Assert.Equal(0, exit);
        foreach (var position in (int[])[1, 2, 3, 4])
            Assert.Contains("no device", Row(text, position), StringComparison.Ordinal);
        Assert.Contains("No optical drive found", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_scenario_exits_3_and_lists_the_scenario_names()
    {
        var (exit, text, err) = Run("scan", "--device", "sim:no-such-bench");

        Assert.Equal((int)FailureKind.NoDevice, exit);
        Assert.Equal(3, exit);
        Assert.Equal(string.Empty, text);
        Assert.Contains("no-such-bench", err, StringComparison.Ordinal);
        Assert.All(SimScenarios.All, s => Assert.Contains("sim:" + s.Name, err, StringComparison.Ordinal));
    }

    [Fact]
    public void Bad_option_exits_2_with_a_usage_message()
    {
        var (exit, text, err) = Run("scan", "--no-such-option");

        Assert.Equal((int)FailureKind.Usage, exit);
        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, text);
        Assert.Contains("--no-such-option", err, StringComparison.Ordinal);
        Assert.Contains("usage", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_backend_exits_2()
    {
        var (exit, _, err) = Run("scan", "--device", "floppy");

        Assert.Equal(2, exit);
        Assert.Contains("'floppy' is not a backend", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Scanning_any_scenario_sends_no_vendor_opcode_to_the_hard_disk()
    {
        var disks = 0;
        foreach (var scenario in SimScenarios.All)
        {
            using var bench = scenario.Create();
            var reports = ChannelScanner.Scan(bench);
            Assert.Equal(4, reports.Count);
            foreach (var position in DevicePositionExtensions.All)
            {
                if (bench.DeviceAt(position) is not VirtualHardDisk disk)
                    continue;
                disks++;
                Assert.Empty(disk.VendorCommandsReceived);
                Assert.Contains(AtaCommand.IdentifyDevice, disk.CommandsReceived); // the scan did talk to it
                Assert.Equal(DeviceClass.Ata, reports.Single(r => r.Position == position).Probe.Class);
            }
        }
        Assert.True(disks >= 1, "no scenario has a hard disk");
    }

    [Fact]
    public void Scanning_an_empty_bench_costs_under_5_ms_of_virtual_time_per_position()
    {
        using var bench = SimScenarios.Find("empty")!.Create();
        var start = bench.Clock.Now;

        var reports = ChannelScanner.Scan(bench);

        Assert.Equal(4, reports.Count);
        Assert.All(reports, r => Assert.Equal(DeviceClass.Empty, r.Probe.Class));
        var perPosition = (bench.Clock.Now - start) / reports.Count;
        Assert.True(perPosition < TimeSpan.FromMilliseconds(5), $"{perPosition} of virtual time per empty position");
    }
}
