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

    /// <summary>
    /// The seed thread's advice for a second drive on the cable, and the survey's "only as secondary single slave"
    /// (PROTOCOL.md §9): what to do so the vendor intro reaches one drive only.
    /// </summary>
    public const string SharedChannelFix =
        "power the PC off, then disconnect the other drive's IDE data cable, or move the dead drive to the secondary channel alone";

    /// <summary>The advice of the shared-cable refusal; <paramref name="confirmationWord"/> is what --shared-channel asks to type.</summary>
    public static string SharedChannelRemedy(string confirmationWord) =>
        $"Two MediaTek drives on one cable were bad-flashed together in the field. {char.ToUpperInvariant(SharedChannelFix[0])}{SharedChannelFix[1..]} (as master), and run again. "
        + $"Only if you accept the risk: --shared-channel, then type {confirmationWord} when asked (--yes does not answer it).";

    /// <summary>The one-line note for a hard disk or a drive of no MediaTek brand on the same cable.</summary>
    public static string NeighbourNote(string where, string name, string kindWords) =>
        $"{where} on the same cable holds {name} ({kindWords}); it gets no vendor command. If the flash fails, {SharedChannelFix}.";

    /// <summary>What to do when the neighbour answers differently after a vendor-mode session.</summary>
    public static string NeighbourChanged(string where) =>
        $"Power the PC off. Put the drive from {where} alone on the secondary channel as master and run 'recoverykit scan': if it does not answer as before, its flash was written along with the other drive's — recover it the same way with the image for its own model.";

    /// <summary>Everything a technician needs when no drive answers.</summary>
    public static string NoDrive => $"{CheckConnections} {PostHang}";
}
