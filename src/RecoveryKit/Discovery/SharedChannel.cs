using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.MediaTek;
using RecoveryKit.Packet;
using RecoveryKit.Profiles;

namespace RecoveryKit.Discovery;

/// <summary>What the other device on the cable of the drive being recovered is.</summary>
public enum NeighbourKind
{
    /// <summary>Nothing there (floating bus, or device 0 answering for an absent device 1).</summary>
    None,
    /// <summary>An ATA hard disk: it never takes a vendor intro.</summary>
    HardDisk,
    /// <summary>An ATAPI drive that says what it is, of no MediaTek brand.</summary>
    OtherDrive,
    /// <summary>An ATAPI drive of a MediaTek brand (drives.json's mediatekBrands): it may take the intro meant for the other drive.</summary>
    MediaTekDrive,
    /// <summary>A device that cannot say what it is (boot code only, stuck busy, 7Fh): it may be a dead MediaTek drive.</summary>
    Unidentified,
}

/// <summary>What the neighbour said it is (INQUIRY, else IDENTIFY).</summary>
/// <param name="Vendor">INQUIRY vendor, trimmed (null when only IDENTIFY answered).</param>
/// <param name="Model">INQUIRY product, or the IDENTIFY model, trimmed.</param>
/// <param name="Revision">Firmware revision, trimmed.</param>
public sealed record NeighbourIdentity(string? Vendor, string Model, string? Revision)
{
    public override string ToString() => string.Join(' ', new[] { Vendor, Model, Revision }.Where(s => !string.IsNullOrEmpty(s)));
}

/// <summary>
/// The other device on the cable, as read before vendor mode (or again after it) with read-only ATA-standard commands
/// only: IDENTIFY PACKET DEVICE, INQUIRY, and IDENTIFY DEVICE to tell a hard disk from a drive that refuses packets.
/// </summary>
/// <param name="Device">Master or slave: the position that was not picked.</param>
/// <param name="Where">"position 3 (secondary master, 0x170)".</param>
/// <param name="Kind">What it is.</param>
/// <param name="Identity">What it said it is, when it could.</param>
/// <param name="Brand">The MediaTek brand its name matches, if any.</param>
/// <param name="Status">The last status byte read from it.</param>
/// <param name="Detail">What was seen, in words ("refuses IDENTIFY PACKET DEVICE (boot code only?)").</param>
public sealed record Neighbour(DeviceSelect Device, string Where, NeighbourKind Kind, NeighbourIdentity? Identity, MediaTekBrand? Brand, byte Status, string Detail)
{
    /// <summary>A device is there.</summary>
    public bool IsPresent => Kind != NeighbourKind.None;

    /// <summary>It may take a vendor intro meant for the other drive: vendor mode is refused without --shared-channel.</summary>
    public bool IsRisk => Kind is NeighbourKind.MediaTekDrive or NeighbourKind.Unidentified;

    /// <summary>"LITE-ON LTR-52327S QS0C" or "an ATAPI device that cannot say what it is".</summary>
    public string Name => Identity?.ToString() ?? Kind switch
    {
        NeighbourKind.None => "nothing",
        NeighbourKind.HardDisk => "a hard disk",
        _ => "a device that cannot say what it is",
    };

    /// <summary>
    /// What the user types to confirm --shared-channel: the neighbour's model (e.g. "LTR-52327S"), or, for a device
    /// that cannot say what it is, its position in words with hyphens ("SECONDARY-MASTER").
    /// </summary>
    public string ConfirmationWord => Identity is { } id && id.Model.Length > 0
        ? id.Model.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1]
        : WordsFor(Where);

    private static string WordsFor(string where)
    {
        var open = where.IndexOf('(', StringComparison.Ordinal);
        var inside = open >= 0 ? where[(open + 1)..] : where;
        var comma = inside.IndexOf(',', StringComparison.Ordinal);
        if (comma >= 0)
            inside = inside[..comma];
        return inside.Trim().TrimEnd(')').Replace(' ', '-').ToUpperInvariant();
    }

    /// <summary>"a drive of a MediaTek brand (Lite-On [F])", "a hard disk", … — what kind of neighbour, in words.</summary>
    public string KindWords => Kind switch
    {
        NeighbourKind.HardDisk => "a hard disk",
        NeighbourKind.OtherDrive => "an optical drive of no MediaTek brand",
        NeighbourKind.MediaTekDrive => $"a drive of a MediaTek brand ({Brand})",
        NeighbourKind.Unidentified => $"a device that cannot say what it is ({Detail})",
        _ => "nothing",
    };
}

