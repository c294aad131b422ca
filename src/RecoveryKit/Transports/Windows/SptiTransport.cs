using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;
using RecoveryKit.Diagnostics;
using RecoveryKit.Packet;

namespace RecoveryKit.Transports.Windows;

/// <summary>
/// Packet commands through Windows SPTI: IOCTL_SCSI_PASS_THROUGH_DIRECT on \\.\CdRomN (the WinPE route for drives
/// that still enumerate). Data buffers honour the adapter's AlignmentMask; the drive can be locked for exclusive
/// access so Windows's own polling stays out of the way while RecoveryKit talks to it.
/// </summary>
public sealed unsafe class SptiTransport : IPacketTransport, IDisposable
{
    /// <summary>How many \\.\CdRomN names enumeration tries (one per drive letter).</summary>
    public const int MaxCdRomIndex = 25;

    /// <summary>Name given to Windows for the exclusive lock (letters, digits, spaces and ".,:;-_" only).</summary>
    public const string LockCallerName = "RecoveryKit";

    private const string Stage = "spti";

    private readonly SafeFileHandle _handle;
    private bool _locked;

    private SptiTransport(string path, SafeFileHandle handle, uint alignmentMask)
    {
        Path = path;
        _handle = handle;
        AlignmentMask = alignmentMask;
    }

    /// <summary>The device name, e.g. "\\.\CdRom0".</summary>
    public string Path { get; }

    /// <summary>The adapter's buffer alignment mask (0 byte, 1 word, 3 dword, 7 qword).</summary>
    public uint AlignmentMask { get; }

    /// <summary>True while this handle holds the exclusive-access lock.</summary>
    public bool IsExclusive => _locked;

    public string Describe => Path;

    /// <summary>"\\.\CdRom<paramref name="index"/>".</summary>
    public static string DeviceName(int index) => $@"\\.\CdRom{index}";

    /// <summary>Opens \\.\CdRomN read-write (needs an administrator) and reads the adapter's alignment.</summary>
    [SupportedOSPlatform("windows")]
    public static SptiTransport Open(int index) => Open(DeviceName(index));

    [SupportedOSPlatform("windows")]
    public static SptiTransport Open(string path)
    {
        var handle = Kernel32.CreateFile(path, Kernel32.GenericRead | Kernel32.GenericWrite,
            Kernel32.FileShareRead | Kernel32.FileShareWrite, 0, Kernel32.OpenExisting, 0, 0);
        if (handle.IsInvalid)
        {
            var error = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw OpenFailed(path, error);
        }
        return new SptiTransport(path, handle, QueryAlignmentMask(handle));
    }

    /// <summary>The CD/DVD devices that open: tries \\.\CdRom0 … \\.\CdRom25 (no WMI).</summary>
    [SupportedOSPlatform("windows")]
    public static IReadOnlyList<string> Enumerate()
    {
        var found = new List<string>();
        for (var i = 0; i <= MaxCdRomIndex; i++)
        {
            var name = DeviceName(i);
            using var handle = Kernel32.CreateFile(name, 0, Kernel32.FileShareRead | Kernel32.FileShareWrite, 0, Kernel32.OpenExisting, 0, 0);
            if (!handle.IsInvalid)
                found.Add(name);
        }
        return found;
    }

    /// <summary>
    /// Locks the drive for this handle (IOCTL_CDROM_EXCLUSIVE_ACCESS), ignoring a mounted disc; released on dispose
    /// or when the process ends. Throws <see cref="FailureKind.Environment"/> when another program holds the lock.
    /// </summary>
    [SupportedOSPlatform("windows")]
    public void LockExclusive()
    {
        if (_locked)
            return;
        var request = BuildLockRequest();
        uint returned;
        if (Kernel32.DeviceIoControl(_handle, IoControlCode.CdromExclusiveAccess, &request, (uint)sizeof(CdromExclusiveLock), null, 0, &returned, 0) == 0)
        {
            var error = Marshal.GetLastPInvokeError();
            throw new RecoveryKitException(FailureKind.Environment, Stage,
                $"cannot lock {Path} for exclusive access: {Kernel32.Describe(error)}",
                "Close programs that use the drive (burning software, media players, Explorer windows on the disc) and retry");
        }
        _locked = true;
    }

