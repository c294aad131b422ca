using RecoveryKit.Diagnostics;

namespace RecoveryKit.MediaTek;

/// <summary>
/// Where the flash backup goes: checked for room before anything touches the drive, written to a new
/// file (never over an old one), flushed and read back before the first erase.
/// </summary>
public static class BackupStore
{
    // Files this process reserved and has not written yet: reserving one again (the CLI reserves before the
    // session opens, the flash session before vendor mode) takes the same file instead of making a new name.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> Reserved = new(StringComparer.Ordinal);

    /// <summary>Refuses, before any write to the drive, a backup path that cannot take <paramref name="bytes"/> bytes.</summary>
    public static string Reserve(string requestedPath, long bytes)
    {
        if (string.IsNullOrWhiteSpace(requestedPath) || requestedPath.Any(char.IsControl))
            throw new RecoveryKitException(FailureKind.Usage, "backup",
                string.IsNullOrWhiteSpace(requestedPath) ? "the backup file name is empty" : $"the backup file name \"{Escape(requestedPath)}\" holds a control character",
                "Give the backup a plain file name; nothing was done to the drive.");
        string full;
        try
        {
            full = Path.GetFullPath(requestedPath);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new RecoveryKitException(FailureKind.Usage, "backup", $"\"{Escape(requestedPath)}\" is not a usable file name ({ex.Message})",
                "Give the backup a plain file name; nothing was done to the drive.", ex);
        }
        if (Directory.Exists(full))
            throw new RecoveryKitException(FailureKind.FileError, "backup", $"\"{Escape(full)}\" is a folder, not a file",
                "Give the backup a file name inside it; nothing was done to the drive.");
        var directory = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(directory))
        {
            try
            {
                Directory.CreateDirectory(directory);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new RecoveryKitException(FailureKind.FileError, "backup", $"cannot create the backup folder {directory}: {ex.Message}",
                    "Give a writable folder with -o/--backup (the recovery stick's data partition, or /tmp).", ex);
            }
        }
        var path = Reserved.ContainsKey(full) && new FileInfo(full) is { Exists: true, Length: 0 } ? full : Unique(full);
        long free;
        try
        {
            free = new DriveInfo(directory).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            free = long.MaxValue; // the probe failed; the real write below still checks
        }
        if (free < bytes + (64 * 1024))
            throw new RecoveryKitException(FailureKind.FileError, "backup",
                $"{directory} has {free / 1024} KiB free; the backup needs {bytes / 1024} KiB",
                "Free some space or give another folder with --backup; nothing was written to the drive.");
        if (path == full && Reserved.ContainsKey(full))
            return path;
        try
        {
            using var probe = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new RecoveryKitException(FailureKind.FileError, "backup", $"cannot create {Escape(path)}: {ex.Message}",
                "Give a writable backup path with --backup; nothing was written to the drive.", ex);
        }
        Reserved[path] = true;
        return path;
    }

    /// <summary>Writes and flushes the backup, then reads it back; any difference or I/O error stops the run before the first erase.</summary>
    public static void Write(string reservedPath, ReadOnlySpan<byte> contents)
    {
        Reserved.TryRemove(reservedPath, out _);
        try
        {
            using (var stream = new FileStream(reservedPath, FileMode.Truncate, FileAccess.Write, FileShare.None))
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }
            var back = File.ReadAllBytes(reservedPath);
            if (!contents.SequenceEqual(back))
                throw new IOException("the file read back differs from what was written");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RecoveryKitException(FailureKind.FileError, "backup", $"writing the backup {reservedPath} failed: {ex.Message}",
                "Nothing was erased. Free space or pick another --backup folder, then run again.", ex);
        }
    }

    /// <summary>Removes a reserved backup file that was never written (empty), so a stopped run leaves nothing behind.</summary>
    public static void Abandon(string reservedPath)
    {
        Reserved.TryRemove(reservedPath, out _);
        try
        {
            var info = new FileInfo(reservedPath);
            if (info.Exists && info.Length == 0)
                info.Delete();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: an empty file is harmless, and the run's own failure is what the technician must see.
        }
    }

    private static string Escape(string text) => TranscriptWriter.Escape(text);

    private static string Unique(string path)
    {
        if (!File.Exists(path))
            return path;
        var dir = Path.GetDirectoryName(path) ?? ".";
        var name = Path.GetFileNameWithoutExtension(path);
        var ext = Path.GetExtension(path);
        for (var i = 1; ; i++)
        {
            var candidate = Path.Combine(dir, $"{name}-{i}{ext}");
            if (!File.Exists(candidate))
                return candidate;
        }
    }
}
