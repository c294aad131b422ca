using System.CommandLine;
using Spectre.Console;
using RecoveryKit.Ata;
using RecoveryKit.Discovery;

namespace RecoveryKit.Cli.Commands;

/// <summary><c>scan</c>: what is on every position, in a technician's words.</summary>
internal static class ScanCommand
{
    public static Command Create(GlobalOptions options, Terminal terminal)
    {
        var output = terminal.Output;
        var command = new Command("scan", "List every IDE/ATAPI position (1-4 as MtkFlash numbered them) and what is on it.");
        command.SetAction(parse =>
        {
            using var bench = RecordingChannels.Wrap(Backends.Open(parse.GetValue(options.Device), options.Bench), parse.GetValue(options.Transcript), options.Files);
            using var log = SessionLog.Open(parse.GetValue(options.Log), "scan", options.Files);
            log.Stage("start", $"RecoveryKit {typeof(ScanCommand).Assembly.GetName().Version} scan device={parse.GetValue(options.Device) ?? "auto"}");
            var reports = ChannelScanner.Scan(bench);
            foreach (var r in reports)
                log.Stage("scan", $"{(r.Position is { } lp ? (int)lp : 0)} {r.Where}: {r.Probe.Class} {r.Probe.Model} {r.Probe.Revision} — {r.Probe.State}");
            var real = bench is RecordingChannels t ? t.Inner : bench;
            var notes = real is PortChannels ports ? ports.Notes : [];
            IReadOnlyList<KernelDrive> kernel = real is PortChannels ? KernelDrives() : [];
            if (parse.GetValue(options.Json))
                WriteJson(output, bench, reports, notes, kernel);
            else
                WriteTable(output, terminal.Rich, bench, reports, notes, kernel);
            return 0;
        });
        return command;
    }

    internal static string ClassWords(DeviceClass c) => c switch
    {
        DeviceClass.Empty => "no device",
        DeviceClass.Atapi => "optical drive (ATAPI)",
        DeviceClass.Ata => "hard disk (ATA)",
        DeviceClass.StuckBusy => "stuck busy",
        _ => "unknown",
    };

    /// <summary>A drive the kernel still sees (a healthy one), with its serial when ATA PASS-THROUGH(16) gives it.</summary>
    internal sealed record KernelDrive(RecoveryKit.Discovery.OpticalDrive Drive, string? Serial);

    /// <summary>Drives the kernel still sees, through SG_IO; a dead drive the kernel dropped has no node at all.</summary>
    private static IReadOnlyList<KernelDrive> KernelDrives()
    {
        if (!OperatingSystem.IsLinux())
            return [];
        IReadOnlyList<RecoveryKit.Discovery.OpticalDrive> drives;
        try
        {
            drives = RecoveryKit.Discovery.OpticalDriveDiscovery.Scan();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
        var result = new List<KernelDrive>();
        foreach (var drive in drives)
        {
            string? serial = null;
            try
            {
                using var sg = RecoveryKit.Transports.Linux.SgIoTransport.Open(drive.GenericDevice);
                serial = RecoveryKit.Packet.AtaPassThrough.IdentifyPacketDevice(sg, out _)?.Serial;
            }
            catch (RecoveryKit.Diagnostics.RecoveryKitException)
            {
                // Listed without a serial: the node could not be opened or the bridge passes no ATA commands.
            }
            result.Add(new KernelDrive(drive, serial));
        }
        return result;
    }

    /// <summary>The positions as a table: a Spectre table on the terminal (<paramref name="rich"/>), aligned plain lines otherwise.</summary>
    private static void WriteTable(TextWriter output, IAnsiConsole? rich, IChannelSet bench, IReadOnlyList<PositionReport> reports,
        IReadOnlyList<string> notes, IReadOnlyList<KernelDrive> kernel)
    {
        output.WriteLine($"Scanned {bench.Describe}:");
        var rows = reports.Select(r => new[]
        {
            r.Position is { } p ? ((int)p).ToString(System.Globalization.CultureInfo.InvariantCulture) : "-",
            r.Where, ClassWords(r.Probe.Class), r.Probe.Model ?? "-", r.Probe.Revision ?? "-", r.Probe.State,
        }).ToList();
        if (rich is not null)
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumns("POS", "WHERE", "WHAT", "MODEL", "REV", "STATE");
            foreach (var row in rows)
                table.AddRow(row.Select(Markup.Escape).ToArray());
            rich.Write(table);
        }
        else
        {
            output.WriteLine($"{"POS",-4} {"WHERE",-26} {"WHAT",-22} {"MODEL",-28} {"REV",-5} STATE");
            foreach (var row in rows)
                output.WriteLine($"{row[0],-4} {row[1],-26} {row[2],-22} {row[3],-28} {row[4],-5} {row[5]}");
        }
        foreach (var note in notes)
            output.WriteLine($"note: {note}");
        foreach (var r in reports)
        {
            if (r.Position is { } at && ProfileOf(r.Probe.Model) is { } drive)
                output.WriteLine($"profile: position {(int)at} is a {drive.Name}: {VendorModeWords(drive)}");
        }
        foreach (var (drive, serial) in kernel)
            output.WriteLine($"kernel: {drive.GenericDevice}{(drive.BlockDevice is null ? "" : $" ({drive.BlockDevice})")}: {drive.Vendor} {drive.Model} {drive.Revision}{(serial is null ? "" : $", serial {serial}")} (healthy drive, reachable through SG_IO)");
        output.WriteLine(Summary(bench, reports, kernel.Count));
    }

