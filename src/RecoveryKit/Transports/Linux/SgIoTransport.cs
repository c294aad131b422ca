using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using RecoveryKit.Diagnostics;
using RecoveryKit.Packet;
using RecoveryKit.Transports.Native;

namespace RecoveryKit.Transports.Linux;

/// <summary>
/// Packet commands through the Linux SCSI generic driver: ioctl(SG_IO) on /dev/sgN or /dev/srN.
/// For drives that still enumerate; a drive whose firmware is gone needs <see cref="PortIoRegisters"/> instead.
/// </summary>
public sealed unsafe class SgIoTransport : IPacketTransport, IDisposable
{
    /// <summary>Sense bytes requested per command (fixed format needs 18, descriptor format fits in 32).</summary>
    public const int SenseBufferLength = 32;

    // host_status (DID_*) and driver_status (DRIVER_*) codes from the kernel's SCSI midlayer.
    private const ushort DidOk = 0x00;
    private const ushort DidNoConnect = 0x01;
    private const ushort DidTimeOut = 0x03;
    private const ushort DriverTimeout = 0x06;
    private const ushort DriverSense = 0x08;

    private const byte StatusGood = 0x00;
    private const byte StatusCheckCondition = 0x02;

    private const string Stage = "sg-io";

    private readonly FileDescriptorHandle _fd;

    private SgIoTransport(string path, FileDescriptorHandle fd)
    {
        Path = path;
        _fd = fd;
    }

    /// <summary>The device node, e.g. "/dev/sg1".</summary>
    public string Path { get; }

    public string Describe => Path;

