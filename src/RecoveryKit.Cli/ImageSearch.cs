using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;

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

    /// <summary>A folder scan reads at most this much of one file: the largest flash (2 MiB) as Intel-HEX, or a vendor updater, fits well within.</summary>
    public const long ScanMaxBytes = 16L * 1024 * 1024;

    /// <summary>A folder scan gives one file at most this long to be classified.</summary>
    public static readonly TimeSpan ScanPerFile = TimeSpan.FromSeconds(2);

    /// <summary>What a folder scan found: the images that fit, and one note per file skipped because it could not be classified quickly.</summary>
    public sealed record ScanResult(IReadOnlyList<FirmwareImage> Images, IReadOnlyList<string> Skipped);

    /// <summary>
    /// Classifies each file with <paramref name="load"/> and keeps the images <paramref name="fits"/> accepts. A file
    /// larger than <paramref name="maxBytes"/>, or not a regular file, is skipped unread; one whose classification takes
    /// longer than <paramref name="perFile"/> is skipped (its load is left to finish on its own, its result unused).
    /// Files that are not firmware are left out silently, as before; skipped ones get a note naming them.
    /// </summary>
    public static ScanResult Classify(IEnumerable<string> files, Func<FirmwareImage, bool> fits, Func<string, FirmwareImage> load, TimeSpan perFile, long maxBytes)
    {
        var images = new List<FirmwareImage>();
        var skipped = new List<string>();
        foreach (var file in files)
        {
            var shown = TranscriptWriter.Escape(file);
            long length;
            try
            {
                var info = new FileInfo(file);
                if (!info.Exists)
                    continue;
                length = info.Length;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                continue;
            }
            if (length == 0)
            {
                skipped.Add($"{shown}: empty or not a regular file (a device, FIFO or socket), not read");
                continue;
            }
            if (length > maxBytes)
            {
                skipped.Add($"{shown}: {length / (1024.0 * 1024):0.#} MiB, larger than the {maxBytes / (1024 * 1024)} MiB a folder scan reads of one file; name it with --image if it is the firmware");
                continue;
            }
            var work = Task.Run(() => load(file));
            bool done;
            try
            {
                done = work.Wait(perFile);
            }
            catch (AggregateException ex) when (ex.InnerException is RecoveryKitException)
            {
                continue; // not firmware, or not readable: not a candidate (as before)
            }
            if (!done)
            {
                // The load goes on in the background and ends by itself (every parser is bounded); its outcome is dropped.
                _ = work.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
                skipped.Add($"{shown}: not classified within {perFile.TotalSeconds:0.#} s, skipped; name it with --image if it is the firmware");
                continue;
            }
            if (fits(work.Result))
                images.Add(work.Result);
        }
        return new ScanResult(images, skipped);
    }

    /// <summary>The data folder's logs/ holds session logs and practice images: never firmware to offer.</summary>
    private static bool UnderLogs(string folder, string file)
    {
        var relative = Path.GetRelativePath(folder, file);
        var first = relative.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)[0];
        return relative != first && first.Equals("logs", StringComparison.OrdinalIgnoreCase);
    }
}