/// <summary>What a re-identification of the neighbour after a vendor-mode session found.</summary>
public enum NeighbourVerdict
{
    /// <summary>Same kind, model and revision as before.</summary>
    Unchanged,
    /// <summary>It answers differently, or not at all.</summary>
    Changed,
}

/// <summary>The neighbour before and after a vendor-mode session, and what that means.</summary>
public sealed record NeighbourRecheck(Neighbour Before, Neighbour After, NeighbourVerdict Verdict)
{
    /// <summary>One line: "position 3 (…): LITE-ON LTR-52327S QS0C, unchanged" or what changed.</summary>
    public string Describe() => Verdict == NeighbourVerdict.Unchanged
        ? $"{Before.Where}: {Before.Name}, unchanged ({(Before.Identity is null ? Before.KindWords : "same model and revision as before vendor mode")})"
        : $"{Before.Where} CHANGED during the vendor-mode session: before, {Before.Name}; now {(After.Identity is null ? After.KindWords + (After.Kind == NeighbourKind.None ? $" ({After.Detail})" : "") : After.Name)}";

    /// <summary>What to do when it changed (empty when unchanged).</summary>
    public string Advice => Verdict == NeighbourVerdict.Unchanged ? string.Empty : CableAdvice.NeighbourChanged(Before.Where);
}

/// <summary>
/// The shared-cable rule (issue 17, PROTOCOL.md §9): before the intro, the other device on the channel is identified with
/// read-only standard commands; a MediaTek-brand drive or a device that cannot say what it is refuses vendor mode unless
/// the user gave --shared-channel and typed the confirmation; after the session it is identified again and compared.
/// Nothing else is ever sent to the position the user did not pick.
/// </summary>
public static class SharedChannel
{
    /// <summary>The status bytes of a drive in MediaTek vendor mode (PROTOCOL.md §3).</summary>
    private static bool IsVendorStatus(byte status) => status is 0x70 or 0x72 or 0x73 or 0x52;

    /// <summary>Reads what the other device on <paramref name="host"/>'s channel is. Sends it only IDENTIFY PACKET DEVICE, INQUIRY and IDENTIFY DEVICE.</summary>
    public static Neighbour Inspect(AtaHost host, DeviceSelect target)
    {
        var other = target == DeviceSelect.Master ? DeviceSelect.Slave : DeviceSelect.Master;
        var where = Where(host, other);
        host.Select(other);
        var status = host.Registers.ReadAlternateStatus();
        if (status == 0xFF && !host.RegistersHoldValues(other))
            return new Neighbour(other, where, NeighbourKind.None, null, null, status, "floating bus: nothing drives the registers");
        if (status == 0x7F)
            return new Neighbour(other, where, NeighbourKind.Unidentified, null, null, status, "reads 7Fh, typical of a dead drive");
        IdentifyResult packet;
        try
        {
            packet = host.Identify(other, AtaCommand.IdentifyPacketDevice);
        }
        catch (RecoveryKitException ex)
        {
            var seen = ex.Failure.Status ?? 0x80;
            return new Neighbour(other, where, NeighbourKind.Unidentified, null, null, seen, $"busy, does not finish IDENTIFY PACKET DEVICE (status {seen:X2}h)");
        }
        switch (packet.Outcome)
        {
            case IdentifyOutcome.NoResponse:
                return new Neighbour(other, where, NeighbourKind.None, null, null, packet.Status, IsVendorStatus(packet.Status)
                    ? $"no answer to IDENTIFY PACKET DEVICE, status {packet.Status:X2}h: the MediaTek vendor-mode status (it took a vendor intro)"
                    : $"no answer to IDENTIFY PACKET DEVICE (status {packet.Status:X2}h)");
            case IdentifyOutcome.Data:
                return Drive(host, other, where, packet);
        }
        // Refused: a hard disk answers IDENTIFY DEVICE; an ATAPI device aborts it too and shows its signature.
        IdentifyResult ata;
        try
        {
            ata = host.Identify(other, AtaCommand.IdentifyDevice);
        }
        catch (RecoveryKitException ex)
        {
            var seen = ex.Failure.Status ?? 0x80;
            return new Neighbour(other, where, NeighbourKind.Unidentified, null, null, seen, $"refuses IDENTIFY PACKET DEVICE and hangs on IDENTIFY DEVICE (status {seen:X2}h)");
        }
        if (ata.Outcome == IdentifyOutcome.Data)
            return new Neighbour(other, where, NeighbourKind.HardDisk, new NeighbourIdentity(null, ata.Data!.Model.Trim(), ata.Data.Revision.Trim()), null, ata.Status, "hard disk");
        var signature = host.ReadSignature();
        // QEMU's PIIX shows an absent device 0 next to a present device 1 this way; no device has FFh/FFh as its signature.
        if (ata.Outcome == IdentifyOutcome.Aborted && signature.LbaMid == 0xFF && signature.LbaHigh == 0xFF)
            return new Neighbour(other, where, NeighbourKind.None, null, null, ata.Status, "no device signature (FFh/FFh) and both IDENTIFY commands aborted");
        return new Neighbour(other, where, NeighbourKind.Unidentified, null, null, ata.Status, signature.IsAtapi
            ? "an ATAPI drive that refuses IDENTIFY PACKET DEVICE: boot code only?"
            : $"refuses both IDENTIFY commands (signature {signature.LbaMid:X2}h/{signature.LbaHigh:X2}h)");
    }

