using RecoveryKit.Diagnostics;
using RecoveryKit.Discovery;
using RecoveryKit.Emulation;
using RecoveryKit.Firmware;

namespace RecoveryKit.Cli;

/// <summary>--sim-dump: the folder check and the dump itself.</summary>
internal static class SimDumps
{
    /// <summary>
    /// Reads --variant and checks --sim-dump once per command, before any bench is opened: a bad variant file
    /// or a dump folder that already holds files stops the command before it touches anything.
    /// </summary>
    public static SimOptions? Configure(string? variantPath, string? dumpDirectory, string? loadDirectory = null)
    {
        if (variantPath is null && dumpDirectory is null && loadDirectory is null)
            return null;
        var variant = variantPath is null ? null : DriveVariant.Load(variantPath);
        if (loadDirectory is not null && !Directory.Exists(loadDirectory))
            throw new RecoveryKitException(FailureKind.Usage, "sim-load", $"{loadDirectory} is not a folder",
                "Give --sim-load the folder an earlier run's --sim-dump wrote (it holds POSITION.bin files).");
        if (dumpDirectory is not null)
            dumpDirectory = Prepare(dumpDirectory);
        return new SimOptions(variant, dumpDirectory is null ? null : b => Write(b, dumpDirectory)) { LoadDirectory = loadDirectory };
    }

    /// <summary>
    /// Creates the folder if needed; refuses one that already holds files (a dump is a test artefact: never mix two
    /// runs). Returns the path to write the dump under: for a name that is not UTF-8 (<see cref="ByteNames"/>), the
    /// folder made and opened by its bytes, reached through /proc/self/fd for the rest of the run.
    /// </summary>
    public static string Prepare(string directory)
    {
        if (ByteNames.TryGetBytes(directory, out var bytes))
        {
            var shown = ByteNames.Show(bytes);
            if (!OutputFiles.MakeFolderByBytes(bytes, out var errno))
                throw new RecoveryKitException(FailureKind.FileError, "sim-dump",
                    $"cannot use \"{shown}\" for flash dumps: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}", "Give --sim-dump a writable folder.");
            var fd = OutputFiles.OpenFolderByBytes(bytes);
            if (fd < 0)
                throw new RecoveryKitException(FailureKind.Usage, "sim-dump", $"\"{shown}\" is a file, not a folder", "Give --sim-dump a new or empty folder.");
            // Open for the rest of the process: the dump is written when the bench closes.
            ByteNamedFolders.Add(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true));
            var reachable = $"/proc/self/fd/{fd}";
            if (Directory.EnumerateFileSystemEntries(reachable).Any())
                throw new RecoveryKitException(FailureKind.Usage, "sim-dump", $"the folder \"{shown}\" is not empty",
                    "Give --sim-dump a new or empty folder: a dump never overwrites or mixes with another run's files.");
            return reachable;
        }
        try
        {
            if (File.Exists(directory))
                throw new RecoveryKitException(FailureKind.Usage, "sim-dump", $"{directory} is a file, not a folder", "Give --sim-dump a new or empty folder.");
            Directory.CreateDirectory(directory);
            if (Directory.EnumerateFileSystemEntries(directory).Any())
                throw new RecoveryKitException(FailureKind.Usage, "sim-dump", $"the folder {directory} is not empty",
                    "Give --sim-dump a new or empty folder: a dump never overwrites or mixes with another run's files.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new RecoveryKitException(FailureKind.FileError, "sim-dump", $"cannot use {directory} for flash dumps: {ex.Message}", "Give --sim-dump a writable folder.", ex);
        }
        return directory;
    }

    private static readonly List<Microsoft.Win32.SafeHandles.SafeFileHandle> ByteNamedFolders = [];

    /// <summary>Writes the bench's MediaTek flashes; a dump that cannot be written is reported, never thrown over the command's own result.</summary>
    public static void Write(SimBench bench, string directory)
    {
        try
        {
            bench.DumpFlash(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"warning: --sim-dump: cannot write the flash dump to {directory}: {ex.Message}");
        }
    }
}
