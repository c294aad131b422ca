namespace RecoveryKit.Discovery;

/// <summary>
/// The one place that says what to do with cables and power (docs/recovery-media.md says the same): the IDE data
/// cable is only ever connected or disconnected with the PC off; while the PC runs, only the drive's power
/// connector is unplugged and plugged back.
/// </summary>
public static class CableAdvice
{
    /// <summary>Nothing answered: what to check.</summary>
    public const string CheckConnections =
        "Check the drive's power connector and that the IDE data cable is seated (reseat it only with the PC off), and the master/slave jumper.";

    /// <summary>A BIOS that hangs at POST with the dead drive attached.</summary>
    public const string PostHang =
        "If the PC hangs at POST with the dead drive attached, set that channel to None in the BIOS setup; or boot with the drive's power connector unplugged (data cable connected) and plug in only the power connector when the wizard waits — never the data cable while powered.";

    /// <summary>How to power-cycle a drive on the bench.</summary>
    public const string PowerCycle =
        "unplug the drive's power connector, wait two seconds, plug it back (leave the IDE data cable connected)";

    /// <summary>Everything a technician needs when no drive answers.</summary>
    public static string NoDrive => $"{CheckConnections} {PostHang}";
}
