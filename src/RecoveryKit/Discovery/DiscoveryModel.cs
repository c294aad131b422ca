using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;

namespace RecoveryKit.Discovery;

/// <summary>How a PCI IDE channel decodes its ports (PCI IDE programming interface, bits 0 and 2).</summary>
public enum ChannelMode
{
    /// <summary>Compatibility mode: fixed ports 0x1F0/0x3F6 (primary) or 0x170/0x376 (secondary), MtkFlash positions 1–4.</summary>
    Legacy,
    /// <summary>PCI native mode: ports from the controller's BARs.</summary>
    Native,
}

/// <summary>A PCI mass-storage controller that has no task-file registers RecoveryKit can drive.</summary>
public enum UnusableControllerKind
{
    /// <summary>Class 0x0106: SATA AHCI.</summary>
    Ahci,
    /// <summary>Class 0x0104: RAID.</summary>
    Raid,
}

/// <summary>One IDE channel of a PCI IDE controller.</summary>
/// <param name="Controller">PCI address (BDF) of the controller, e.g. "0000:00:01.1".</param>
/// <param name="Index">0 for the primary channel, 1 for the secondary.</param>
/// <param name="Address">Command block base and control port.</param>
/// <param name="Mode">Legacy (compatibility) or PCI native.</param>
/// <param name="OwnerDriver">Kernel driver bound to the controller and driving this channel, or null when it is free.</param>
/// <param name="AtaPort">libata port number N of "ataN" for this channel, when libata drives it.</param>
/// <param name="DisabledOnCommandLine">The kernel command line holds libata.force=N:disable for this port, so libata leaves its devices alone.</param>
/// <param name="PortClaimant">
/// With no driver bound to the PCI device: a kernel driver that still holds the channel's ports in /proc/ioports
/// (pata_legacy, ide-generic, an old IDE driver), else null.
/// </param>
public sealed record IdeChannel(
    string Controller, int Index, ChannelAddress Address, ChannelMode Mode, string? OwnerDriver, int? AtaPort,
    bool DisabledOnCommandLine = false, string? PortClaimant = null)
{
    /// <summary>"primary" or "secondary".</summary>
    public string Name => Index == 0 ? "primary" : "secondary";

    /// <summary>A kernel driver drives this channel (and it was not released with libata.force=N:disable).</summary>
    public bool IsKernelOwned => (OwnerDriver is not null && !DisabledOnCommandLine) || PortClaimant is not null;

    /// <summary>The driver to name in messages: the bound PCI driver, else the port claimant.</summary>
    private string? Owner => OwnerDriver is not null && !DisabledOnCommandLine ? OwnerDriver : PortClaimant;

    /// <summary>MtkFlash positions 1–4 on this channel; empty for native-mode channels (MtkFlash only knew the legacy ports).</summary>
    public IReadOnlyList<DevicePosition> Positions => Mode == ChannelMode.Legacy
        ? [DevicePositionExtensions.FromChannel(Index, DeviceSelect.Master), DevicePositionExtensions.FromChannel(Index, DeviceSelect.Slave)]
        : [];

    /// <summary>What the technician must do to take the channel from the kernel; null when it is free.</summary>
    public string? Remedy
    {
        get
        {
            if (!IsKernelOwned)
                return null;
            if (OwnerDriver is null || DisabledOnCommandLine)
                return $"unload it as root with modprobe -r {PortClaimant} (see /proc/ioports), or boot without it (RecoveryKit stick)";
            var unbind = $"echo {Controller} > /sys/bus/pci/drivers/{OwnerDriver}/unbind (this detaches both channels of the controller)";
            return AtaPort is int n
                ? $"boot with libata.force={n}:disable on the kernel command line (ata{n} is this channel), or unbind the driver as root: {unbind}"
                : $"unbind the driver as root: {unbind}, or boot without that driver (RecoveryKit stick)";
        }
    }

    /// <summary>
    /// Throws <see cref="FailureKind.Environment"/> when a kernel driver owns this channel and
    /// <paramref name="forceKernelOwned"/> is not set: two masters on one task file corrupt each other's commands.
    /// </summary>
    public void EnsureRawAccessAllowed(bool forceKernelOwned)
    {
        if (!IsKernelOwned || forceKernelOwned)
            return;
        var port = AtaPort is int n && OwnerDriver is not null && !DisabledOnCommandLine ? $" as ata{n}" : "";
        throw new RecoveryKitException(
            FailureKind.Environment,
            "discovery",
            $"the kernel driver {Owner} owns the {Name} channel {Address} of {Controller}{port}; raw register access would race it",
            char.ToUpperInvariant(Remedy![0]) + Remedy[1..] + ". Or pass --force-kernel-owned if you know the channel is idle");
    }

    /// <summary>
    /// Refuses a kernel-owned channel (unless <paramref name="forceKernelOwned"/>), then opens its ports with the
    /// environment checks of <see cref="Transports.PortIo.Open(ChannelAddress, Transports.IPortIoPlatform?, IClock?)"/>.
    /// </summary>
    public Transports.PortIoRegisters OpenPorts(bool forceKernelOwned, Transports.IPortIoPlatform? platform = null, IClock? clock = null)
    {
        EnsureRawAccessAllowed(forceKernelOwned);
        return Transports.PortIo.Open(Address, platform, clock);
    }

    public override string ToString() =>
        $"{Controller} {Name} {Address} {Mode.ToString().ToLowerInvariant()}" + (PortClaimant is not null ? $", ports held by {PortClaimant}" : "") + (OwnerDriver is null ? ", free"
            : $", {(DisabledOnCommandLine ? "released by libata.force from" : "owned by")} {OwnerDriver}" + (AtaPort is int n ? $" (ata{n})" : ""));
}

