namespace RecoveryKit.Firmware;

/// <summary>The outcome of resolving a user's file name: the path to open (if any) and what was decided on the way.</summary>
/// <param name="Requested">What the user typed.</param>
/// <param name="Path">The path to open: the existing file found, or the translated path when nothing exists.</param>
/// <param name="Exists">Whether <paramref name="Path"/> names an existing file.</param>
/// <param name="Notes">Each translation or substitution made, in words for the log.</param>
public sealed record DosPathResolution(string Requested, string Path, bool Exists, IReadOnlyList<string> Notes);

/// <summary>
/// Resolves file names the way a technician coming from DOS types them (PROTOCOL.md §9: file not found, 8.3 names,
/// wrong drive letter): <c>A:\FW\FS0F.BIN</c> becomes <c>FW/FS0F.BIN</c> under a data root (default: the current
/// directory), and a name that does not exist is looked up again ignoring letter case, folder by folder. Every
/// translation is reported, never silent.
/// </summary>
public sealed class DosPath
{
    public DosPath(string? dataRoot = null)
    {
        DataRoot = System.IO.Path.GetFullPath(string.IsNullOrEmpty(dataRoot) ? Directory.GetCurrentDirectory() : dataRoot);
    }

    /// <summary>The folder a DOS drive letter maps to.</summary>
    public string DataRoot { get; }

    /// <summary>Is this a DOS-style path (drive letter, or backslashes) on a system that does not use them?</summary>
    public static bool IsDosStyle(string path) =>
        !OperatingSystem.IsWindows() &&
        ((path.Length >= 2 && char.IsAsciiLetter(path[0]) && path[1] == ':') || path.Contains('\\'));

    public DosPathResolution Resolve(string requested)
    {
        var notes = new List<string>();
        var path = requested;

        if (IsDosStyle(requested))
        {
            var rest = requested;
            string? drive = null;
            if (rest.Length >= 2 && char.IsAsciiLetter(rest[0]) && rest[1] == ':')
            {
                drive = char.ToUpperInvariant(rest[0]) + ":";
                rest = rest[2..];
            }
            var relative = rest.Replace('\\', '/').TrimStart('/');
            path = System.IO.Path.Combine(DataRoot, relative);
            notes.Add(drive is null
                ? $"DOS path \"{requested}\" read as \"{path}\" (backslashes turned into '/', relative to the data root)"
                : $"DOS path \"{requested}\" read as \"{path}\" (drive {drive} mapped to the data root {DataRoot})");
        }

        if (File.Exists(path))
            return new DosPathResolution(requested, path, true, notes);

        var found = FindIgnoringCase(path, shortNames: false);
        if (found is not null)
        {
            notes.Add($"\"{path}\" does not exist; used \"{found}\" (same name, different letter case)");
            return new DosPathResolution(requested, found, true, notes);
        }
        found = FindIgnoringCase(path, shortNames: true);
        if (found is not null)
        {
            notes.Add($"\"{path}\" does not exist; used \"{found}\" (read as a DOS 8.3 short name; check it is the file you meant)");
            return new DosPathResolution(requested, found, true, notes);
        }
        return new DosPathResolution(requested, path, false, notes);
    }

    /// <summary>
    /// Walks the path from its root, matching each missing component case-insensitively and, when
    /// <paramref name="shortNames"/> is set, as a DOS 8.3 alias ("FIRMWA~1.BIN").
    /// </summary>
    private static string? FindIgnoringCase(string path, bool shortNames)
    {
        var full = System.IO.Path.GetFullPath(path);
        var root = System.IO.Path.GetPathRoot(full);
        if (string.IsNullOrEmpty(root))
            return null;
        var parts = full[root.Length..].Split(System.IO.Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var current = root;
        for (var i = 0; i < parts.Length; i++)
        {
            var last = i == parts.Length - 1;
            var exact = System.IO.Path.Combine(current, parts[i]);
            if (last ? File.Exists(exact) : Directory.Exists(exact))
            {
                current = exact;
                continue;
            }
            string[] candidates;
            try
            {
                var entries = (last ? Directory.GetFiles(current) : Directory.GetDirectories(current))
                    .Order(StringComparer.Ordinal)
                    .ToArray();
                candidates = entries
                    .Where(c => string.Equals(System.IO.Path.GetFileName(c), parts[i], StringComparison.OrdinalIgnoreCase))
                    .ToArray();
                if (candidates.Length == 0 && shortNames && ShortAlias(parts[i], entries) is { } alias)
                    candidates = [alias];
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
            if (candidates.Length == 0)
                return null;
            current = candidates[0];
        }
        return current;
    }

    /// <summary>
    /// DOS shows long names as up to six characters, "~N" and up to three extension characters. The long names that
    /// could produce the alias are taken in sorted order and the Nth is used: Windows numbers them in creation order,
    /// which a copied folder no longer keeps, so the technician is told which file was picked.
    /// </summary>
    private static string? ShortAlias(string name, string[] entries)
    {
        var dot = name.LastIndexOf('.');
        var stem = dot < 0 ? name : name[..dot];
        var extension = dot < 0 ? "" : name[(dot + 1)..];
        var tilde = stem.LastIndexOf('~');
        if (tilde is < 1 or > 6 || extension.Length > 3 || !int.TryParse(stem.AsSpan(tilde + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < 1)
            return null;
        var prefix = stem[..tilde].ToUpperInvariant();
        var matching = entries.Where(entry =>
        {
            var file = System.IO.Path.GetFileName(entry);
            var fileDot = file.LastIndexOf('.');
            var fileStem = Compact(fileDot <= 0 ? file : file[..fileDot]);
            var fileExtension = Compact(fileDot <= 0 ? "" : file[(fileDot + 1)..]);
            return fileStem.StartsWith(prefix, StringComparison.Ordinal)
                && (fileExtension.Length <= 3 ? fileExtension : fileExtension[..3]) == extension.ToUpperInvariant();
        }).ToArray();
        return n <= matching.Length ? matching[n - 1] : null;
    }

    private static string Compact(string part) => part.Replace(" ", "", StringComparison.Ordinal).Replace(".", "", StringComparison.Ordinal).ToUpperInvariant();
}
