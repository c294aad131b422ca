using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
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
internal static partial class OutputFiles
{
    /// <summary>A file name for messages: a name that is not UTF-8 (<see cref="ByteNames"/>) with its bytes as \xNN, control characters escaped.</summary>
    public static string Shown(string path) => ByteNames.TryGetBytes(path, out var bytes) ? ByteNames.Show(bytes) : TranscriptWriter.Escape(path);

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
        if (ByteNames.TryGetBytes(name, out var bytes))
            return CreateNewByBytes(bytes, option, what);
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
        if (ByteNames.TryGetBytes(name, out var bytes))
        {
            // The library writes, flushes and reads the backup back by its path, which .NET can only express in
            // UTF-8; a backup under another name than the one asked for would be lost to the technician.
            throw new RecoveryKitException(FailureKind.Usage, "backup",
                $"the backup file name \"{ByteNames.Show(bytes)}\" is not UTF-8, and backups are written only under UTF-8 names",
                $"Give {option} a UTF-8 file name (e.g. in /tmp); nothing was done to the drive.");
        }
        if (Directory.Exists(name))
            throw new RecoveryKitException(FailureKind.FileError, "backup", $"{option} names the folder \"{TranscriptWriter.Escape(name)}\", not a file",
                $"Give {option} a file name inside it.");
        return new Reservation(BackupStore.Reserve(name, FlashSize.Largest));
    }

    /// <summary>
    /// Creates a file whose name is not UTF-8 by the name's bytes (Linux: open(2) with O_CREAT|O_EXCL, so an existing
    /// file or folder is never opened, let alone overwritten), as <see cref="ByteNames"/> opens such input files.
    /// </summary>
    internal static FileStream CreateNewByBytes(byte[] name, string option, string what)
    {
        var fd = CreateByBytes(name);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            var shown = ByteNames.Show(name);
            if (errno == ErrorExists)
                throw new RecoveryKitException(FailureKind.FileError, what, $"\"{shown}\" already exists; RecoveryKit never overwrites a file",
                    $"Give {option} a new file name (or move the old file away); nothing was done to the drive.");
            throw new RecoveryKitException(FailureKind.FileError, what, $"cannot create \"{shown}\": {Marshal.GetPInvokeErrorMessage(errno)}",
                $"Give {option} a writable path (the recovery stick's data folder, or /tmp); nothing was done to the drive.");
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            return new FileStream(handle, FileAccess.Write, 1 << 16);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>open(NAME, O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0666 less the umask): the new file's descriptor, or -1 (errno set).</summary>
    internal static int CreateByBytes(byte[] name)
    {
        var path = new byte[name.Length + 1];
        name.CopyTo(path, 0);
        return Open(path, WriteOnly | Create | Exclusive | CloseOnExec, 0x1B6);
    }

    /// <summary>mkdir(NAME, 0777 less the umask) by the name's bytes; true when made or already a folder.</summary>
    internal static bool MakeFolderByBytes(byte[] name, out int errno)
    {
        var path = new byte[name.Length + 1];
        name.CopyTo(path, 0);
        errno = 0;
        if (MakeDirectory(path, 0x1FF) == 0)
            return true;
        errno = Marshal.GetLastPInvokeError();
        return errno == ErrorExists;
    }

    /// <summary>open(NAME, O_RDONLY|O_DIRECTORY|O_CLOEXEC): a folder's descriptor, or -1 (errno set).</summary>
    internal static int OpenFolderByBytes(byte[] name)
    {
        var path = new byte[name.Length + 1];
        name.CopyTo(path, 0);
        return Open(path, ReadOnly | DirectoryOnly | CloseOnExec, 0);
    }

    private const int ReadOnly = 0x0;
    private const int WriteOnly = 0x1;
    private const int Create = 0x40;
    private const int Exclusive = 0x80;
    private const int DirectoryOnly = 0x10000;
    private const int CloseOnExec = 0x80000;
    private const int ErrorExists = 17;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    private static partial int Open(byte[] path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true)]
    private static partial int MakeDirectory(byte[] path, int mode);

    /// <summary>A reserved backup file; removed again when nothing was written to it.</summary>
    internal sealed class Reservation(string path) : IDisposable
    {
        public string Path { get; } = path;

        public void Dispose() => BackupStore.Abandon(Path);
    }
}
