using RecoveryKit.Ata;

namespace RecoveryKit.Discovery;

/// <summary>One IDE channel the tool can reach through the register seam.</summary>
/// <param name="Index">0 for the primary (legacy 0x1F0) channel, 1 for the secondary; higher for extra controllers.</param>
/// <param name="Name">How the channel is named in messages: "primary", "secondary", "pci 0000:00:1f.1 secondary".</param>
/// <param name="Registers">The channel's registers.</param>
public sealed record OpenChannel(int Index, string Name, IAtaRegisters Registers);

/// <summary>The set of channels a session works on: real ports on a PC, or a virtual bench.</summary>
public interface IChannelSet : IDisposable
{
    /// <summary>"virtual bench 'dead-ldw411s'", "legacy IDE ports".</summary>
    string Describe { get; }

    IReadOnlyList<OpenChannel> Channels { get; }

    /// <summary>Ask the technician to power-cycle the drive: a virtual bench does it itself; real hardware returns false.</summary>
    bool TryPowerCycle(DevicePosition position);
}

/// <summary>What a scan found at one position.</summary>
public sealed record PositionReport(OpenChannel Channel, DevicePosition? Position, ProbeResult Probe)
{
    /// <summary>"primary master (0x1F0)".</summary>
    public string Where => $"{Channel.Name} {(Probe.Device == DeviceSelect.Master ? "master" : "slave")} (0x{Channel.Registers.Address.CommandBase:X3})";
}

/// <summary>Scans every channel of a bench. Read-only apart from the resets the ATA standard allows.</summary>
public static class ChannelScanner
{
    public static IReadOnlyList<PositionReport> Scan(IChannelSet bench, AtaTimeouts? timeouts = null)
    {
        var reports = new List<PositionReport>();
        foreach (var channel in bench.Channels)
        {
            var host = new AtaHost(channel.Registers, timeouts ?? AtaTimeouts.Scan);
            foreach (var probe in ChannelProbe.Probe(host))
            {
                DevicePosition? position = channel.Index <= 1 ? DevicePositionExtensions.FromChannel(channel.Index, probe.Device) : null;
                reports.Add(new PositionReport(channel, position, probe));
            }
        }
        return reports;
    }
}