/// <summary>A PCI IDE controller (class 0x0101) and its channels.</summary>
/// <param name="Address">PCI address (BDF).</param>
/// <param name="ClassCode">24-bit class code, e.g. 0x01018A.</param>
/// <param name="VendorId">PCI vendor id.</param>
/// <param name="DeviceId">PCI device id.</param>
/// <param name="Driver">Kernel driver bound to the PCI device, or null.</param>
/// <param name="Channels">Channels whose ports are known (a native channel without an I/O BAR is left out and noted).</param>
public sealed record IdeController(string Address, uint ClassCode, ushort VendorId, ushort DeviceId, string? Driver, IReadOnlyList<IdeChannel> Channels)
{
    /// <summary>The PCI IDE programming interface byte (low byte of the class code).</summary>
    public byte ProgrammingInterface => (byte)ClassCode;
}

/// <summary>A storage controller RecoveryKit cannot use, with what to do about it.</summary>
public sealed record ControllerNote(string Address, uint ClassCode, UnusableControllerKind? Kind, string? Driver, string Advice);

/// <summary>What discovery found: IDE controllers with their channels, and notes on controllers that cannot be used.</summary>
public sealed record DiscoveryReport(IReadOnlyList<IdeController> Controllers, IReadOnlyList<ControllerNote> Notes)
{
    public const string AhciAdvice =
        "Switch the SATA mode to IDE / Legacy / Compatible in the BIOS setup, or connect the drive to a PATA port or a PATA card: AHCI has no task-file registers";

    public IEnumerable<IdeChannel> Channels => Controllers.SelectMany(c => c.Channels);

    /// <summary>
    /// The legacy channel carrying MtkFlash position <paramref name="position"/>, checked for kernel ownership.
    /// Throws <see cref="FailureKind.NoDevice"/> when no legacy channel exists (with the AHCI advice when that is why).
    /// </summary>
    public IdeChannel SelectLegacy(DevicePosition position, bool forceKernelOwned)
    {
        var channel = Channels.FirstOrDefault(c => c.Mode == ChannelMode.Legacy && c.Index == position.ChannelIndex());
        if (channel is null)
            throw new RecoveryKitException(
                FailureKind.NoDevice,
                "discovery",
                $"no IDE controller decodes the legacy {(position.ChannelIndex() == 0 ? "primary" : "secondary")} channel for position {(int)position} ({position.Words()})",
                NoChannelAdvice());
        channel.EnsureRawAccessAllowed(forceKernelOwned);
        return channel;
    }

    /// <summary>The channel at <paramref name="address"/> (legacy or native), checked for kernel ownership.</summary>
    public IdeChannel Select(ChannelAddress address, bool forceKernelOwned)
    {
        var channel = Channels.FirstOrDefault(c => c.Address == address)
            ?? throw new RecoveryKitException(
                FailureKind.NoDevice,
                "discovery",
                $"no IDE controller has a channel at {address}",
                NoChannelAdvice());
        channel.EnsureRawAccessAllowed(forceKernelOwned);
        return channel;
    }

    private string NoChannelAdvice()
    {
        var found = Channels.Select(c => c.Address.ToString()).ToList();
        if (Notes.Any(n => n.Kind is not null))
            return AhciAdvice + (found.Count > 0 ? $". Channels found: {string.Join(", ", found)}" : "");
        return found.Count > 0
            ? $"Channels found: {string.Join(", ", found)}; pick one of them"
            : "This machine shows no PCI IDE controller: connect the drive to a PATA port or a PATA card";
    }
}
