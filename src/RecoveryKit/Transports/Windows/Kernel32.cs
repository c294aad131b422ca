using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace RecoveryKit.Transports.Windows;

/// <summary>The kernel32 calls SPTI needs. Only called on Windows (every caller is guarded).</summary>
internal static unsafe partial class Kernel32
{
    public const uint GenericRead = 0x80000000;
    public const uint GenericWrite = 0x40000000;
    public const uint FileShareRead = 0x1;
    public const uint FileShareWrite = 0x2;
    public const uint OpenExisting = 3;

    // Win32 error codes (winerror.h) RecoveryKit reacts to.
    public const int ErrorFileNotFound = 2;
    public const int ErrorPathNotFound = 3;
    public const int ErrorAccessDenied = 5;
    public const int ErrorNotReady = 21;
    public const int ErrorSharingViolation = 32;
    public const int ErrorInvalidFunction = 1;
    public const int ErrorSemTimeout = 121;
    public const int ErrorIoDevice = 1117;
    public const int ErrorDeviceNotConnected = 1167;

    [LibraryImport("kernel32.dll", EntryPoint = "CreateFileW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial SafeFileHandle CreateFile(
        string fileName, uint desiredAccess, uint shareMode, nint securityAttributes, uint creationDisposition, uint flagsAndAttributes, nint templateFile);

    [LibraryImport("kernel32.dll", EntryPoint = "DeviceIoControl", SetLastError = true)]
    public static partial int DeviceIoControl(
        SafeFileHandle device, uint ioControlCode, void* inBuffer, uint inBufferSize, void* outBuffer, uint outBufferSize, uint* bytesReturned, nint overlapped);

    public static string Describe(int error) => $"Win32 error {error} ({Marshal.GetPInvokeErrorMessage(error)})";
}