    private static Neighbour Drive(AtaHost host, DeviceSelect other, string where, IdentifyResult packet)
    {
        InquiryData? inquiry = null;
        try
        {
            inquiry = ScsiCommands.Inquiry(new AtaPacketHost(host, other));
        }
        catch (RecoveryKitException)
        {
            // IDENTIFY PACKET DEVICE is enough to name it.
        }
        var identity = inquiry is not null
            ? new NeighbourIdentity(inquiry.Vendor.Trim(), inquiry.Product.Trim(), inquiry.Revision.Trim())
            : new NeighbourIdentity(null, packet.Data!.Model.Trim(), packet.Data.Revision.Trim());
        var brand = ProfileCatalog.MatchMediaTekBrand(inquiry?.Vendor, packet.Data!.Model)
            ?? ProfileCatalog.MatchMediaTekBrand(null, identity.ToString());
        return new Neighbour(other, where, brand is null ? NeighbourKind.OtherDrive : NeighbourKind.MediaTekDrive, identity, brand, packet.Status,
            brand is null ? "optical drive" : $"optical drive of a MediaTek brand ({brand})");
    }

    /// <summary>The same check on what a scan already read (the wizard's drive-choice step): no command is sent.</summary>
    public static Neighbour FromProbe(ProbeResult probe, string where)
    {
        switch (probe.Class)
        {
            case DeviceClass.Empty:
                return new Neighbour(probe.Device, where, NeighbourKind.None, null, null, probe.Status, probe.State);
            case DeviceClass.Ata:
                return new Neighbour(probe.Device, where, NeighbourKind.HardDisk,
                    probe.Identify is { } d ? new NeighbourIdentity(null, d.Model.Trim(), d.Revision.Trim()) : null, null, probe.Status, "hard disk");
            case DeviceClass.Atapi when probe.Inquiry is not null || probe.Identify is not null:
                var identity = probe.Inquiry is { } q
                    ? new NeighbourIdentity(q.Vendor.Trim(), q.Product.Trim(), q.Revision.Trim())
                    : new NeighbourIdentity(null, probe.Identify!.Model.Trim(), probe.Identify.Revision.Trim());
                var brand = ProfileCatalog.MatchMediaTekBrand(probe.Inquiry?.Vendor, probe.Identify?.Model) ?? ProfileCatalog.MatchMediaTekBrand(null, identity.ToString());
                return new Neighbour(probe.Device, where, brand is null ? NeighbourKind.OtherDrive : NeighbourKind.MediaTekDrive, identity, brand, probe.Status,
                    brand is null ? "optical drive" : $"optical drive of a MediaTek brand ({brand})");
            default:
                return new Neighbour(probe.Device, where, NeighbourKind.Unidentified, null, null, probe.Status, probe.State);
        }
    }

    /// <summary>Identifies the neighbour again (the same read-only commands) and compares it with <paramref name="before"/>.</summary>
    public static NeighbourRecheck Recheck(AtaHost host, Neighbour before)
    {
        Neighbour after;
        try
        {
            after = Inspect(host, before.Device == DeviceSelect.Master ? DeviceSelect.Slave : DeviceSelect.Master);
        }
        catch (RecoveryKitException ex)
        {
            after = new Neighbour(before.Device, before.Where, NeighbourKind.Unidentified, null, null, ex.Failure.Status ?? 0, $"no answer ({ex.Failure.Cause})");
        }
        var same = after.Kind == before.Kind && Equals(after.Identity, before.Identity);
        return new NeighbourRecheck(before, after, same ? NeighbourVerdict.Unchanged : NeighbourVerdict.Changed);
    }

