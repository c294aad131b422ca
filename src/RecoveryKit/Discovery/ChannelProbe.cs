using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Packet;

namespace RecoveryKit.Discovery;

/// <summary>What one position holds, as a scan found it.</summary>
/// <param name="Device">Master or slave.</param>
/// <param name="Class">Empty, ATAPI, ATA, stuck busy or unknown.</param>
/// <param name="Signature">The reset signature, when one could be read.</param>
/// <param name="Identify">IDENTIFY (PACKET) DEVICE data, when the device gave it.</param>
/// <param name="Inquiry">INQUIRY data of an ATAPI device that answers packets.</param>
/// <param name="Status">The last status byte seen.</param>
/// <param name="State">In a technician's words: "ready", "answers only to IDENTIFY", "does not answer IDENTIFY PACKET DEVICE (boot code only?)" …</param>
public sealed record ProbeResult(DeviceSelect Device, DeviceClass Class, Signature? Signature, IdentifyData? Identify, InquiryData? Inquiry, byte Status, string State)
{
    /// <summary>Model string from INQUIRY (vendor + product) or IDENTIFY.</summary>
    public string? Model => Inquiry is { } q ? $"{q.Vendor} {q.Product}".Trim() : Identify?.Model;

    /// <summary>Firmware revision from INQUIRY or IDENTIFY.</summary>
    public string? Revision => Inquiry?.Revision ?? Identify?.Revision;

    /// <summary>Only ATAPI devices may ever be sent a MediaTek vendor command.</summary>
    public bool CanBeFlashed => Class == DeviceClass.Atapi;
}

/// <summary>
/// Finds out what is on a channel's two positions: floating-bus check, SRST, signatures, then
/// IDENTIFY to confirm (an absent device 1 is answered for by device 0 and reacts to no command).
/// Sends no vendor command, ever.
/// </summary>
/// <remarks>
/// An absent device is "no device" whichever position it is. Only device 0 answers for an absent device 1
/// (ATA/ATAPI-6: device 1 never answers for device 0), so that note appears only on a slave position whose
/// master is a device. An empty channel need not float: a pull-down on DD7 or a controller (QEMU's PIIX) reads
/// 00h, and QEMU also shows an absent master next to a present slave with status 50h, signature FFh/FFh and
/// IDENTIFY aborted. No device has FFh/FFh as its signature (00h/00h ATA, 14h/EBh ATAPI, 3Ch/C3h and 69h/96h
/// SATA), so that too is no device.
/// </remarks>
public static class ChannelProbe
{
    public static IReadOnlyList<ProbeResult> Probe(AtaHost host)
    {
        var regs = host.Registers;
        var present = new bool[2];
        var status = new byte[2];
        foreach (var device in (ReadOnlySpan<DeviceSelect>)[DeviceSelect.Master, DeviceSelect.Slave])
        {
            host.Select(device);
            status[(int)device] = regs.ReadAlternateStatus();
            // A floating bus reads FFh and holds nothing written to it; a present device latches the registers.
            present[(int)device] = status[(int)device] != 0xFF || host.RegistersHoldValues(device);
        }
        if (!present[0] && !present[1])
        {
            return
            [
                Empty(DeviceSelect.Master, 0xFF, FloatingBus),
                Empty(DeviceSelect.Slave, 0xFF, FloatingBus),
            ];
        }

        host.SoftReset(waitForMaster: false);
        // Both reset signatures are read before either device gets a command: both devices latch every task-file write,
        // so a PACKET command's byte count (LBA mid/high) sent to the master overwrites the slave's signature too. A dead
        // drive on slave whose boot code aborts IDENTIFY PACKET DEVICE has nothing but that signature to show.
        var masterSettled = Settle(host, DeviceSelect.Master, present[0]);
        var slaveSettled = Settle(host, DeviceSelect.Slave, present[1]);
        var master = masterSettled.Final ?? Classify(host, DeviceSelect.Master, masterSettled, masterIsDevice: false);
        var slave = slaveSettled.Final ?? Classify(host, DeviceSelect.Slave, slaveSettled, masterIsDevice: master.Class != DeviceClass.Empty);
        return [master, slave];
    }

    /// <summary>State (after the class "no device") of a position where nothing drives the bus.</summary>
    public const string FloatingBus = "floating bus: nothing drives the registers";

    /// <summary>State of an absent device 1 whose device 0 answers in its place (status 00h, device 0's registers).</summary>
    public const string AnsweredByDevice0 = "device 0 answers for the absent device 1";

    /// <summary>State of an absent device whose registers read something but that reacts to no command.</summary>
    public const string NothingReacts = "nothing reacts to IDENTIFY";

    /// <summary>State of a position whose signature registers read FFh/FFh and that identifies as nothing.</summary>
    public const string NoSignature = "no device signature (LBA mid/high read FFh/FFh) and IDENTIFY aborted";

    private static ProbeResult Absent(DeviceSelect device, byte status, bool masterIsDevice) =>
        Empty(device, status, device == DeviceSelect.Slave && masterIsDevice ? AnsweredByDevice0 : NothingReacts);

