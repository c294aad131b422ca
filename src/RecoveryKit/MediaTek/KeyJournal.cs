using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;

namespace RecoveryKit.MediaTek;

/// <summary>
/// What a run leaves behind while a drive's key block is exposed (PROTOCOL.md §7): the key's sector is erased and
/// reprogrammed in a pass of its own, and a power cut in that pass leaves the key blank or half-written. Before that
/// pass the run writes a small journal naming the backup it took (written twice and read back) and the key's hash;
/// once the key's sector is written and read back, the journal goes. The next run that finds a journal and a key
/// block that reads like an interrupted erase or program of that key (every bit set in the key is still set in the
/// flash: erasing only sets bits, programming only clears the ones the key has clear) takes the drive's own key from
/// the backup instead of from the flash — the flash no longer holds it, and the image's key belongs to another drive.
/// </summary>
/// <remarks>
/// The journal is a few "name=value" lines of text (profile, key range, key hash, backup paths and their SHA-256): no
/// key bytes. It lives in the data folder (<c>keys/PROFILE-KEYHASH.pending</c>), beside the second backup: one per
/// drive, so a stopped run of one drive never loses its journal to a run of another drive of the same model.
/// </remarks>
public sealed record KeyJournal(string Profile, int Start, int Length, string KeyHash, string Backup, string? Copy, string BackupSha256)
{
    /// <summary>This journal's file in <paramref name="folder"/>.</summary>
    public string PathIn(string folder) => Path.Combine(folder, $"{Profile}-{KeyHash}.pending");

    /// <summary>Every journal of <paramref name="profile"/> in <paramref name="folder"/>, with its path (none: empty).</summary>
    public static IReadOnlyList<(string Path, KeyJournal Journal)> ReadAll(string folder, string profile)
    {
        if (!Directory.Exists(folder))
            return [];
        var found = new List<(string, KeyJournal)>();
        foreach (var path in Directory.EnumerateFiles(folder, "*.pending").Order(StringComparer.Ordinal))
        {
            if (Read(path) is { } journal && string.Equals(journal.Profile, profile, StringComparison.OrdinalIgnoreCase))
                found.Add((path, journal));
        }
        return found;
    }

    /// <summary>Writes the journal (a new file replacing an older one of the same drive profile) and flushes it to disk.</summary>
    public static void Write(string path, KeyJournal journal)
    {
        var text = new StringBuilder()
            .Append("# RecoveryKit: a flash of a ").Append(journal.Profile).Append(" is rewriting the drive's key block. If that run stopped,\n")
            .Append("# the next run takes the drive's own key block from the backup named here. Delete this file only if that drive is lost.\n")
            .Append("profile=").Append(journal.Profile).Append('\n')
            .Append("start=").Append(journal.Start.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("length=").Append(journal.Length.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("key-hash=").Append(journal.KeyHash).Append('\n')
            .Append("backup=").Append(journal.Backup).Append('\n')
            .Append("copy=").Append(journal.Copy ?? "").Append('\n')
            .Append("backup-sha256=").Append(journal.BackupSha256).Append('\n')
            .ToString();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".new";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads a journal; null when there is none. A journal that cannot be read or parsed is a typed file error.</summary>
    public static KeyJournal? Read(string path)
    {
        if (!File.Exists(path))
            return null;
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(path, ex.Message);
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                throw Unreadable(path, $"the line '{line}' is not name=value");
            values[line[..eq]] = line[(eq + 1)..];
        }
        string Need(string name) => values.TryGetValue(name, out var v) && v.Length > 0 ? v : throw Unreadable(path, $"'{name}' is missing");
        int Number(string name) => int.TryParse(Need(name), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw Unreadable(path, $"'{name}' is not a number");
        var copy = values.TryGetValue("copy", out var c) && c.Length > 0 ? c : null;
        return new KeyJournal(Need("profile"), Number("start"), Number("length"), Need("key-hash"), Need("backup"), copy, Need("backup-sha256"));
    }

    /// <summary>Removes the journal once the key block is written and read back (a removal that fails is left for the next run to find harmless).</summary>
    public static void Remove(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The next run reads the journal, finds the flash's key equal to the journal's, and removes it then.
        }
    }

    /// <summary>SHA-256 of a whole backup, lower-case hex.</summary>
    public static string Sha256(ReadOnlySpan<byte> contents) => Convert.ToHexStringLower(SHA256.HashData(contents));

    /// <summary>
    /// True when <paramref name="flash"/>'s key block can be what an erase or a program of <paramref name="key"/> left
    /// when it was cut: every bit set in the key is set in the flash (blank FFh included).
    /// </summary>
    public static bool LooksInterrupted(ReadOnlySpan<byte> flash, ReadOnlySpan<byte> key)
    {
        if (flash.Length != key.Length)
            return false;
        for (var i = 0; i < key.Length; i++)
        {
            if ((flash[i] & key[i]) != key[i])
                return false;
        }
        return true;
    }

    /// <summary>
    /// The whole backup the journal names (or its copy), checked against the journal's SHA-256 and key hash; the
    /// drive's key block is then <paramref name="block"/>'s bytes in it. Neither file intact: a typed file error.
    /// </summary>
    public byte[] LoadBackup(KeyBlock block, int chipSize)
    {
        var tried = new List<string>();
        foreach (var candidate in new[] { Backup, Copy })
        {
            if (candidate is null)
                continue;
            try
            {
                var info = new FileInfo(candidate);
                if (!info.Exists || info.Length != chipSize)
                {
                    tried.Add($"{candidate}: {(info.Exists ? $"{info.Length} bytes, not {chipSize}" : "missing")}");
                    continue;
                }
                var bytes = File.ReadAllBytes(candidate);
                if (Sha256(bytes) != BackupSha256 || block.Hash(bytes) != KeyHash)
                {
                    tried.Add($"{candidate}: not the file the journal names (its SHA-256 differs)");
                    continue;
                }
                return bytes;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                tried.Add($"{candidate}: {ex.Message}");
            }
        }
        throw new RecoveryKitException(FailureKind.FileError, "key-block",
            $"a run stopped while it rewrote this drive's key block, and the backup that holds the key (hash {KeyHash}) cannot be read ({string.Join("; ", tried)}); nothing was erased or written",
            "Put the backup back where the journal says (keys/*.pending in the data folder names it) and run again. Without it the drive's own key block is lost: only --take-image-key would write another.");
    }

    private static RecoveryKitException Unreadable(string path, string why) => new(FailureKind.FileError, "key-block",
        $"the key-block journal {path} cannot be read: {why}; nothing was erased or written",
        "It names the backup that holds this drive's key block after a stopped run. Restore it from the stick's data partition, or delete it if no run of this drive model stopped mid-write.");
}
