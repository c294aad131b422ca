using System.Runtime.InteropServices;

namespace RecoveryKit.Transports.Windows;

/// <summary>
/// SCSI_PASS_THROUGH_DIRECT (ntddscsi.h) for 64-bit Windows: 56 bytes, DataBuffer 8-aligned at 24.
/// SptiStructLayoutTests pins every offset.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 56)]
internal unsafe struct ScsiPassThroughDirect
{
    /// <summary>DataIn values: SCSI_IOCTL_DATA_OUT, _IN, _UNSPECIFIED.</summary>
    public const byte DataOut = 0;
    public const byte DataIn = 1;
    public const byte DataUnspecified = 2;

    [FieldOffset(0)] public ushort Length;
    [FieldOffset(2)] public byte ScsiStatus;
    [FieldOffset(3)] public byte PathId;
    [FieldOffset(4)] public byte TargetId;
    [FieldOffset(5)] public byte Lun;
    [FieldOffset(6)] public byte CdbLength;
    [FieldOffset(7)] public byte SenseInfoLength;
    [FieldOffset(8)] public byte DataDirection;
    [FieldOffset(12)] public uint DataTransferLength;
    /// <summary>Seconds.</summary>
    [FieldOffset(16)] public uint TimeOutValue;
    [FieldOffset(24)] public void* DataBuffer;
    /// <summary>Offset of the sense buffer from the start of this structure.</summary>
    [FieldOffset(32)] public uint SenseInfoOffset;
    [FieldOffset(36)] public fixed byte Cdb[16];
}

/// <summary>SCSI_PASS_THROUGH_DIRECT followed by its sense buffer, in one block for the IOCTL (96 bytes on x64).</summary>
[StructLayout(LayoutKind.Explicit, Size = 96)]
internal unsafe struct ScsiPassThroughDirectWithSense
{
    public const int SenseLength = 32;

    [FieldOffset(0)] public ScsiPassThroughDirect Sptd;
    [FieldOffset(56)] public uint Filler;
    [FieldOffset(60)] public fixed byte Sense[SenseLength];
}

/// <summary>STORAGE_PROPERTY_QUERY (winioctl.h): 12 bytes.</summary>
[StructLayout(LayoutKind.Explicit, Size = 12)]
internal struct StoragePropertyQuery
{
    /// <summary>STORAGE_PROPERTY_ID.StorageAdapterProperty.</summary>
    public const int StorageAdapterProperty = 1;
    /// <summary>STORAGE_QUERY_TYPE.PropertyStandardQuery.</summary>
    public const int PropertyStandardQuery = 0;

    [FieldOffset(0)] public int PropertyId;
    [FieldOffset(4)] public int QueryType;
    [FieldOffset(8)] public byte AdditionalParameters;
}

/// <summary>STORAGE_ADAPTER_DESCRIPTOR (winioctl.h): 32 bytes.</summary>
[StructLayout(LayoutKind.Explicit, Size = 32)]
internal struct StorageAdapterDescriptor
{
    [FieldOffset(0)] public uint Version;
    [FieldOffset(4)] public uint Size;
    [FieldOffset(8)] public uint MaximumTransferLength;
    [FieldOffset(12)] public uint MaximumPhysicalPages;
    /// <summary>0 byte, 1 word, 3 dword, 7 qword alignment of data buffers.</summary>
    [FieldOffset(16)] public uint AlignmentMask;
    [FieldOffset(20)] public byte AdapterUsesPio;
    [FieldOffset(21)] public byte AdapterScansDown;
    [FieldOffset(22)] public byte CommandQueueing;
    [FieldOffset(23)] public byte AcceleratedTransfer;
    [FieldOffset(24)] public byte BusType;
    [FieldOffset(26)] public ushort BusMajorVersion;
    [FieldOffset(28)] public ushort BusMinorVersion;
    [FieldOffset(30)] public byte SrbType;
    [FieldOffset(31)] public byte AddressType;
}

/// <summary>CDROM_EXCLUSIVE_ACCESS (ntddcdrm.h): request type and flags, 8 bytes.</summary>
[StructLayout(LayoutKind.Explicit, Size = 8)]
internal struct CdromExclusiveAccess
{
    /// <summary>EXCLUSIVE_ACCESS_REQUEST_TYPE values.</summary>
    public const int QueryState = 0;
    public const int LockDevice = 1;
    public const int UnlockDevice = 2;

    /// <summary>Lock flag: lock even with a mounted file system on the disc.</summary>
    public const uint LockIgnoreVolume = 0x1;
    /// <summary>Unlock flag: no media removal/arrival notifications on unlock.</summary>
    public const uint NoMediaNotifications = 0x2;

    [FieldOffset(0)] public int RequestType;
    [FieldOffset(4)] public uint Flags;
}

/// <summary>CDROM_EXCLUSIVE_LOCK (ntddcdrm.h): access request plus the caller's name, 72 bytes.</summary>
[StructLayout(LayoutKind.Explicit, Size = 72)]
internal unsafe struct CdromExclusiveLock
{
    /// <summary>CDROM_EXCLUSIVE_CALLER_LENGTH, including the terminating NUL.</summary>
    public const int CallerLength = 64;

    [FieldOffset(0)] public CdromExclusiveAccess Access;
    [FieldOffset(8)] public fixed byte CallerName[CallerLength];
}

/// <summary>IOCTL codes: CTL_CODE(DeviceType, Function, Method, Access) = type &lt;&lt; 16 | access &lt;&lt; 14 | function &lt;&lt; 2 | method.</summary>
internal static class IoControlCode
{
    private const uint MethodBuffered = 0;
    private const uint FileAnyAccess = 0;
    private const uint FileReadWriteAccess = 0x1 | 0x2;

    internal static uint CtlCode(uint deviceType, uint function, uint method, uint access) =>
        (deviceType << 16) | (access << 14) | (function << 2) | method;

    /// <summary>IOCTL_SCSI_BASE (4), function 0x405, buffered, read|write.</summary>
    public static readonly uint ScsiPassThroughDirect = CtlCode(0x4, 0x405, MethodBuffered, FileReadWriteAccess);

    /// <summary>IOCTL_STORAGE_BASE (0x2D), function 0x500, buffered, any access.</summary>
    public static readonly uint StorageQueryProperty = CtlCode(0x2D, 0x500, MethodBuffered, FileAnyAccess);

    /// <summary>IOCTL_CDROM_BASE (2), function 0x17, buffered, read|write.</summary>
    public static readonly uint CdromExclusiveAccess = CtlCode(0x2, 0x17, MethodBuffered, FileReadWriteAccess);
}