    /// <summary>Opens <paramref name="path"/> read-write, non-blocking (so an empty tray does not hang the open).</summary>
    [SupportedOSPlatform("linux")]
    public static SgIoTransport Open(string path)
    {
        var fd = Libc.Open(path, Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                Libc.EACCES or Libc.EPERM => new RecoveryKitException(FailureKind.Environment, Stage,
                    $"cannot open {path}: {Libc.Describe(errno)}",
                    "Run as root, or add the user to the group owning the device (usually 'cdrom' or 'disk')"),
                Libc.EBUSY => new RecoveryKitException(FailureKind.Environment, Stage,
                    $"cannot open {path}: {Libc.Describe(errno)}",
                    "Another program holds the drive exclusively; close burning or ripping software and retry"),
                _ => new RecoveryKitException(FailureKind.NoDevice, Stage,
                    $"cannot open {path}: {Libc.Describe(errno)}",
                    "Check the device name with the drive list (sg devices appear when the sg module is loaded: modprobe sg)"),
            };
        }
        return new SgIoTransport(path, new FileDescriptorHandle(fd));
    }

    public PacketResult Execute(ReadOnlySpan<byte> cdb, Span<byte> data, DataDirection direction, TimeSpan timeout)
    {
        PacketCommandGuard.Check(cdb, data.Length, direction);
        ObjectDisposedException.ThrowIf(_fd.IsClosed, this);

        Span<byte> sense = stackalloc byte[SenseBufferLength];
        sense.Clear();
        var header = default(SgIoHeader);
        int rc, errno;
        var addRef = false;
        fixed (byte* cdbPtr = cdb)
        fixed (byte* dataPtr = data)
        fixed (byte* sensePtr = sense)
        {
            header.InterfaceId = SgIoHeader.InterfaceIdScsiGeneric;
            header.DxferDirection = direction switch
            {
                DataDirection.In => SgIoHeader.DxferFromDevice,
                DataDirection.Out => SgIoHeader.DxferToDevice,
                _ => SgIoHeader.DxferNone,
            };
            header.CmdLen = (byte)cdb.Length;
            header.Cmdp = cdbPtr;
            header.MxSbLen = SenseBufferLength;
            header.Sbp = sensePtr;
            header.DxferLen = (uint)data.Length;
            header.Dxferp = data.Length == 0 ? null : dataPtr;
            header.Timeout = TimeoutMilliseconds(timeout);

            try
            {
                _fd.DangerousAddRef(ref addRef);
                rc = Libc.Ioctl(_fd.Fd, SgIoHeader.SgIoRequest, &header);
                errno = rc < 0 ? Marshal.GetLastPInvokeError() : 0;
            }
            finally
            {
                if (addRef)
                    _fd.DangerousRelease();
            }
        }

        if (rc < 0)
            throw IoctlFailed(errno, cdb[0]);
        return Interpret(header, sense, data.Length, Path, cdb[0], timeout);
    }

    public void Dispose() => _fd.Dispose();

    /// <summary>SG_IO timeouts are whole milliseconds, at least 1 (0 would mean the driver's default).</summary>
    internal static uint TimeoutMilliseconds(TimeSpan timeout) =>
        (uint)Math.Clamp(Math.Ceiling(timeout.TotalMilliseconds), 1, uint.MaxValue);

    /// <summary>Turns a completed SG_IO header into a result, or a typed failure when the command did not complete.</summary>
    internal static PacketResult Interpret(in SgIoHeader header, ReadOnlySpan<byte> sense, int requested, string path, byte opcode, TimeSpan timeout)
    {
        var driver = (ushort)(header.DriverStatus & 0x0F);
        if (header.HostStatus == DidTimeOut || driver == DriverTimeout)
            throw new RecoveryKitException(FailureKind.DeviceTimeout, Stage,
                $"{path} did not complete command {opcode:X2}h within {timeout.TotalSeconds:0.###} s",
                "The drive may be busy spinning up or hung; wait, power-cycle it if it stays silent, and retry");
        if (header.HostStatus == DidNoConnect)
            throw new RecoveryKitException(FailureKind.NoDevice, Stage,
                $"{path} is no longer connected (host status DID_NO_CONNECT)",
                "Check the cable and power of the drive, then list the drives again");
        if (header.HostStatus != DidOk)
            throw new RecoveryKitException(FailureKind.DeviceTimeout, Stage,
                $"{path}: command {opcode:X2}h failed in the host adapter (host status {header.HostStatus:X2}h)",
                "Retry once; if it repeats, the bus or the drive is not answering reliably");

        var transferred = Math.Clamp(requested - header.Resid, 0, requested);
        var senseLength = Math.Min(header.SbLenWr, (byte)sense.Length);
        if (header.Status == StatusCheckCondition || (driver == DriverSense && senseLength > 0))
            return new PacketResult(PacketOutcome.CheckCondition, transferred, SenseData.Parse(sense[..senseLength]));
        if (header.Status != StatusGood)
            throw new RecoveryKitException(FailureKind.DeviceTimeout, Stage,
                $"{path}: command {opcode:X2}h ended with SCSI status {header.Status:X2}h" + (header.Status == 0x08 ? " (BUSY)" : ""),
                "The drive is busy or reserved by another program; retry in a moment");
        return new PacketResult(PacketOutcome.Good, transferred, null);
    }

    private RecoveryKitException IoctlFailed(int errno, byte opcode) => errno switch
    {
        Libc.EPERM or Libc.EACCES => new RecoveryKitException(FailureKind.Environment, Stage,
            $"{Path} refused command {opcode:X2}h: {Libc.Describe(errno)}",
            "The kernel filters this command for non-root users; run as root (CAP_SYS_RAWIO)"),
        Libc.ENODEV or Libc.ENXIO or Libc.ENOENT => new RecoveryKitException(FailureKind.NoDevice, Stage,
            $"{Path} went away during command {opcode:X2}h: {Libc.Describe(errno)}",
            "Check the cable and power of the drive, then list the drives again"),
        _ => new RecoveryKitException(FailureKind.DeviceTimeout, Stage,
            $"SG_IO on {Path} failed for command {opcode:X2}h: {Libc.Describe(errno)}",
            "Retry once; if it repeats, use raw port access on an IDE channel"),
    };
}