    private static ProbeResult Empty(DeviceSelect device, byte status, string why) =>
        new(device, DeviceClass.Empty, null, null, null, status, why);

    /// <summary>
    /// A device after the reset: either already a result (absent, stuck busy, reads 7Fh) or its status and reset
    /// signature, read before any command reaches the channel.
    /// </summary>
    private readonly record struct Settled(ProbeResult? Final, byte Status, Signature Signature);

    private static Settled Settle(AtaHost host, DeviceSelect device, bool present)
    {
        if (!present)
            return new Settled(Empty(device, 0xFF, FloatingBus), 0xFF, default);
        host.Select(device);
        byte status;
        try
        {
            status = host.WaitNotBusy("scan-reset", host.Timeouts.Reset, device);
        }
        catch (RecoveryKitException ex)
        {
            var seen = ex.Failure.Status ?? 0x80;
            return new Settled(seen == 0x80
                ? new ProbeResult(device, DeviceClass.StuckBusy, null, null, null, seen, $"stuck busy (status 80h for {AtaHost.FormatTime(host.Timeouts.Reset)} after reset): dead drive or hung controller")
                : new ProbeResult(device, DeviceClass.Unknown, null, null, null, seen, $"busy after reset (status {seen:X2}h)"), seen, default);
        }
        if (status == 0x7F)
            return new Settled(new ProbeResult(device, DeviceClass.Unknown, null, null, null, status, "reads 7Fh: dead drive, or a cable with nothing on it"), status, default);
        return new Settled(null, status, host.ReadSignature());
    }

    private static ProbeResult Classify(AtaHost host, DeviceSelect device, Settled settled, bool masterIsDevice)
    {
        var status = settled.Status;
        var signature = settled.Signature;
        if (signature.IsAtapi)
            return ProbeAtapi(host, device, signature, masterIsDevice);
        if (signature.IsAta)
            return ProbeAta(host, device, signature, masterIsDevice);
        // Neither signature: whatever answers must still react to a command, or device 0 is answering for an absent device 1.
        try
        {
            var outcome = host.Identify(device, AtaCommand.IdentifyPacketDevice).Outcome;
            if (outcome == IdentifyOutcome.NoResponse)
                return Absent(device, status, masterIsDevice);
            if (outcome == IdentifyOutcome.Aborted && signature.LbaMid == 0xFF && signature.LbaHigh == 0xFF)
                return Empty(device, status, NoSignature);
        }
        catch (RecoveryKitException)
        {
            // It reacted (went busy) but never finished: report it as unknown below.
        }
        return new ProbeResult(device, DeviceClass.Unknown, signature, null, null, status,
            $"unrecognised signature {signature.LbaMid:X2}h/{signature.LbaHigh:X2}h (status {status:X2}h)");
    }

    private static ProbeResult ProbeAtapi(AtaHost host, DeviceSelect device, Signature signature, bool masterIsDevice)
    {
        IdentifyResult identify;
        try
        {
            identify = host.Identify(device, AtaCommand.IdentifyPacketDevice);
        }
        catch (RecoveryKitException ex)
        {
            return new ProbeResult(device, DeviceClass.Atapi, signature, null, null, ex.Failure.Status ?? 0x80,
                "ATAPI signature, but hangs on IDENTIFY PACKET DEVICE (main firmware damaged?)");
        }
        switch (identify.Outcome)
        {
            case IdentifyOutcome.NoResponse:
                return Absent(device, identify.Status, masterIsDevice);
            case IdentifyOutcome.Aborted:
                return new ProbeResult(device, DeviceClass.Atapi, signature, null, null, identify.Status,
                    "ATAPI signature, but IDENTIFY PACKET DEVICE is refused (boot code only?)");
        }
        InquiryData? inquiry = null;
        var state = "ready";
        try
        {
            inquiry = ScsiCommands.Inquiry(new AtaPacketHost(host, device));
        }
        catch (RecoveryKitException ex)
        {
            state = $"identifies, but INQUIRY fails ({ex.Failure.Cause})";
        }
        return new ProbeResult(device, DeviceClass.Atapi, signature, identify.Data, inquiry, identify.Status, state);
    }

    private static ProbeResult ProbeAta(AtaHost host, DeviceSelect device, Signature signature, bool masterIsDevice)
    {
        IdentifyResult identify;
        try
        {
            identify = host.Identify(device, AtaCommand.IdentifyDevice);
        }
        catch (RecoveryKitException ex)
        {
            return new ProbeResult(device, DeviceClass.Unknown, signature, null, null, ex.Failure.Status ?? 0x80,
                "ATA signature, but hangs on IDENTIFY DEVICE");
        }
        return identify.Outcome switch
        {
            IdentifyOutcome.Data => new ProbeResult(device, DeviceClass.Ata, signature, identify.Data, null, identify.Status, "hard disk (never flashed)"),
            IdentifyOutcome.NoResponse => Absent(device, identify.Status, masterIsDevice),
            _ => new ProbeResult(device, DeviceClass.Unknown, signature, null, null, identify.Status,
                $"ATA signature, but IDENTIFY DEVICE aborted (error {identify.Error:X2}h)"),
        };
    }
}
