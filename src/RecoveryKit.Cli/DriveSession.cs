using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Discovery;

namespace RecoveryKit.Cli;

/// <summary>The bench, the picked position and its host, with the transcript wired in when asked for.</summary>
internal sealed class DriveSession : IDisposable
{
    private DriveSession(IChannelSet bench, OpenChannel channel, DeviceSelect device, DevicePosition? position, string where, ProbeResult? probe)
    {
        Bench = bench;
        Channel = channel;
        Device = device;
        Position = position;
        Where = where;
        Probe = probe;
        Host = new AtaHost(channel.Registers);
    }

    public IChannelSet Bench { get; }
    public OpenChannel Channel { get; }
    public DeviceSelect Device { get; }
    public DevicePosition? Position { get; }
    public string Where { get; }
    public AtaHost Host { get; }

    /// <summary>--shared-channel was given: a risky neighbour is let through after the typed confirmation (issue 17).</summary>
    public bool AllowSharedChannel { get; set; }

    /// <summary>--try-locked was given: the drive's locked status (52h) is taken as vendor mode, with the flash checked first.</summary>
    public bool AcceptLocked { get; set; }

    /// <summary>The shared-cable gate this session's vendor-mode work runs through (see <see cref="NeighbourCheck"/>).</summary>
    public SharedChannelGuard? Neighbour { get; set; }

    /// <summary>What a scan saw at the position, when the position was found by scanning.</summary>
    public ProbeResult? Probe { get; }

    /// <summary>
    /// Opens the bench and picks the position: the one named, or — when none is named — the only optical drive a
    /// scan finds (more than one, or none, is a usage error listing what is there). The transcript, when asked
    /// for, is created before the first register access and records the whole bench, the scan included, so that
    /// 'replay' can run the same command against it.
    /// </summary>
    public static DriveSession Open(string? device, ChannelOptions benchOptions, string? position, string? transcriptPath, SessionFiles files)
    {
        if (transcriptPath is not null)
            OutputFiles.CheckName(transcriptPath, "--transcript");
        var bench = RecordingChannels.Wrap(Backends.Open(device, benchOptions), transcriptPath, files);
        try
        {
            OpenChannel channel;
            DeviceSelect select;
            DevicePosition? legacy;
            ProbeResult? probe = null;
            if (position is null)
            {
                var reports = ChannelScanner.Scan(bench);
                var drives = reports.Where(r => r.Probe.CanBeFlashed).ToList();
                if (drives.Count != 1)
                {
                    var listing = string.Join("; ", reports.Select(r => $"{(r.Position is { } p ? ((int)p).ToString(System.Globalization.CultureInfo.InvariantCulture) : "-")} {r.Where}: {r.Probe.Model ?? r.Probe.Class.ToString()}"));
                    if (drives.Count == 0)
                    {
                        var none = ExplainNoDrive(bench, reports);
                        throw new RecoveryKitException(FailureKind.NoDevice, "position",
                            $"no optical drive found: {none.Cause}{(listing.Length > 0 ? $" ({listing})" : "")}", none.Advice);
                    }
                    throw new RecoveryKitException(FailureKind.Usage, "position",
                        $"{drives.Count} optical drives found, so the position must be named ({listing})", PositionSpec.Help);
                }
                var pick = drives[0];
                channel = pick.Channel;
                select = pick.Probe.Device;
                legacy = pick.Position;
                probe = pick.Probe;
            }
            else
            {
                var spec = PositionSpec.Parse(position);
                if (spec.Kind is PositionSpecKind.Sg or PositionSpecKind.Pci)
                    throw new RecoveryKitException(FailureKind.Usage, "position", $"'{position}' cannot be used for vendor mode on this backend",
                        "Vendor mode needs the task-file registers: name the position as 1-4 or port:BASE:master|slave.");
                channel = bench.Channels.FirstOrDefault(c => c.Registers.Address.CommandBase == spec.PortBase)
                    ?? throw new RecoveryKitException(FailureKind.NoDevice, "position", $"{bench.Describe} has no channel at 0x{spec.PortBase:X3}",
                        $"Channels here: {string.Join(", ", bench.Channels.Select(c => $"{c.Name} 0x{c.Registers.Address.CommandBase:X3}"))}.");
                select = spec.Device;
                legacy = spec.Legacy;
            }
            var where = $"{(legacy is { } lp ? $"position {(int)lp} ({lp.Words()}, " : $"{channel.Name} {(select == DeviceSelect.Master ? "master" : "slave")} (")}0x{channel.Registers.Address.CommandBase:X3})";
            return new DriveSession(bench, channel, select, legacy, where, probe);
        }
        catch
        {
            bench.Dispose();
            throw;
        }
    }

    /// <summary>Why <paramref name="reports"/> hold no optical drive to work on, with the advice that fits this bench.</summary>
    public static NoDriveFinding ExplainNoDrive(IChannelSet bench, IReadOnlyList<PositionReport> reports, int kernelDrives = 0)
    {
        var real = bench is RecordingChannels t ? t.Inner : bench;
        return NoDriveFinding.Explain(reports, real is PortChannels { SataWithoutTaskFile: true }, kernelDrives);
    }

    public void Dispose() => Bench.Dispose();
}