    public PacketResult Execute(ReadOnlySpan<byte> cdb, Span<byte> data, DataDirection direction, TimeSpan timeout)
    {
        PacketCommandGuard.Check(cdb, data.Length, direction);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (!OperatingSystem.IsWindows())
            throw new RecoveryKitException(FailureKind.Environment, Stage, "SPTI exists only on Windows", "Use --backend sgio on Linux");

        var alignment = (nuint)AlignmentMask + 1;
        fixed (byte* dataPtr = data)
        {
            // Pinned, so the address checked is the address the driver gets.
            var bounce = data.Length > 0 && ((nuint)dataPtr & (alignment - 1)) != 0
                ? (byte*)NativeMemory.AlignedAlloc((nuint)data.Length, Math.Max(alignment, (nuint)sizeof(nint)))
                : null;
            try
            {
                if (bounce != null && direction == DataDirection.Out)
                    data.CopyTo(new Span<byte>(bounce, data.Length));

                var request = BuildRequest(cdb, bounce != null ? bounce : dataPtr, data.Length, direction, timeout);
                uint returned;
                var ok = Kernel32.DeviceIoControl(_handle, IoControlCode.ScsiPassThroughDirect,
                    &request, (uint)sizeof(ScsiPassThroughDirectWithSense), &request, (uint)sizeof(ScsiPassThroughDirectWithSense), &returned, 0);
                if (ok == 0)
                    throw IoctlFailed(Marshal.GetLastPInvokeError(), cdb[0], timeout);

                var result = Interpret(request, data.Length, Path, cdb[0]);
                if (bounce != null && direction == DataDirection.In)
                    new ReadOnlySpan<byte>(bounce, result.Transferred).CopyTo(data);
                return result;
            }
            finally
            {
                if (bounce != null)
                    NativeMemory.AlignedFree(bounce);
            }
        }
    }

    public void Dispose()
    {
        if (_locked && OperatingSystem.IsWindows() && !_handle.IsClosed)
        {
            var unlock = new CdromExclusiveAccess { RequestType = CdromExclusiveAccess.UnlockDevice };
            uint returned;
            Kernel32.DeviceIoControl(_handle, IoControlCode.CdromExclusiveAccess, &unlock, (uint)sizeof(CdromExclusiveAccess), null, 0, &returned, 0);
            _locked = false;
        }
        _handle.Dispose();
    }

    /// <summary>Fills the pass-through block: direction, lengths, timeout in whole seconds (at least 1), CDB, sense offset.</summary>
    internal static ScsiPassThroughDirectWithSense BuildRequest(ReadOnlySpan<byte> cdb, byte* buffer, int length, DataDirection direction, TimeSpan timeout)
    {
        var request = default(ScsiPassThroughDirectWithSense);
        request.Sptd.Length = (ushort)sizeof(ScsiPassThroughDirect);
        request.Sptd.CdbLength = (byte)cdb.Length;
        request.Sptd.SenseInfoLength = ScsiPassThroughDirectWithSense.SenseLength;
        request.Sptd.SenseInfoOffset = 60; // offsetof(ScsiPassThroughDirectWithSense, Sense)
        request.Sptd.DataDirection = direction switch
        {
            DataDirection.In => ScsiPassThroughDirect.DataIn,
            DataDirection.Out => ScsiPassThroughDirect.DataOut,
            _ => ScsiPassThroughDirect.DataUnspecified,
        };
        request.Sptd.DataTransferLength = (uint)length;
        request.Sptd.DataBuffer = length == 0 ? null : buffer;
        request.Sptd.TimeOutValue = (uint)Math.Clamp(Math.Ceiling(timeout.TotalSeconds), 1, uint.MaxValue);
        cdb.CopyTo(new Span<byte>(request.Sptd.Cdb, 16));
        return request;
    }