    /// <summary>The refusal: a MediaTek-brand drive, or a device that cannot say what it is, shares the cable.</summary>
    public static RecoveryKitException Refusal(Neighbour neighbour, string targetWhere) => new(new Failure(FailureKind.SharedChannel, "neighbour",
        $"{neighbour.Where}, on the same cable as {targetWhere}, holds {(neighbour.Identity is null ? neighbour.KindWords : $"{neighbour.Name}, {neighbour.KindWords}")}: it may take the vendor intro and be written along with the drive being recovered; no vendor command was sent (both drives were only identified)",
        CableAdvice.SharedChannelRemedy(neighbour.ConfirmationWord)) { Status = neighbour.Status });

    /// <summary>The words <see cref="Neighbour.Where"/> uses for a position a scan reported.</summary>
    public static string Where(PositionReport report) => Where(report.Channel.Registers.Address, report.Probe.Device, $"{report.Probe.Device.ToString().ToLowerInvariant()} at 0x{report.Channel.Registers.Address.CommandBase:X3}");

    private static string Where(AtaHost host, DeviceSelect device) => Where(host.Registers.Address, device, host.Describe(device));

    /// <summary>"position 3 (secondary master, 0x170)" on a legacy channel; <paramref name="otherwise"/> elsewhere.</summary>
    private static string Where(ChannelAddress address, DeviceSelect device, string otherwise)
    {
        int? index = address == ChannelAddress.Primary ? 0 : address == ChannelAddress.Secondary ? 1 : null;
        if (index is not { } i)
            return otherwise;
        var position = DevicePositionExtensions.FromChannel(i, device);
        return $"position {(int)position} ({position.Words()}, 0x{address.CommandBase:X3})";
    }
}

/// <summary>
/// The shared-cable gate of one command: <see cref="FlashTarget.Acquire"/> runs <see cref="Check"/> before the first
/// command to the drive; the caller runs <see cref="Recheck"/> after the session. Without --shared-channel (or when the
/// typed confirmation is not given) a risky neighbour ends the command before anything is sent to either drive.
/// </summary>
/// <param name="sharedChannel">--shared-channel was given.</param>
/// <param name="confirm">Asks for the typed confirmation naming the neighbour; null: nobody can answer (refused).</param>
public sealed class SharedChannelGuard(bool sharedChannel, Func<Neighbour, bool>? confirm)
{
    /// <summary>Refuses every risky neighbour (what a caller that passes no guard gets).</summary>
    public static SharedChannelGuard Strict => new(false, null);

    /// <summary>Where the one-line note or the override warning goes.</summary>
    public IProgress<StageEvent>? Stages { get; init; }

    /// <summary>The neighbour as read before vendor mode; null until <see cref="Check"/> ran.</summary>
    public Neighbour? Before { get; private set; }

    /// <summary>The user overrode the refusal for a risky neighbour.</summary>
    public bool Overridden { get; private set; }

    /// <summary>Whether a re-identification is due: a device was there and the gate let the session go on.</summary>
    public bool RecheckDue => Before is { IsPresent: true } && (!Before.IsRisk || Overridden);

    /// <summary>Identifies the neighbour and refuses, notes or (after the typed confirmation) lets the session go on.</summary>
    public void Check(AtaHost host, DeviceSelect target, string targetWhere)
    {
        var neighbour = SharedChannel.Inspect(host, target);
        Before = neighbour;
        if (!neighbour.IsPresent)
            return;
        if (!neighbour.IsRisk)
        {
            Stages?.Report(new StageEvent("neighbour", CableAdvice.NeighbourNote(neighbour.Where, neighbour.Name, neighbour.KindWords)));
            return;
        }
        if (!sharedChannel)
            throw SharedChannel.Refusal(neighbour, targetWhere);
        if (confirm is null || !confirm(neighbour))
            throw new RecoveryKitException(new Failure(FailureKind.Cancelled, "neighbour",
                $"--shared-channel was not confirmed for {neighbour.Name} at {neighbour.Where}; no vendor command was sent",
                $"Type {neighbour.ConfirmationWord} at the prompt to go on anyway, or better: {CableAdvice.SharedChannelFix}."));
        Overridden = true;
        Stages?.Report(new StageEvent("warning", $"--shared-channel: vendor mode with {neighbour.Name} ({neighbour.KindWords}) at {neighbour.Where} on the same cable, as confirmed; it is identified again afterwards"));
    }

    /// <summary>After the session: the neighbour identified again and compared; null when no check is due.</summary>
    public NeighbourRecheck? Recheck(AtaHost host) => RecheckDue ? SharedChannel.Recheck(host, Before!) : null;
}
