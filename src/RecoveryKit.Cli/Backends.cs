using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;

namespace RecoveryKit.Cli;

/// <summary>Turns --device into a bench: a virtual one, or the PC's real IDE ports.</summary>
internal static class Backends
{
    public const string SimPrefix = "sim:";

    public static IBench Open(string? device)
    {
        var spec = (device ?? "auto").Trim();
        if (spec.StartsWith(SimPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var name = spec[SimPrefix.Length..];
            var scenario = SimScenarios.Find(name) ?? throw new RecoveryKitException(FailureKind.NoDevice, "device",
                $"there is no built-in scenario '{name}'",
                $"Use one of: {string.Join(", ", SimScenarios.All.Select(s => SimPrefix + s.Name))}.");
            return scenario.Create();
        }
        if (spec is "auto" or "ports")
            return OpenPorts();
        throw new RecoveryKitException(FailureKind.Usage, "device", $"'{spec}' is not a backend",
            "Use --device sim:SCENARIO for a virtual bench or --device ports for the PC's IDE ports.");
    }

    private static IBench OpenPorts()
    {
        if (!OperatingSystem.IsLinux())
            throw new RecoveryKitException(FailureKind.Environment, "device",
                "raw IDE port access exists only on the Linux recovery media",
                "Boot the RecoveryKit stick on the bench PC, or practise with --device sim:dead-ldw411s.");
        if (Environment.UserName != "root")
            throw new RecoveryKitException(FailureKind.Environment, "device",
                "raw IDE port access needs root",
                "Run it as root (sudo recoverykit …) or from the RecoveryKit stick; to practise without hardware use --device sim:dead-ldw411s.");
        throw new RecoveryKitException(FailureKind.Environment, "device",
            "this build has no raw port backend yet",
            "Use --device sim:SCENARIO to practise; the port backend ships with the hardware support.");
    }
}
