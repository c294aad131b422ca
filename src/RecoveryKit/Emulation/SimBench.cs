using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Discovery;

namespace RecoveryKit.Emulation;

/// <summary>A virtual bench PC: a primary and a secondary channel on one virtual clock.</summary>
public sealed class SimBench : IChannelSet
{
    public SimBench(string scenario, VirtualClock clock, VirtualChannel primary, VirtualChannel secondary)
    {
        Scenario = scenario;
        Clock = clock;
        Primary = primary;
        Secondary = secondary;
        Channels = [new OpenChannel(0, "primary", primary), new OpenChannel(1, "secondary", secondary)];
    }

    public string Scenario { get; }

    public VirtualClock Clock { get; }

    public VirtualChannel Primary { get; }

    public VirtualChannel Secondary { get; }

    public string Describe => $"virtual bench '{Scenario}'";

    public IReadOnlyList<OpenChannel> Channels { get; }

    public VirtualChannel ChannelOf(DevicePosition position) => position.ChannelIndex() == 0 ? Primary : Secondary;

    public VirtualDevice? DeviceAt(DevicePosition position) => ChannelOf(position)[position.Device()];

    /// <summary>Number of power cycles done through <see cref="TryPowerCycle"/>.</summary>
    public int PowerCycles { get; private set; }

    public bool TryPowerCycle(DevicePosition position)
    {
        PowerCycles++;
        ChannelOf(position).PowerCycle();
        return true;
    }

    /// <summary>Every virtual MediaTek drive on the bench, with its position.</summary>
    public IEnumerable<(DevicePosition Position, VirtualMtkDrive Drive)> MtkDrives()
    {
        foreach (var position in DevicePositionExtensions.All)
        {
            if (DeviceAt(position) is VirtualMtkDrive drive)
                yield return (position, drive);
        }
    }

    /// <summary>
    /// Writes each virtual MediaTek drive's flash, as it is now, to <paramref name="directory"/>/POSITION.bin
    /// (1–4): what a programmer would read out of the chip, for checks outside RecoveryKit. Returns the files written.
    /// </summary>
    public IReadOnlyList<string> DumpFlash(string directory)
    {
        var written = new List<string>();
        foreach (var (position, drive) in MtkDrives())
        {
            var path = Path.Combine(directory, $"{(int)position}.bin");
            File.WriteAllBytes(path, drive.Memory.SettledContents());
            written.Add(path);
        }
        return written;
    }

    /// <summary>
    /// --sim-load: each virtual MediaTek drive whose <c>DIR/POSITION.bin</c> exists (as <see cref="DumpFlash"/> wrote it)
    /// starts from that flash, so a run can go on from where an earlier one left the drive (a Lite-On erase, then the
    /// flash back). A file of the wrong size, or for a position with no MediaTek drive, is refused before anything runs.
    /// </summary>
    public IReadOnlyList<string> LoadFlash(string directory)
    {
        var drives = MtkDrives().ToDictionary(d => (int)d.Position, d => d.Drive);
        var loaded = new List<string>();
        foreach (var path in Directory.EnumerateFiles(directory, "*.bin").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (!int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var position) || !drives.TryGetValue(position, out var drive))
                throw new RecoveryKitException(FailureKind.Usage, "sim-load", $"{path}: this bench has no virtual MediaTek drive at position {name}",
                    $"--sim-load takes the folder an earlier --sim-dump wrote on the same bench (its files are named after positions {string.Join(", ", drives.Keys.Order())}).");
            var info = new FileInfo(path);
            if (info.Length != drive.Memory.SizeBytes)
                throw new RecoveryKitException(FailureKind.Usage, "sim-load", $"{path} is {info.Length} bytes, but the drive at position {position} has a {drive.Memory.SizeBytes}-byte {drive.Memory.PartName}",
                    "Give --sim-load the folder an earlier --sim-dump wrote on the same bench.");
            drive.LoadFlash(File.ReadAllBytes(path));
            loaded.Add(path);
        }
        return loaded;
    }

    /// <summary>Runs once when the bench is disposed (the CLI dumps the flash here for --sim-dump).</summary>
    public Action<SimBench>? OnDispose { get; set; }

    public void Dispose()
    {
        var action = OnDispose;
        OnDispose = null;
        action?.Invoke(this);
    }
}

/// <summary>A named, built-in virtual bench (the practice mode and what the tests run against).</summary>
/// <param name="Name">Used as <c>--device sim:NAME</c>.</param>
/// <param name="Description">What is on the bench, in words.</param>
/// <param name="Create">Builds a fresh bench.</param>
/// <param name="MtkSetup">For benches with a MediaTek drive: the key into <see cref="MtkScenarios.Setups"/>.</param>
public sealed record SimScenario(string Name, string Description, Func<SimBench> Create, string? MtkSetup = null)
{
    /// <summary>The image that recovers the scenario's MediaTek drive, or null when it has none.</summary>
    public byte[]? RecoveryImage() => MtkSetup is null ? null : MtkScenarios.Setups[MtkSetup].Setup.RecoveryImage();
}

/// <summary>The built-in scenarios, used as <c>--device sim:NAME</c>.</summary>
public static class SimScenarios
{
    public static IReadOnlyList<SimScenario> All { get; } = Build();

    public static SimScenario? Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>A healthy Lite-On DVD writer as on a bench.</summary>
    public static VirtualAtapiDrive HealthyLiteOn() =>
        new(new DriveIdentityStrings("LITE-ON", "DVDRW SOHW-832S", "VS0C", "LITEON832S0001"));

    /// <summary>A hard disk of the era.</summary>
    public static VirtualHardDisk HardDisk() => new("ST340016A", "3HS0QX2K", "3.10", 78_165_360);

    private static SimBench Bench(string name, VirtualDevice? pm, VirtualDevice? ps, VirtualDevice? sm, VirtualDevice? ss)
    {
        var clock = new VirtualClock();
        return new SimBench(name, clock,
            new VirtualChannel(clock, ChannelAddress.Primary, pm, ps),
            new VirtualChannel(clock, ChannelAddress.Secondary, sm, ss));
    }

    private static List<SimScenario> Build() =>
    [
        .. MtkScenarios.All(),
        new("lite-on-secondary-slave",
            "a healthy Lite-On SOHW-832S on secondary slave, a hard disk on primary master, two empty positions",
            () => Bench("lite-on-secondary-slave", HardDisk(), null, null, HealthyLiteOn())),
        new("healthy-secondary-master",
            "a healthy Lite-On SOHW-832S alone on secondary master, a hard disk on primary master",
            () => Bench("healthy-secondary-master", HardDisk(), null, HealthyLiteOn(), null)),
        new("stuck-busy",
            "a drive stuck at status 80h on primary slave behind a hard disk; secondary empty",
            () => Bench("stuck-busy", HardDisk(), new VirtualDeadDevice(DeadDeviceBehaviour.StuckBusy), null, null)),
        new("reads-7f",
            "a dead drive reading 7Fh alone on secondary master",
            () => Bench("reads-7f", HardDisk(), null, new VirtualDeadDevice(DeadDeviceBehaviour.Reads7F), null)),
        new("empty",
            "nothing on either channel",
            () => Bench("empty", null, null, null, null)),
    ];
}
