using System.Runtime.InteropServices;

namespace RecoveryKit.Transports.Native;

/// <summary>The few libc calls the Linux backends need (euid check, SG_IO on a file descriptor).</summary>
internal static unsafe partial class Libc
{
    private const string Library = "libc";

    /// <summary>open(2) flags from asm-generic/fcntl.h (x86-64 and arm64 agree).</summary>
    internal const int O_RDONLY = 0x0;
    internal const int O_RDWR = 0x2;
    internal const int O_NONBLOCK = 0x800;
    internal const int O_CLOEXEC = 0x80000;

    /// <summary>errno values (asm-generic/errno-base.h, errno.h).</summary>
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int EINTR = 4;
    internal const int EIO = 5;
    internal const int ENXIO = 6;
    internal const int EACCES = 13;
    internal const int EBUSY = 16;
    internal const int ENODEV = 19;
    internal const int EINVAL = 22;
    internal const int ENOTTY = 25;
    internal const int ENOSYS = 38;
    internal const int ENOMEDIUM = 123;

    [LibraryImport(Library, EntryPoint = "geteuid")]
    internal static partial uint GetEffectiveUserId();

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, nuint request, void* argument);

    /// <summary>"EPERM (Operation not permitted)"-style text for an errno value.</summary>
    internal static string Describe(int errno) => $"{ErrnoName(errno)} ({Marshal.GetPInvokeErrorMessage(errno)})";

    internal static string ErrnoName(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EINTR => "EINTR",
        EIO => "EIO",
        ENXIO => "ENXIO",
        EACCES => "EACCES",
        EBUSY => "EBUSY",
        ENODEV => "ENODEV",
        EINVAL => "EINVAL",
        ENOTTY => "ENOTTY",
        ENOSYS => "ENOSYS",
        ENOMEDIUM => "ENOMEDIUM",
        _ => $"errno {errno}",
    };
}
