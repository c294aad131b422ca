using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using RecoveryKit.Diagnostics;

namespace RecoveryKit.Firmware;

/// <summary>
/// File names that are not UTF-8 (Linux): .NET decodes the command line lossily, so "fw\xFF.bin" arrives as
/// "fw\uFFFD.bin" and no .NET file API can open it. The raw bytes of such arguments are kept (from
/// /proc/self/cmdline) and those files are opened by their bytes through open(2); messages show the bytes
/// that are not UTF-8 as \xNN.
/// </summary>
public static partial class ByteNames
{
    private static readonly Dictionary<string, byte[]> Known = new(StringComparer.Ordinal);

    /// <summary>Keeps the raw bytes of every argument that did not decode as UTF-8 (Linux; elsewhere nothing).</summary>
    public static void CaptureCommandLine(IReadOnlyList<string> args)
    {
        if (!OperatingSystem.IsLinux() || !args.Any(a => a.Contains('\uFFFD', StringComparison.Ordinal)))
            return;
        try
        {
            Remember(args, File.ReadAllBytes("/proc/self/cmdline"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No /proc: such a name then cannot be opened, and says so as before.
        }
    }

    /// <summary>
    /// Pairs the arguments with the last entries of a NUL-separated command line (before them come the program and
    /// any runtime arguments); an entry counts only when it decodes to exactly its argument.
    /// </summary>
    internal static void Remember(IReadOnlyList<string> args, ReadOnlySpan<byte> cmdline)
    {
        var entries = new List<byte[]>();
        while (!cmdline.IsEmpty)
        {
            var end = cmdline.IndexOf((byte)0);
            if (end < 0)
                end = cmdline.Length;
            entries.Add(cmdline[..end].ToArray());
            cmdline = end < cmdline.Length ? cmdline[(end + 1)..] : default;
        }
        var skip = entries.Count - args.Count;
        if (skip < 0)
            return;
        for (var i = 0; i < args.Count; i++)
        {
            var raw = entries[skip + i];
            if (args[i].Contains('\uFFFD', StringComparison.Ordinal) && Encoding.UTF8.GetString(raw) == args[i] && !Utf8IsValid(raw))
            {
                lock (Known)
                    Known[args[i]] = raw;
            }
        }
    }

    /// <summary>The raw bytes a lossily decoded argument stands for, when it was one.</summary>
    public static bool TryGetBytes(string name, out byte[] bytes)
    {
        lock (Known)
            return Known.TryGetValue(name, out bytes!);
    }

    /// <summary>A byte name for messages: valid UTF-8 as text, every other byte as \xNN, control characters escaped.</summary>
    public static string Show(ReadOnlySpan<byte> name)
    {
        var sb = new StringBuilder(name.Length + 8);
        while (!name.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(name, out var rune, out var used) == System.Buffers.OperationStatus.Done)
            {
                sb.Append(TranscriptWriter.Escape(rune.ToString()));
                name = name[used..];
            }
            else
            {
                sb.Append("\\x").Append(name[0].ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                name = name[1..];
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// Opens a file by its name's bytes for reading: O_NONBLOCK (a FIFO cannot block the open), then refused unless
    /// it is a regular file with content (the same rule as for other names: devices, FIFOs and sockets report no size).
    /// </summary>
    /// <exception cref="RecoveryKitException">FileError when it cannot be opened; ImageRejected when not a regular file.</exception>
    internal static FileStream OpenRead(byte[] name, string stage, out long length)
    {
        var shown = Show(name);
        var path = new byte[name.Length + 1];
        name.CopyTo(path, 0);
        var fd = OpenBytes(path, ReadOnly | NonBlocking | CloseOnExec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new RecoveryKitException(FailureKind.FileError, stage,
                $"\"{shown}\" could not be opened ({Marshal.GetPInvokeErrorMessage(errno)})",
                "Check the name and folder, and that the file may be read.");
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            // fstat's size: 0 for devices; a FIFO or socket cannot seek, so it has none at all.
            try
            {
                length = RandomAccess.GetLength(handle);
            }
            catch (NotSupportedException)
            {
                length = 0;
            }
            if (length == 0)
            {
                throw new RecoveryKitException(FailureKind.ImageRejected, stage,
                    $"\"{shown}\" is empty (0 bytes) or not a regular file (a device, FIFO or socket)",
                    "Use the firmware file itself; a copy cut short must be fetched again.");
            }
            return new FileStream(handle, FileAccess.Read, 1 << 16);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static bool Utf8IsValid(byte[] bytes) => System.Text.Unicode.Utf8.IsValid(bytes);

    private const int ReadOnly = 0x0;
    private const int NonBlocking = 0x800;
    private const int CloseOnExec = 0x80000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    private static partial int OpenBytes(byte[] path, int flags);
}