    /// <summary>Turns a completed pass-through block into a result (status, bytes moved, decoded sense).</summary>
    internal static PacketResult Interpret(in ScsiPassThroughDirectWithSense request, int requested, string path, byte opcode)
    {
        var transferred = (int)Math.Min(request.Sptd.DataTransferLength, (uint)requested);
        switch (request.Sptd.ScsiStatus)
        {
            case 0x00:
                return new PacketResult(PacketOutcome.Good, transferred, null);
            case 0x02:
                fixed (byte* sense = request.Sense)
                {
                    var length = Math.Min((int)request.Sptd.SenseInfoLength, ScsiPassThroughDirectWithSense.SenseLength);
                    return new PacketResult(PacketOutcome.CheckCondition, transferred, SenseData.Parse(new ReadOnlySpan<byte>(sense, length)));
                }
            default:
                throw new RecoveryKitException(FailureKind.DeviceTimeout, Stage,
                    $"{path}: command {opcode:X2}h ended with SCSI status {request.Sptd.ScsiStatus:X2}h" + (request.Sptd.ScsiStatus == 0x08 ? " (BUSY)" : ""),
                    "The drive is busy or reserved by another program; retry in a moment");
        }
    }

    /// <summary>The lock request with the caller name in ASCII, NUL-terminated.</summary>
    internal static CdromExclusiveLock BuildLockRequest()
    {
        var request = default(CdromExclusiveLock);
        request.Access.RequestType = CdromExclusiveAccess.LockDevice;
        request.Access.Flags = CdromExclusiveAccess.LockIgnoreVolume;
        System.Text.Encoding.ASCII.GetBytes(LockCallerName, new Span<byte>(request.CallerName, CdromExclusiveLock.CallerLength - 1));
        return request;
    }

    private static uint QueryAlignmentMask(SafeFileHandle handle)
    {
        var query = new StoragePropertyQuery
        {
            PropertyId = StoragePropertyQuery.StorageAdapterProperty,
            QueryType = StoragePropertyQuery.PropertyStandardQuery,
        };
        var descriptor = default(StorageAdapterDescriptor);
        uint returned;
        var ok = Kernel32.DeviceIoControl(handle, IoControlCode.StorageQueryProperty,
            &query, (uint)sizeof(StoragePropertyQuery), &descriptor, (uint)sizeof(StorageAdapterDescriptor), &returned, 0);
        // Without an answer, assume the strictest common requirement (qword) rather than none.
        return ok != 0 && returned >= 20 ? descriptor.AlignmentMask : 7;
    }

    private static RecoveryKitException OpenFailed(string path, int error) => error switch
    {
        Kernel32.ErrorAccessDenied => new RecoveryKitException(FailureKind.Environment, Stage,
            $"cannot open {path}: {Kernel32.Describe(error)}", "Run RecoveryKit as Administrator (right-click, Run as administrator); WinPE already is"),
        Kernel32.ErrorSharingViolation => new RecoveryKitException(FailureKind.Environment, Stage,
            $"cannot open {path}: {Kernel32.Describe(error)}", "Another program holds the drive; close it and retry"),
        _ => new RecoveryKitException(FailureKind.NoDevice, Stage,
            $"cannot open {path}: {Kernel32.Describe(error)}", "List the drives again; a drive that no longer enumerates needs the RecoveryKit Linux stick (raw ports)"),
    };

    private RecoveryKitException IoctlFailed(int error, byte opcode, TimeSpan timeout) => error switch
    {
        Kernel32.ErrorSemTimeout => new RecoveryKitException(FailureKind.DeviceTimeout, Stage,
            $"{Path} did not complete command {opcode:X2}h within {timeout.TotalSeconds:0.###} s", "Wait, power-cycle the drive if it stays silent, and retry"),
        Kernel32.ErrorAccessDenied => new RecoveryKitException(FailureKind.Environment, Stage,
            $"{Path} refused command {opcode:X2}h: {Kernel32.Describe(error)}", "Run RecoveryKit as Administrator"),
        Kernel32.ErrorDeviceNotConnected or Kernel32.ErrorFileNotFound => new RecoveryKitException(FailureKind.NoDevice, Stage,
            $"{Path} went away during command {opcode:X2}h: {Kernel32.Describe(error)}", "Check cable and power, then list the drives again"),
        _ => new RecoveryKitException(FailureKind.DeviceTimeout, Stage,
            $"SPTI on {Path} failed for command {opcode:X2}h: {Kernel32.Describe(error)}", "Retry once; if it repeats, use the RecoveryKit Linux stick"),
    };
}
