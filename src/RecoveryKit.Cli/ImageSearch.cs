namespace RecoveryKit.Cli;

/// <summary>
/// Where <c>unbrick</c> looks for firmware files: the recovery stick's data folder ($RECOVERYKIT_DATA) first, with its
/// subfolders (technicians sort images by drive), then the working folder and the tool's own folder (top level only).
/// A file is listed once however many of these places are the same folder. Backups (NAME-backup-DATE.bin) and the
/// data folder's logs/ (session logs, practice images) are never candidates.
/// </summary>
internal static class ImageSearch
{
    /// <summary>Subfolders below the data folder searched at most this deep (images/VENDOR/MODEL/file.bin is 3).</summary>
    private const int MaxDepth = 4;

    private static readonly StringComparer PathComparer = OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>The places searched, in order, each once.</summary>
    public static IReadOnlyList<(string Folder, bool Subfolders)> Places()
    {
        var places = new List<(string Folder, bool Subfolders)>();
        var data = Environment.GetEnvironmentVariable("RECOVERYKIT_DATA");
        if (!string.IsNullOrWhiteSpace(data))
            places.Add((Path.GetFullPath(data), true));
        foreach (var folder in (string[])[Directory.GetCurrentDirectory(), AppContext.BaseDirectory])
        {
            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
            if (!places.Any(p => PathComparer.Equals(Path.TrimEndingDirectorySeparator(p.Folder), full)))
                places.Add((full, false));
        }
        return places;
    }

    /// <summary>Candidate firmware files (.bin, .hex, .exe), data folder first, each path once.</summary>
    public static IReadOnlyList<string> Files()
    {
        var seen = new HashSet<string>(PathComparer);
        var files = new List<string>();
        foreach (var (folder, subfolders) in Places())
        {
            foreach (var file in FilesIn(folder, subfolders))
            {
                if (seen.Add(Path.GetFullPath(file)))
                    files.Add(file);
            }
        }
        return files;
    }

    private static List<string> FilesIn(string folder, bool subfolders)
    {
        try
        {
            var options = new EnumerationOptions { RecurseSubdirectories = subfolders, MaxRecursionDepth = MaxDepth, IgnoreInaccessible = true };
            return Directory.EnumerateFiles(folder, "*", options)
                .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".bin" or ".hex" or ".exe")
                .Where(f => !Path.GetFileName(f).Contains("-backup-", StringComparison.OrdinalIgnoreCase))
                .Where(f => !subfolders || !UnderLogs(folder, f))
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>The data folder's logs/ holds session logs and practice images: never firmware to offer.</summary>
    private static bool UnderLogs(string folder, string file)
    {
        var relative = Path.GetRelativePath(folder, file);
        var first = relative.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)[0];
        return relative != first && first.Equals("logs", StringComparison.OrdinalIgnoreCase);
    }
}
