using System.Globalization;
using RecoveryKit.Ata;

namespace RecoveryKit.Discovery;

/// <summary>
/// Finds IDE channels from sysfs: PCI devices of class 0x0101 (IDE) with their mode per channel, port addresses,
/// bound kernel driver and libata ports; AHCI (0x0106) and RAID (0x0104) controllers become notes with advice.
/// </summary>
public static class IdeDiscovery
{
    /// <summary>IORESOURCE_IO in the flags column of a PCI "resource" line (include/linux/ioport.h).</summary>
    private const ulong IoResourceFlag = 0x100;

    /// <summary>Control block offset inside a native-mode control BAR (the BAR is 4 ports; the register is at +2).</summary>
    private const int NativeControlOffset = 2;

    /// <summary>Scans the sysfs tree under <paramref name="root"/> ("/" on a live system; a fixture directory in tests).</summary>
    public static DiscoveryReport Scan(string root = "/")
    {
        var pciDevices = Path.Combine(root, "sys", "bus", "pci", "devices");
        var ataPorts = ReadAtaPorts(Path.Combine(root, "sys", "class", "ata_port"));
        var disabledPorts = ParseLibataForceDisabled(ReadText(Path.Combine(root, "proc", "cmdline")));
        var ioports = ParseIoPorts(ReadText(Path.Combine(root, "proc", "ioports")));
        var controllers = new List<IdeController>();
        var notes = new List<ControllerNote>();

        if (!Directory.Exists(pciDevices))
            return new DiscoveryReport(controllers, notes);

        foreach (var devicePath in Directory.EnumerateFileSystemEntries(pciDevices).Order(StringComparer.Ordinal))
        {
            var bdf = Path.GetFileName(devicePath);
            if (ReadHex(Path.Combine(devicePath, "class")) is not ulong classValue)
                continue;
            var classCode = (uint)classValue;
            var driver = ReadLinkName(Path.Combine(devicePath, "driver"));
            switch (classCode >> 8)
            {
                case 0x0101:
                    controllers.Add(ReadIdeController(devicePath, bdf, classCode, driver, ataPorts, disabledPorts, ioports, notes));
                    break;
                case 0x0106:
                    notes.Add(new ControllerNote(bdf, classCode, UnusableControllerKind.Ahci, driver,
                        $"{bdf} is a SATA AHCI controller{DriverWords(driver)}. " + DiscoveryReport.AhciAdvice));
                    break;
                case 0x0104:
                    notes.Add(new ControllerNote(bdf, classCode, UnusableControllerKind.Raid, driver,
                        $"{bdf} is a RAID controller{DriverWords(driver)}. " + DiscoveryReport.AhciAdvice.Replace("AHCI has", "RAID mode, like AHCI, has", StringComparison.Ordinal)));
                    break;
            }
        }
        return new DiscoveryReport(controllers, notes);
    }

