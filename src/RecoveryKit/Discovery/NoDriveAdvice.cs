using RecoveryKit.Ata;

namespace RecoveryKit.Discovery;

/// <summary>Why a scan found no optical drive to work on, as the technician's next step should see it.</summary>
public enum NoDriveReason
{
    /// <summary>A position stays busy after reset: a dead drive (or hung controller) is there but cannot be used yet.</summary>
    StuckBusy,
    /// <summary>The SATA controller runs in AHCI (or RAID) mode: it has no task-file registers for the raw route.</summary>
    SataWithoutTaskFile,
    /// <summary>There is no IDE channel to scan at all (no PCI IDE controller, or every channel is left to a kernel driver).</summary>
    NoChannel,
    /// <summary>Channels were scanned and no optical drive answers on any position.</summary>
    NothingAnswers,
    /// <summary>Optical drives answer, but none is one RecoveryKit can write (no profile, or a profile it never writes).</summary>
    NoneSupported,
}

/// <summary>The reason and the advice for "no optical drive found", shared by scan, flash (no position) and unbrick.</summary>
/// <param name="Reason">What kind of situation it is.</param>
/// <param name="Cause">One line: what was found.</param>
/// <param name="Advice">What to do next.</param>
public sealed record NoDriveFinding(NoDriveReason Reason, string Cause, string Advice)
{
    /// <summary>
    /// Explains an empty result. <paramref name="sataWithoutTaskFile"/>: the PC has an AHCI or RAID controller
    /// (IdeDiscovery's notes); <paramref name="kernelDrives"/>: optical drives the kernel still lists (SG_IO).
    /// </summary>
    public static NoDriveFinding Explain(IReadOnlyList<PositionReport> reports, bool sataWithoutTaskFile, int kernelDrives = 0)
    {
        if (reports.Any(r => r.Probe.Class == DeviceClass.StuckBusy))
            return new(NoDriveReason.StuckBusy, "a position is stuck busy and no optical drive answers",
                $"Power-cycle that drive ({CableAdvice.PowerCycle}) and try again. {CableAdvice.PostHang}");
        if (sataWithoutTaskFile)
        {
            var seen = kernelDrives switch
            {
                0 => "",
                1 => " The kernel lists 1 optical drive through SATA (SG_IO): it still enumerates, but vendor mode needs task-file registers.",
                _ => $" The kernel lists {kernelDrives} optical drives through SATA (SG_IO): they still enumerate, but vendor mode needs task-file registers.",
            };
            return new(NoDriveReason.SataWithoutTaskFile, "no optical drive on an IDE channel: the SATA controller runs in AHCI mode, which has no task-file registers",
                "Switch the SATA mode to IDE / Legacy / Compatible in the BIOS setup (not AHCI or RAID), or connect the drive to a PATA port or card, then boot the stick again." + seen);
        }
        if (reports.Count == 0)
            return new(NoDriveReason.NoChannel, "no IDE channel to scan on this PC",
                "Connect the drive to a PATA port or card, or a SATA port in IDE / Legacy mode. " + CableAdvice.PostHang);
        return new(NoDriveReason.NothingAnswers, "no optical drive answers on any position",
            CableAdvice.NoDrive);
    }
}
