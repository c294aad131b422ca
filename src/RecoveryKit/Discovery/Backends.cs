using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;

namespace RecoveryKit.Discovery;

/// <summary>Turns --device into a bench: a virtual one, or the PC's real IDE ports.</summary>
public static class Backends
{
    public const string SimPrefix = "sim:";

    /// <summary>--device replay:TRANSCRIPT: a bench that answers as a recorded session did (docs/transcript.md).</summary>
    public const string ReplayPrefix = "replay:";

    /// <summary>Opens the bench <paramref name="device"/> names, as <paramref name="options"/> say (--force-kernel-owned, --variant, --sim-dump).</summary>
    public static IChannelSet Open(string? device, ChannelOptions options)
    {
        var spec = (device ?? "auto").Trim();
        if (spec.StartsWith(SimPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var name = spec[SimPrefix.Length..];
            var scenario = SimScenarios.Find(name) ?? throw new RecoveryKitException(FailureKind.NoDevice, "device",
                $"there is no built-in scenario '{name}'",
                $"Use one of: {string.Join(", ", SimScenarios.All.Select(s => SimPrefix + s.Name))}.");
            var bench = scenario.Create();
            options.Sim?.Variant?.ApplyTo(bench);
            if (options.Sim?.LoadDirectory is { } load)
                bench.LoadFlash(load);
            if (options.Sim?.OnDispose is { } dump)
                bench.OnDispose = dump;
            options.SimOpened?.Invoke(bench);
            return bench;
        }
        if (spec.StartsWith(ReplayPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var replay = ReplayBench.Open(spec[ReplayPrefix.Length..]);
            options.ReplayOpened?.Invoke(replay);
            return replay;
        }
        if (options.Sim is not null)
            throw new RecoveryKitException(FailureKind.Usage, "device", "--variant, --sim-dump and --sim-load change virtual drives only",
                "Use them with --device sim:SCENARIO.");
        if (spec is "auto" or "ports")
            return OpenPorts(options.ForceKernelOwned, null);
        if (spec.StartsWith("port:", StringComparison.OrdinalIgnoreCase))
        {
            var position = PositionSpec.Parse(spec.Split(':').Length == 2 ? spec + ":master" : spec);
            return OpenPorts(options.ForceKernelOwned, new ChannelAddress(position.PortBase, (ushort)(position.PortBase is 0x1F0 ? 0x3F6 : position.PortBase is 0x170 ? 0x376 : position.PortBase + 0x206)));
        }
        throw new RecoveryKitException(FailureKind.Usage, "device", $"'{spec}' is not a backend",
            "Use --device sim:SCENARIO for a virtual bench, --device ports (or port:BASE) for the PC's IDE ports.");
    }

    private static IChannelSet OpenPorts(bool forceKernelOwned, ChannelAddress? only)
    {
        if (!OperatingSystem.IsLinux())
            throw new RecoveryKitException(FailureKind.Environment, "device",
                "raw IDE port access exists only on the Linux recovery media",
                "Boot the RecoveryKit stick on the bench PC, or practise with --device sim:dead-ldw411s.");
        return PortChannels.Open(forceKernelOwned, only);
    }
}

/// <summary>What --variant, --sim-dump and --sim-load asked for: the variant applied to each virtual bench, and what to do with it when it closes (the dump).</summary>
public sealed record SimOptions(DriveVariant? Variant, Action<SimBench>? OnDispose)
{
    /// <summary>--sim-load: the folder of an earlier --sim-dump whose flashes the bench's MediaTek drives start from.</summary>
    public string? LoadDirectory { get; init; }
}

/// <summary>
/// How a command line opens its benches: passed as a value to every <see cref="Backends.Open"/> (never a global),
/// so two runs in one process (a test, 'replay' and 'mtkflash' running a command inside their own) cannot see each other's.
/// </summary>
public sealed record ChannelOptions
{
    /// <summary>The defaults: kernel-owned channels left alone, virtual drives as their profiles say.</summary>
    public static ChannelOptions Default { get; } = new();

    /// <summary>--force-kernel-owned: open raw ports on a channel a kernel driver owns.</summary>
    public bool ForceKernelOwned { get; init; }

    /// <summary>--variant and --sim-dump, for virtual benches only.</summary>
    public SimOptions? Sim { get; init; }

    /// <summary>Told of each replay bench opened ('replay' collects them for its verdict).</summary>
    public Action<ReplayBench>? ReplayOpened { get; init; }

    /// <summary>Told of each virtual bench opened, before any register access (tests watch its channels in a run of the command line).</summary>
    public Action<SimBench>? SimOpened { get; init; }
}