    /// <summary>
    /// Ports N that the kernel command line disables as a whole: "libata.force=N:disable" (comma-separated entries,
    /// several libata.force= parameters allowed). Device-level entries ("N.00:disable") do not release the channel.
    /// </summary>
    public static IReadOnlySet<int> ParseLibataForceDisabled(string? cmdline)
    {
        var result = new HashSet<int>();
        if (string.IsNullOrWhiteSpace(cmdline))
            return result;
        foreach (var word in cmdline.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            if (!word.StartsWith("libata.force=", StringComparison.Ordinal))
                continue;
            foreach (var entry in word["libata.force=".Length..].Split(','))
            {
                var colon = entry.IndexOf(':');
                if (colon <= 0 || entry[(colon + 1)..] != "disable")
                    continue;
                if (int.TryParse(entry.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
                    result.Add(port);
            }
        }
        return result;
    }

    /// <summary>One line of /proc/ioports: "  01f0-01f7 : ata_piix" (nesting by indentation is not needed here).</summary>
    public readonly record struct IoPortRange(uint Start, uint End, string Name);

    /// <summary>Parses /proc/ioports. As non-root every range reads 0000-0000; such lines are kept and simply match nothing useful.</summary>
    public static IReadOnlyList<IoPortRange> ParseIoPorts(string? text)
    {
        var result = new List<IoPortRange>();
        if (string.IsNullOrEmpty(text))
            return result;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            var colon = line.IndexOf(" : ", StringComparison.Ordinal);
            var dash = line.IndexOf('-');
            if (colon < 0 || dash < 0 || dash > colon)
                continue;
            if (ParseHex(line[..dash]) is not ulong start || ParseHex(line[(dash + 1)..colon]) is not ulong end)
                continue;
            result.Add(new IoPortRange((uint)start, (uint)end, line[(colon + 3)..].Trim()));
        }
        return result;
    }

    /// <summary>A driver name holding any of the channel's ports; PCI bus windows and BAR placeholders (named by BDF) are not drivers.</summary>
    private static string? Claimant(IReadOnlyList<IoPortRange> ioports, ChannelAddress address)
    {
        foreach (var r in ioports)
        {
            var overlaps = (r.Start <= address.CommandBase + 7u && r.End >= address.CommandBase)
                || (r.Start <= address.ControlBase && r.End >= address.ControlBase);
            if (!overlaps || r.End - r.Start > 0xFF || r.Start == 0 && r.End == 0)
                continue;
            if (r.Name.StartsWith("PCI ", StringComparison.Ordinal) || LooksLikePciAddress(r.Name))
                continue;
            return r.Name;
        }
        return null;
    }

    private static bool LooksLikePciAddress(string name) =>
        name.Length == 12 && name[4] == ':' && name[7] == ':' && name[10] == '.';

    private static string? ReadText(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string DriverWords(string? driver) => driver is null ? "" : $" (driver {driver})";

    private static IdeController ReadIdeController(
        string devicePath, string bdf, uint classCode, string? driver, IReadOnlyList<(int Number, string Target)> ataPorts, IReadOnlySet<int> disabledPorts,
        IReadOnlyList<IoPortRange> ioports, List<ControllerNote> notes)
    {
        var progIf = (byte)classCode;
        var vendor = (ushort)(ReadHex(Path.Combine(devicePath, "vendor")) ?? 0);
        var device = (ushort)(ReadHex(Path.Combine(devicePath, "device")) ?? 0);
        var bars = ReadResources(Path.Combine(devicePath, "resource"));

        // libata ports of this PCI device, in registration order: the first is the primary channel.
        var segment = "/" + bdf + "/";
        var ports = ataPorts.Where(p => p.Target.Contains(segment, StringComparison.Ordinal)).Select(p => p.Number).Order().ToList();

        var channels = new List<IdeChannel>();
        for (var index = 0; index < 2; index++)
        {
            var native = (progIf & (index == 0 ? 0x01 : 0x04)) != 0;
            ChannelAddress address;
            if (!native)
            {
                address = index == 0 ? ChannelAddress.Primary : ChannelAddress.Secondary;
            }
            else
            {
                var cmd = IoBar(bars, index * 2);
                var ctl = IoBar(bars, (index * 2) + 1);
                if (cmd is null || ctl is null)
                {
                    notes.Add(new ControllerNote(bdf, classCode, null, driver,
                        $"{bdf}: the {(index == 0 ? "primary" : "secondary")} channel is in PCI native mode but BAR{index * 2}/BAR{(index * 2) + 1} hold no I/O ports; it is left out"));
                    continue;
                }
                address = new ChannelAddress((ushort)cmd.Value, (ushort)(ctl.Value + NativeControlOffset));
            }

            int? ataPort = driver is not null && index < ports.Count ? ports[index] : null;
            var released = ataPort is int n && disabledPorts.Contains(n);
            // Without a bound PCI driver, a driver may still hold the ports themselves (pata_legacy, ide-generic).
            var claimant = driver is null ? Claimant(ioports, address) : null;
            channels.Add(new IdeChannel(bdf, index, address, native ? ChannelMode.Native : ChannelMode.Legacy, driver, ataPort, released, claimant));
        }
        return new IdeController(bdf, classCode, vendor, device, driver, channels);
    }

    /// <summary>Start of BAR <paramref name="index"/> when it is an assigned I/O range within the 16-bit port space.</summary>
    private static ulong? IoBar(IReadOnlyList<(ulong Start, ulong End, ulong Flags)> bars, int index)
    {
        if (index >= bars.Count)
            return null;
        var (start, _, flags) = bars[index];
        return start != 0 && start <= 0xFFFF && (flags & IoResourceFlag) != 0 ? start : null;
    }

    /// <summary>Each line of a PCI "resource" file: "0x&lt;start&gt; 0x&lt;end&gt; 0x&lt;flags&gt;", BAR0 first.</summary>
    private static List<(ulong Start, ulong End, ulong Flags)> ReadResources(string path)
    {
        var result = new List<(ulong, ulong, ulong)>();
        if (!File.Exists(path))
            return result;
        foreach (var line in File.ReadAllLines(path))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 3 || ParseHex(parts[0]) is not ulong start || ParseHex(parts[1]) is not ulong end || ParseHex(parts[2]) is not ulong flags)
            {
                result.Add((0, 0, 0));
                continue;
            }
            result.Add((start, end, flags));
        }
        return result;
    }

    /// <summary>sys/class/ata_port/ataN entries with the target of their link (which runs through the PCI device's path).</summary>
    private static List<(int Number, string Target)> ReadAtaPorts(string classDir)
    {
        var result = new List<(int, string)>();
        if (!Directory.Exists(classDir))
            return result;
        foreach (var entry in Directory.EnumerateFileSystemEntries(classDir))
        {
            var name = Path.GetFileName(entry);
            if (!name.StartsWith("ata", StringComparison.Ordinal) || !int.TryParse(name.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                continue;
            var target = new DirectoryInfo(entry).LinkTarget;
            if (target is null)
                continue;
            result.Add((n, target.Replace('\\', '/')));
        }
        return result;
    }

    private static string? ReadLinkName(string path)
    {
        var info = new FileInfo(path);
        var target = info.LinkTarget;
        return target is null ? null : Path.GetFileName(target.TrimEnd('/'));
    }

    private static ulong? ReadHex(string path)
    {
        try
        {
            return File.Exists(path) ? ParseHex(File.ReadAllText(path).Trim()) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static ulong? ParseHex(string text)
    {
        var span = text.AsSpan().Trim();
        if (span.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            span = span[2..];
        return ulong.TryParse(span, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
