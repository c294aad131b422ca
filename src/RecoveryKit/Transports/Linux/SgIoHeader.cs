using System.Runtime.InteropServices;

namespace RecoveryKit.Transports.Linux;

/// <summary>
/// struct sg_io_hdr from &lt;scsi/sg.h&gt; (interface 'S'), laid out explicitly for x86-64 / arm64 (LP64):
/// 88 bytes, pointers 8-aligned. SgIoHeaderLayoutTests pins every offset.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 88)]
internal unsafe struct SgIoHeader
{
    /// <summary>'S' for the sg v3 interface.</summary>
    public const int InterfaceIdScsiGeneric = 'S';

    /// <summary>SG_DXFER_NONE / TO_DEV / FROM_DEV.</summary>
    public const int DxferNone = -1;
    public const int DxferToDevice = -2;
    public const int DxferFromDevice = -3;

    /// <summary>ioctl request number of SG_IO.</summary>
    public const uint SgIoRequest = 0x2285;

    [FieldOffset(0)] public int InterfaceId;
    [FieldOffset(4)] public int DxferDirection;
    [FieldOffset(8)] public byte CmdLen;
    [FieldOffset(9)] public byte MxSbLen;
    [FieldOffset(10)] public ushort IovecCount;
    [FieldOffset(12)] public uint DxferLen;
    [FieldOffset(16)] public void* Dxferp;
    [FieldOffset(24)] public byte* Cmdp;
    [FieldOffset(32)] public byte* Sbp;
    /// <summary>Milliseconds.</summary>
    [FieldOffset(40)] public uint Timeout;
    [FieldOffset(44)] public uint Flags;
    [FieldOffset(48)] public int PackId;
    [FieldOffset(56)] public void* UsrPtr;
    /// <summary>SCSI status byte (00h GOOD, 02h CHECK CONDITION, 08h BUSY …).</summary>
    [FieldOffset(64)] public byte Status;
    [FieldOffset(65)] public byte MaskedStatus;
    [FieldOffset(66)] public byte MsgStatus;
    [FieldOffset(67)] public byte SbLenWr;
    /// <summary>DID_* code from the host adapter driver.</summary>
    [FieldOffset(68)] public ushort HostStatus;
    /// <summary>DRIVER_* code in the low nibble (06h DRIVER_TIMEOUT, 08h DRIVER_SENSE), SUGGEST_* in the high nibble.</summary>
    [FieldOffset(70)] public ushort DriverStatus;
    [FieldOffset(72)] public int Resid;
    [FieldOffset(76)] public uint Duration;
    [FieldOffset(80)] public uint Info;
}