    /// <summary>The profile whose product name the IDENTIFY model carries (e.g. "PLDS DG-16D2S"), or null.</summary>
    internal static RecoveryKit.Profiles.DriveProfile? ProfileOf(string? model) => model is null ? null
        : RecoveryKit.Profiles.ProfileCatalog.Drives.FirstOrDefault(d => d.Products.Any(p =>
            model.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(p.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], StringComparer.OrdinalIgnoreCase)));

    /// <summary>What vendor mode will show on this drive and what flash sits behind it (from the profile: scan sends no vendor command).</summary>
    internal static string VendorModeWords(RecoveryKit.Profiles.DriveProfile drive)
    {
        var locked = drive.LockedStatus is { } l ? $" ({l.Value:X2}h = SPI flash locked)" : "";
        var flash = drive.Framing.Value switch
        {
            RecoveryKit.Profiles.FlashFraming.SpiBuffer => $"SPI flash behind the drive's byte buffer ({drive.Intro.Value[0].Name} dialect)",
            RecoveryKit.Profiles.FlashFraming.CommandRegister => "parallel flash, command-register mailbox",
            _ => "parallel flash, MtkFlash mailbox",
        };
        return $"vendor mode answers {drive.VendorStatus.Value:X2}h{locked} [{drive.VendorStatus.Grade}]; {flash} [{drive.Framing.Grade}]";
    }

    /// <summary>
    /// The last line: optical drives on the IDE positions, and those only the kernel lists (SATA/AHCI, USB, or a
    /// channel a driver owns), which are found too even though vendor mode cannot reach them there.
    /// </summary>
    internal static string Summary(IChannelSet bench, IReadOnlyList<PositionReport> reports, int kernelDrives)
    {
        var flashable = reports.Count(r => r.Probe.CanBeFlashed);
        if (flashable == 0 && kernelDrives == 0)
        {
            var none = DriveSession.ExplainNoDrive(bench, reports);
            return $"No optical drive found: {none.Cause}. {none.Advice} Hard disks are listed but are never flashed.";
        }
        if (flashable == 0)
        {
            var none = DriveSession.ExplainNoDrive(bench, reports, kernelDrives);
            var found = kernelDrives == 1 ? "One optical drive found, through the kernel (SG_IO) only" : $"{kernelDrives} optical drives found, through the kernel (SG_IO) only";
            return $"{found}: none on an IDE position vendor mode can use. {none.Advice}";
        }
        var kernelToo = kernelDrives > 0 ? $" The kernel lists {kernelDrives} optical drive{(kernelDrives == 1 ? "" : "s")} through SG_IO (it may be the same drive)." : "";
        return (flashable == 1
            ? "One optical drive found; hard disks are never flashed."
            : $"{flashable} optical drives found: name the one to work on by its position (e.g. 3 or secondary-master).") + kernelToo;
    }

    private static void WriteJson(TextWriter output, IChannelSet bench, IReadOnlyList<PositionReport> reports,
        IReadOnlyList<string> notes, IReadOnlyList<KernelDrive> kernel) =>
        JsonOutput.Write(output, new ScanJson(bench.Describe,
            [.. reports.Select(r => new ScanPositionJson(r.Position is { } p ? (int)p : null, r.Position?.Name(), r.Channel.Name,
                r.Probe.Device == DeviceSelect.Master ? "master" : "slave", $"0x{r.Channel.Registers.Address.CommandBase:X3}",
                r.Probe.Class.ToString().ToLowerInvariant(), r.Probe.Model, r.Probe.Revision, r.Probe.Identify?.Serial, r.Probe.Signature?.ToString(),
                $"{r.Probe.Status:X2}", r.Probe.State, r.Probe.CanBeFlashed))],
            notes,
            [.. kernel.Select(k => new KernelDriveJson(k.Serial, k.Drive.GenericDevice, k.Drive.BlockDevice, k.Drive.Vendor, k.Drive.Model, k.Drive.Revision))]),
            c => c.ScanJson);
}
