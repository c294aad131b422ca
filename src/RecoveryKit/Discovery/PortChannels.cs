using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Transports;

namespace RecoveryKit.Discovery;

/// <summary>
/// The bench PC's real IDE channels, found by discovery and opened for raw port I/O. Channels a kernel driver
/// owns are left out (unless forced) and explained in <see cref="Notes"/>, as are AHCI and RAID controllers.
/// </summary>
public sealed class PortChannels : IChannelSet
{
    private readonly List<PortIoRegisters> _open = [];

    private PortChannels(string describe, List<OpenChannel> channels, List<string> notes, List<PortIoRegisters> open, bool sataWithoutTaskFile)
    {
        Describe = describe;
        Channels = channels;
        Notes = notes;
        _open = open;
        SataWithoutTaskFile = sataWithoutTaskFile;
    }

    /// <summary>This PC has a SATA controller in AHCI or RAID mode (no task-file registers).</summary>
    public bool SataWithoutTaskFile { get; }

    public string Describe { get; }

    public IReadOnlyList<OpenChannel> Channels { get; }

    /// <summary>Why some controllers or channels are not in <see cref="Channels"/>, and what to do.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>Every channel discovery finds (or only the one at <paramref name="only"/>).</summary>
    public static PortChannels Open(bool forceKernelOwned, ChannelAddress? only = null)
    {
        var report = IdeDiscovery.Scan();
        var notes = report.Notes.Select(n => n.Advice).ToList();
        var channels = new List<OpenChannel>();
        var open = new List<PortIoRegisters>();
        var candidates = report.Channels.Where(c => only is null || c.Address == only).ToList();
        if (only is { } wanted && candidates.Count == 0)
        {
            // Not found by discovery (e.g. no sysfs): allow the address the technician typed.
            candidates.Add(new IdeChannel("(given)", wanted.CommandBase == 0x170 ? 1 : 0, wanted,
                wanted.CommandBase is 0x1F0 or 0x170 ? ChannelMode.Legacy : ChannelMode.Native, null, null));
        }
        try
        {
            foreach (var channel in candidates)
            {
                if (channel.IsKernelOwned && !forceKernelOwned)
                {
                    notes.Add($"{channel}: left alone — {channel.Remedy}; or pass --force-kernel-owned if you know it is idle.");
                    continue;
                }
                var regs = channel.OpenPorts(forceKernelOwned);
                open.Add(regs);
                var index = channel.Mode == ChannelMode.Legacy ? channel.Index : 2 + channels.Count;
                var name = channel.Mode == ChannelMode.Legacy ? channel.Name : $"pci {channel.Controller} {channel.Name}";
                channels.Add(new OpenChannel(index, name, regs));
            }
        }
        catch
        {
            foreach (var r in open)
                r.Dispose();
            throw;
        }
        if (report.Controllers.Count == 0 && report.Notes.Any(n => n.Kind == UnusableControllerKind.Ahci))
            notes.Add("AHCI: no task-file registers — raw mode needs an IDE/legacy SATA mode or a PATA port; healthy drives are still listed through the kernel (SG_IO).");
        if (channels.Count == 0 && notes.Count == 0)
            notes.Add("no IDE controller with task-file registers was found (sysfs lists no PCI class 0101 device): raw mode needs a PATA port or SATA in IDE/legacy mode.");
        return new PortChannels("this PC's IDE ports", channels, notes, open, report.Notes.Any(n => n.Kind is not null));
    }

    public bool TryPowerCycle(DevicePosition position) => false;

    public void Dispose()
    {
        foreach (var r in _open)
            r.Dispose();
    }
}
