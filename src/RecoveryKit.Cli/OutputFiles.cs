using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Cli;

/// <summary>
/// What one command line run is writing besides the drive: the transcript format asked for, the command line
/// (for the transcript's header, so 'replay' can run it again), and the warnings about files that could not be
/// written along the way (a full disk under the transcript or log), which are reported at the end instead of
/// stopping a flash halfway. Made once per run of the command line and passed as a value (on
/// <see cref="GlobalOptions.Files"/>, to the session log and the transcript), never kept in a global: a run inside
/// another ('replay', 'mtkflash') has its own, whose warnings pass to the enclosing run when it ends.
/// </summary>
internal sealed class SessionFiles(IReadOnlyList<string> arguments, bool raw)
{
    /// <summary>For code that runs outside a command line (a unit test): no arguments, the compact transcript.</summary>
    public static SessionFiles None => new([], raw: false);

    public IReadOnlyList<string> Arguments { get; } = arguments;

    public TranscriptFormat TranscriptFormat { get; } = raw ? TranscriptFormat.Raw : TranscriptFormat.Compact;

    public List<string> Warnings { get; } = [];
}

/// <summary>
/// Checks and creates every file a command will write before the first register write: names that are empty or
/// hold control characters are usage errors, an existing file is never overwritten, a folder that cannot take
/// the file is refused with what to do.
/// </summary>
internal static class OutputFiles
{
    /// <summary>Refuses an empty name or one with control characters (a pasted newline) as a usage error.</summary>
    public static string CheckName(string? path, string option)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new RecoveryKitException(FailureKind.Usage, "arguments", $"the file name given with {option} is empty",
                $"Give {option} a file name.");
        if (path.FirstOrDefault(char.IsControl) is var c && c != default)
            throw new RecoveryKitException(FailureKind.Usage, "arguments",
                $"the file name given with {option} (\"{TranscriptWriter.Escape(path)}\") holds a control character (\\x{(int)c:X2})",
                "Type the name again without pasted line breaks or tabs.");
        return path;
    }

    /// <summary>Creates <paramref name="path"/> as a new file for writing; an existing file is refused, never overwritten.</summary>
    public static FileStream CreateNew(string? path, string option, string what)
    {
        var name = CheckName(path, option);
        if (Directory.Exists(name))
            throw new RecoveryKitException(FailureKind.FileError, what, $"{option} names the folder \"{TranscriptWriter.Escape(name)}\", not a file",
                $"Give {option} a file name inside it.");
        if (File.Exists(name))
            throw new RecoveryKitException(FailureKind.FileError, what,
                $"\"{TranscriptWriter.Escape(name)}\" already exists; RecoveryKit never overwrites a file",
                $"Give {option} a new file name (or move the old file away); nothing was done to the drive.");
        try
        {
            return new FileStream(name, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new RecoveryKitException(FailureKind.FileError, what, $"cannot create \"{TranscriptWriter.Escape(name)}\": {ex.Message}",
                $"Give {option} a writable path (the recovery stick's data folder, or /tmp); nothing was done to the drive.", ex);
        }
    }

    /// <summary>
    /// Reserves a backup file before anything touches the drive (an empty new file, room for the largest flash);
    /// the library's own reservation of the same path takes this file. Dispose removes it if it was never written.
    /// </summary>
    public static Reservation ReserveBackup(string? path, string option)
    {
        var name = CheckName(path, option);
        if (Directory.Exists(name))
            throw new RecoveryKitException(FailureKind.FileError, "backup", $"{option} names the folder \"{TranscriptWriter.Escape(name)}\", not a file",
                $"Give {option} a file name inside it.");
        return new Reservation(BackupStore.Reserve(name, FlashSize.Largest));
    }

    /// <summary>A reserved backup file; removed again when nothing was written to it.</summary>
    internal sealed class Reservation(string path) : IDisposable
    {
        public string Path { get; } = path;

        public void Dispose() => BackupStore.Abandon(Path);
    }
}
