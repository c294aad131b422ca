using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Profiles;

namespace RecoveryKit.Tests.Cli;

/// <summary>
/// Probing never sends an erase trigger (issue 11, point 1; PROTOCOL.md §3 DANGER: 2Eh then 80h erases a Lite-On
/// 360 drive's whole flash). Every command that can reach vendor mode runs against every drive profile (--profile)
/// and on every virtual bench, with --transcript; the transcript is read as the drive sees it — the last LBA low
/// written before each command-register write — and must never hold a trigger any profile lists.
/// The heavy commands name a 128 KiB chip (--flash-chip) so they stop after the intro and chip ID at small cost:
/// the intro, not the mailbox, is where a key reaches the drive.
/// </summary>
public sealed class NoEraseTriggerTests : IDisposable
{
    private const string SmallChip = "SST39SF010A";
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    public static TheoryData<string, string> ProfileCommands()
    {
        var data = new TheoryData<string, string>();
        foreach (var drive in ProfileCatalog.Drives)
        {
            foreach (var command in new[] { "identify", "backup", "erase", "flash", "reset" })
                data.Add(drive.Name, command);
        }
        // mtkflash only translates and forwards to backup/flash (run above with every profile) and cannot take
        // --flash-chip, so it reads or writes the whole part: it runs with the profile that has an erase trigger
        // and with one MtkFlash-era profile (a whole forwarded write of the 512 KiB part costs ~50 s here).
        data.Add("DG-16D2S", "mtkflash-r");
        data.Add("DG-16D2S", "mtkflash-w");
        data.Add("LTR-52327S", "mtkflash-r");
        data.Add("LDW-411S", "mtkflash-w");
        return data;
    }

    public static TheoryData<string> MtkScenarioNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in MtkScenarios.Setups.Keys.Order(StringComparer.Ordinal))
            data.Add(name);
        return data;
    }

    /// <summary>The (key, opcode) pairs a transcript delivered: per channel, the last LBA low before each command write.</summary>
    internal static List<VendorTrigger> DeliveredPairs(string transcript)
    {
        var pairs = new List<VendorTrigger>();
        var lastKey = new Dictionary<int, byte>();
        foreach (var line in File.ReadLines(transcript))
        {
            if (line.Length == 0 || line[0] != 'W' || !RegisterAccess.TryParse(line, out var a) || a.IsWord)
                continue;
            var offset = a.Port & 0x7;
            var channel = a.Port & ~0x7;
            if (offset == 3)
                lastKey[channel] = (byte)a.Value;
            else if (offset == 7)
                pairs.Add(new VendorTrigger(lastKey.GetValueOrDefault(channel), (byte)a.Value));
        }
        return pairs;
    }

    private static void AssertNoTrigger(string transcript, string what)
    {
        Assert.True(File.Exists(transcript), $"{what}: no transcript");
        var delivered = DeliveredPairs(transcript);
        foreach (var trigger in ProfileCatalog.EraseTriggers)
            Assert.False(delivered.Contains(trigger), $"{what}: the transcript sends erase trigger {trigger}");
    }

    private string Image(string scenario)
    {
        var path = _cli.PathOf($"{scenario}.bin");
        if (!File.Exists(path))
            Assert.Equal(0, _cli.Run("sim-image", scenario, "-o", path).Exit);
        return path;
    }

    [Fact]
    public void The_check_itself_sees_an_erase_trigger_in_a_transcript()
    {
        var path = _cli.PathOf("synthetic.txt");
        File.WriteAllLines(path, ["W 176 A0", "R 177 50", "W 173 2E", "R 3F6 50", "W 177 80", "R 177 72"]);

        Assert.Contains(new VendorTrigger(0x2E, 0x80), DeliveredPairs(path));
        Assert.Throws<Xunit.Sdk.FalseException>(() => AssertNoTrigger(path, "synthetic"));
    }

    [Theory]
    [MemberData(nameof(ProfileCommands))]
    public void No_command_sends_an_erase_trigger_whatever_profile_is_named(string profile, string command)
    {
        var transcript = _cli.PathOf("t.txt");
        var image = Image("dead-ldw411s");
        string[] device = ["--device", "sim:dead-ldw411s", "--transcript", transcript, "--profile", profile];
        string[] args = command switch
        {
            "identify" => ["identify", "3", "--chip"],
            "backup" => ["backup", "3", "-o", _cli.PathOf("b.bin"), "--flash-chip", SmallChip],
            "erase" => ["erase", "3", "--backup", _cli.PathOf("e.bin"), "--flash-chip", SmallChip, "--yes"],
            "flash" => ["flash", "3", image, "--flash-chip", SmallChip, "--yes"],
            "reset" => ["reset", "3"],
            // mtkflash forwards to backup/flash with the whole chip: the LTR-52327S bench's 512 KiB part keeps it small.
            "mtkflash-r" => ["mtkflash", "2", "r", _cli.PathOf("m.bin"), "--yes"],
            "mtkflash-w" => ["mtkflash", "2", "w", Image("dead-ltr52327s"), "--yes"],
            _ => throw new ArgumentOutOfRangeException(nameof(command)),
        };
        if (command.StartsWith("mtkflash", StringComparison.Ordinal))
            device[1] = "sim:dead-ltr52327s";

        var r = _cli.Run([.. args, .. device]);

        AssertNoTrigger(transcript, $"{command} --profile {profile} ({r.Exit})");
        var delivered = DeliveredPairs(transcript);
        var intro = ProfileCatalog.FindDrive(profile)!.Intro.Value[0].Trigger;
        if (command is "identify" or "backup" or "erase")
            Assert.True(delivered.Contains(intro), $"{command} --profile {profile} never sent its intro {intro}:\n{r}");
    }

    [Theory]
    [MemberData(nameof(MtkScenarioNames))]
    public void No_command_sends_an_erase_trigger_on_any_virtual_bench(string scenario)
    {
        var position = ((int)MtkScenarios.Setups[scenario].Position).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var image = Image(scenario);
        string[][] runs =
        [
            ["scan"],
            ["selftest", position],
            ["identify", position, "--chip"],
            ["verify", position, image, "--flash-chip", SmallChip],
            ["reset", position],
            ["unbrick", "--simulate", "--image", image, "--flash-chip", SmallChip, "--yes"],
        ];
        foreach (var run in runs)
        {
            var transcript = _cli.PathOf($"{run[0]}.txt");
            var r = _cli.Run([.. run, "--device", $"sim:{scenario}", "--transcript", transcript]);
            // The wizard opens its transcript with the drive session: when it stops before one (two drives and
            // nobody to choose), only its scan ran — the same Bench.Scan the 'scan' run above records.
            if (run[0] == "unbrick" && r.Exit != 0 && !File.Exists(transcript))
                continue;
            AssertNoTrigger(transcript, $"{string.Join(' ', run)} on {scenario} ({r.Exit})");
        }
    }
}
