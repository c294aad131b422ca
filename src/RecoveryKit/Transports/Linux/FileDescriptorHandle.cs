using System.Runtime.InteropServices;
using RecoveryKit.Transports.Native;

namespace RecoveryKit.Transports.Linux;

/// <summary>A Linux file descriptor closed exactly once, even when the owner forgets to dispose.</summary>
internal sealed class FileDescriptorHandle : SafeHandle
{
    public FileDescriptorHandle()
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
    }

    public FileDescriptorHandle(int fd)
        : this() => SetHandle(fd);

    public override bool IsInvalid => handle.ToInt64() < 0;

    public int Fd => (int)handle.ToInt64();

    protected override bool ReleaseHandle() => Libc.Close(Fd) == 0;
}
