namespace RecoveryKit.Discovery;

/// <summary>A CD/DVD drive the kernel enumerated as a SCSI device (ATAPI through libata, USB, SATA).</summary>
/// <param name="GenericDevice">The sg node, e.g. "/dev/sg1".</param>
/// <param name="BlockDevice">The sr node, e.g. "/dev/sr0", when the sr driver is bound.</param>
/// <param name="ScsiAddress">host:channel:target:lun, e.g. "1:0:0:0".</param>
/// <param name="Vendor">INQUIRY vendor identification as the kernel read it, trimmed.</param>
/// <param name="Model">INQUIRY product identification, trimmed.</param>
/// <param name="Revision">INQUIRY product revision (the firmware version), trimmed.</param>
public sealed record OpticalDrive(string GenericDevice, string? BlockDevice, string? ScsiAddress, string Vendor, string Model, string Revision)
{
    public override string ToString() =>
        $"{GenericDevice}{(BlockDevice is null ? "" : $" ({BlockDevice})")} {Vendor} {Model} {Revision}".TrimEnd();
}

/// <summary>Lists CD/DVD drives from sys/class/scsi_generic/sgN/device (peripheral device type 5 = MMC).</summary>
public static class OpticalDriveDiscovery
{
    /// <summary>SCSI peripheral device type of CD/DVD (MMC) devices.</summary>
    public const int MmcDeviceType = 5;

    /// <summary>Scans the sysfs tree under <paramref name="root"/> ("/" on a live system).</summary>
    public static IReadOnlyList<OpticalDrive> Scan(string root = "/")
    {
        var classDir = Path.Combine(root, "sys", "class", "scsi_generic");
        var drives = new List<OpticalDrive>();
        if (!Directory.Exists(classDir))
            return drives;

        var entries = Directory.EnumerateFileSystemEntries(classDir)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(n => n.StartsWith("sg", StringComparison.Ordinal) && n.Length > 2 && n[2..].All(char.IsAsciiDigit))
            .OrderBy(n => int.Parse(n.AsSpan(2), System.Globalization.CultureInfo.InvariantCulture));

        foreach (var name in entries)
        {
            var device = Path.Combine(classDir, name, "device");
            if (!int.TryParse(Read(Path.Combine(device, "type")), out var type) || type != MmcDeviceType)
                continue;
            var blockDir = Path.Combine(device, "block");
            var block = Directory.Exists(blockDir)
                ? Directory.EnumerateFileSystemEntries(blockDir).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).FirstOrDefault()
                : null;
            var address = new DirectoryInfo(device).LinkTarget is string target ? Path.GetFileName(target.TrimEnd('/')) : null;
            drives.Add(new OpticalDrive(
                "/dev/" + name,
                block is null ? null : "/dev/" + block,
                address,
                Read(Path.Combine(device, "vendor")) ?? "",
                Read(Path.Combine(device, "model")) ?? "",
                Read(Path.Combine(device, "rev")) ?? ""));
        }
        return drives;
    }

    private static string? Read(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
