using System.Runtime.InteropServices;

namespace RecoveryKit.Transports.Native;

/// <summary>
/// The port-I/O shim in src/native/portio.c: one x86 instruction (or one ioperm call) per function.
/// Linked statically into the NativeAOT binary (DirectPInvoke "portio"), loaded from libportio.so elsewhere.
/// Calling any rk_in*/rk_out* function without a successful <see cref="Ioperm"/> for that port kills the
/// process with SIGSEGV, so only <see cref="PortIoRegisters"/> (created after ioperm succeeded) calls them.
/// </summary>
internal static unsafe partial class PortIoNative
{
    private const string Library = "portio";

    [LibraryImport(Library, EntryPoint = "rk_ioperm", SetLastError = true)]
    internal static partial int Ioperm(uint from, uint count, int turnOn);

    [LibraryImport(Library, EntryPoint = "rk_inb")]
    internal static partial byte InByte(ushort port);

    [LibraryImport(Library, EntryPoint = "rk_outb")]
    internal static partial void OutByte(ushort port, byte value);

    [LibraryImport(Library, EntryPoint = "rk_inw")]
    internal static partial ushort InWord(ushort port);

    [LibraryImport(Library, EntryPoint = "rk_outw")]
    internal static partial void OutWord(ushort port, ushort value);

    [LibraryImport(Library, EntryPoint = "rk_insw")]
    internal static partial void InWords(ushort port, ushort* buffer, uint count);

    [LibraryImport(Library, EntryPoint = "rk_outsw")]
    internal static partial void OutWords(ushort port, ushort* buffer, uint count);
}
