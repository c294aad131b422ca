using RecoveryKit.Diagnostics;

namespace RecoveryKit.MediaTek;

/// <summary>
/// Where the flash backup goes: checked for room before anything touches the drive, written to a new
/// file (never over an old one), flushed and read back before the first erase.
/// </summary>
public static class BackupStore
{
    /// <summary>Refuses, before any write to the drive, a backup path that cannot take <paramref name="bytes"/> bytes.</summary>
    public static string Reserve(string requestedPath, long bytes)
    {
        var full = Path.GetFullPath(requestedPath);
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
        var path = Unique(full);
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
        try
        {
            using var probe = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RecoveryKitException(FailureKind.FileError, "backup", $"cannot create {path}: {ex.Message}",
                "Give a writable backup path with --backup; nothing was written to the drive.", ex);
        }
        return path;
    }

    /// <summary>Writes and flushes the backup, then reads it back; any difference or I/O error stops the run before the first erase.</summary>
    public static void Write(string reservedPath, ReadOnlySpan<byte> contents)
    {
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
