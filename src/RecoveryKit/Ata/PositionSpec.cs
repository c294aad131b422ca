using System.Globalization;
using RecoveryKit.Diagnostics;

namespace RecoveryKit.Ata;

/// <summary>How the technician named a position on the command line.</summary>
public enum PositionSpecKind
{
    /// <summary>1..4 or primary-master … secondary-slave (MtkFlash's numbering).</summary>
    Legacy,
    /// <summary>port:0x170:slave — a command-block base and master/slave.</summary>
    Port,
    /// <summary>pci:0000:00:1f.1:secondary:master.</summary>
    Pci,
    /// <summary>sg:/dev/sg1 — a kernel SCSI generic node (healthy drives only).</summary>
    Sg,
}

/// <summary>A parsed position: <c>1</c>–<c>4</c>, <c>primary-master</c>, <c>port:0x170:slave</c>, <c>pci:0000:00:1f.1:secondary:master</c>, <c>sg:/dev/sg1</c>.</summary>
public sealed record PositionSpec(PositionSpecKind Kind, DevicePosition? Legacy, ushort PortBase, DeviceSelect Device, string? PciAddress, int PciChannel, string? SgPath)
{
    public static PositionSpec Parse(string text)
    {
        if (TryParse(text, out var spec, out var problem))
            return spec;
        throw new RecoveryKitException(FailureKind.Usage, "position", problem, Help);
    }

    public const string Help =
        "Name a position as 1-4 (1 primary master, 2 primary slave, 3 secondary master, 4 secondary slave), " +
        "primary-master … secondary-slave, port:0x170:slave, pci:0000:00:1f.1:secondary:master or sg:/dev/sg1; 'scan' lists them.";

    public static bool TryParse(string? text, out PositionSpec spec, out string problem)
    {
        spec = null!;
        problem = string.Empty;
        var t = (text ?? string.Empty).Trim();
        if (t.Length == 0)
        {
            problem = "no position given";
            return false;
        }
        var lower = t.ToLowerInvariant();
        if (lower.Length == 1 && lower[0] is >= '1' and <= '4')
        {
            spec = FromLegacy((DevicePosition)(lower[0] - '0'));
            return true;
        }
        foreach (var position in DevicePositionExtensions.All)
        {
            if (lower == position.Name() || lower == position.Name().Replace("-", string.Empty, StringComparison.Ordinal))
            {
                spec = FromLegacy(position);
                return true;
            }
        }
        if (lower.StartsWith("sg:", StringComparison.Ordinal))
        {
            var path = t[3..];
            if (path.Length == 0 || !path.StartsWith('/'))
            {
                problem = $"'{t}' needs a device path such as sg:/dev/sg1";
                return false;
            }
            spec = new PositionSpec(PositionSpecKind.Sg, null, 0, DeviceSelect.Master, null, 0, path);
            return true;
        }
        if (lower.StartsWith("port:", StringComparison.Ordinal))
        {
            var parts = lower.Split(':');
            if (parts.Length != 3 || !TryPort(parts[1], out var port) || !TryDevice(parts[2], out var dev))
            {
                problem = $"'{t}' is not port:BASE:master|slave (e.g. port:0x170:slave)";
                return false;
            }
            spec = new PositionSpec(PositionSpecKind.Port, LegacyOf(port, dev), port, dev, null, 0, null);
            return true;
        }
        if (lower.StartsWith("pci:", StringComparison.Ordinal))
        {
            // pci:DDDD:BB:SS.F:primary|secondary:master|slave
            var parts = lower.Split(':');
            if (parts.Length != 6 || !IsPciAddress(parts[1], parts[2], parts[3]) || parts[4] is not ("primary" or "secondary") || !TryDevice(parts[5], out var dev))
            {
                problem = $"'{t}' is not pci:DOMAIN:BUS:SLOT.FN:primary|secondary:master|slave (e.g. pci:0000:00:1f.1:secondary:master)";
                return false;
            }
            spec = new PositionSpec(PositionSpecKind.Pci, null, 0, dev, $"{parts[1]}:{parts[2]}:{parts[3]}", parts[4] == "primary" ? 0 : 1, null);
            return true;
        }
        problem = $"'{t}' is not a position";
        return false;
    }

    private static PositionSpec FromLegacy(DevicePosition position) =>
        new(PositionSpecKind.Legacy, position, position.ChannelIndex() == 0 ? (ushort)0x1F0 : (ushort)0x170, position.Device(), null, 0, null);

    private static DevicePosition? LegacyOf(ushort port, DeviceSelect device) => port switch
    {
        0x1F0 => DevicePositionExtensions.FromChannel(0, device),
        0x170 => DevicePositionExtensions.FromChannel(1, device),
        _ => null,
    };

    private static bool TryPort(string text, out ushort port)
    {
        port = 0;
        var hex = text.StartsWith("0x", StringComparison.Ordinal) ? text[2..] : text;
        return hex.Length is > 0 and <= 4 && ushort.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out port) && port != 0 && (port & 7) == 0;
    }

    private static bool TryDevice(string text, out DeviceSelect device)
    {
        device = text == "slave" ? DeviceSelect.Slave : DeviceSelect.Master;
        return text is "master" or "slave";
    }

    private static bool IsPciAddress(string domain, string bus, string slotFn)
    {
        var dot = slotFn.Split('.');
        return domain.Length == 4 && IsHex(domain) && bus.Length == 2 && IsHex(bus)
            && dot.Length == 2 && dot[0].Length == 2 && IsHex(dot[0]) && Convert.ToByte(dot[0], 16) <= 0x1F // PCI device numbers are 5 bits
            && dot[1].Length == 1 && dot[1][0] is >= '0' and <= '7';
    }

    private static bool IsHex(string s) => s.All(Uri.IsHexDigit);

    /// <summary>The canonical spelling, as it would be typed.</summary>
    public override string ToString() => Kind switch
    {
        PositionSpecKind.Legacy => Legacy!.Value.Name(),
        PositionSpecKind.Port => $"port:0x{PortBase:X3}:{(Device == DeviceSelect.Master ? "master" : "slave")}",
        PositionSpecKind.Pci => $"pci:{PciAddress}:{(PciChannel == 0 ? "primary" : "secondary")}:{(Device == DeviceSelect.Master ? "master" : "slave")}",
        _ => $"sg:{SgPath}",
    };
}
