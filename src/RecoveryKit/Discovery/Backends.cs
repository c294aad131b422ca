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

    /// <summary>Replay benches opened on this thread, for the 'replay' command's verdict.</summary>
    [ThreadStatic]
    private static List<ReplayBench>? _replays;

    /// <summary>Takes the replay benches opened on this thread since the last call.</summary>
    public static IReadOnlyList<ReplayBench> TakeReplays()
    {
        var taken = _replays ?? [];
        _replays = null;
        return taken;
    }

    /// <summary>Set from --force-kernel-owned for the command running on this thread.</summary>
    [ThreadStatic]
    private static bool _forceKernelOwned;

    public static bool ForceKernelOwned
    {
        get => _forceKernelOwned;
        set => _forceKernelOwned = value;
    }

    /// <summary>Set from --variant and --sim-dump for the command running on this thread.</summary>
    [ThreadStatic]
    private static SimOptions? _sim;

    /// <summary>Set from --variant and --sim-dump (checked by the caller) before any bench is opened.</summary>
    public static void ConfigureSim(SimOptions? sim) => _sim = sim;

    public static IBench Open(string? device)
    {
        var spec = (device ?? "auto").Trim();
        if (spec.StartsWith(SimPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var name = spec[SimPrefix.Length..];
            var scenario = SimScenarios.Find(name) ?? throw new RecoveryKitException(FailureKind.NoDevice, "device",
                $"there is no built-in scenario '{name}'",
                $"Use one of: {string.Join(", ", SimScenarios.All.Select(s => SimPrefix + s.Name))}.");
            var bench = scenario.Create();
            _sim?.Variant?.ApplyTo(bench);
            if (_sim?.OnDispose is { } dump)
                bench.OnDispose = dump;
            return bench;
        }
        if (spec.StartsWith(ReplayPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var replay = ReplayBench.Open(spec[ReplayPrefix.Length..]);
            (_replays ??= []).Add(replay);
            return replay;
        }
        if (_sim is not null)
            throw new RecoveryKitException(FailureKind.Usage, "device", "--variant and --sim-dump change virtual drives only",
                "Use them with --device sim:SCENARIO.");
        if (spec is "auto" or "ports")
            return OpenPorts(null);
        if (spec.StartsWith("port:", StringComparison.OrdinalIgnoreCase))
        {
            var position = PositionSpec.Parse(spec.Split(':').Length == 2 ? spec + ":master" : spec);
            return OpenPorts(new ChannelAddress(position.PortBase, (ushort)(position.PortBase is 0x1F0 ? 0x3F6 : position.PortBase is 0x170 ? 0x376 : position.PortBase + 0x206)));
        }
        throw new RecoveryKitException(FailureKind.Usage, "device", $"'{spec}' is not a backend",
            "Use --device sim:SCENARIO for a virtual bench, --device ports (or port:BASE) for the PC's IDE ports.");
    }

    private static IBench OpenPorts(ChannelAddress? only)
    {
        if (!OperatingSystem.IsLinux())
            throw new RecoveryKitException(FailureKind.Environment, "device",
                "raw IDE port access exists only on the Linux recovery media",
                "Boot the RecoveryKit stick on the bench PC, or practise with --device sim:dead-ldw411s.");
        return PortBench.Open(ForceKernelOwned, only);
    }
}

/// <summary>What --variant and --sim-dump asked for: the variant applied to each virtual bench, and what to do with it when it closes (the dump).</summary>
public sealed record SimOptions(DriveVariant? Variant, Action<SimBench>? OnDispose);
