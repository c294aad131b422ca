using System.Runtime.CompilerServices;
using RecoveryKit.Diagnostics;
using RecoveryKit.Packet;
using RecoveryKit.Transports;
using RecoveryKit.Transports.Linux;

namespace RecoveryKit.Tests.Transports;

public unsafe class SgIoTests
{
    [Fact]
    public void Sg_io_hdr_is_88_bytes_with_the_kernel_offsets()
    {
        // Offsets as gcc lays out struct sg_io_hdr from /usr/include/scsi/sg.h on x86-64.
        Assert.Equal(88, sizeof(SgIoHeader));
        var h = default(SgIoHeader);
        var b = (byte*)&h;
        Assert.Equal(0, (byte*)&h.InterfaceId - b);
        Assert.Equal(4, (byte*)&h.DxferDirection - b);
        Assert.Equal(8, &h.CmdLen - b);
        Assert.Equal(9, &h.MxSbLen - b);
        Assert.Equal(10, (byte*)&h.IovecCount - b);
        Assert.Equal(12, (byte*)&h.DxferLen - b);
        Assert.Equal(16, (byte*)&h.Dxferp - b);
        Assert.Equal(24, (byte*)&h.Cmdp - b);
        Assert.Equal(32, (byte*)&h.Sbp - b);
        Assert.Equal(40, (byte*)&h.Timeout - b);
        Assert.Equal(44, (byte*)&h.Flags - b);
        Assert.Equal(48, (byte*)&h.PackId - b);
        Assert.Equal(56, (byte*)&h.UsrPtr - b);
        Assert.Equal(64, &h.Status - b);
        Assert.Equal(65, &h.MaskedStatus - b);
        Assert.Equal(66, &h.MsgStatus - b);
        Assert.Equal(67, &h.SbLenWr - b);
        Assert.Equal(68, (byte*)&h.HostStatus - b);
        Assert.Equal(70, (byte*)&h.DriverStatus - b);
        Assert.Equal(72, (byte*)&h.Resid - b);
        Assert.Equal(76, (byte*)&h.Duration - b);
        Assert.Equal(80, (byte*)&h.Info - b);
        Assert.Equal(0x2285u, SgIoHeader.SgIoRequest);
        Assert.Equal(0x53, SgIoHeader.InterfaceIdScsiGeneric);
        Assert.Equal([-1, -2, -3], new[] { SgIoHeader.DxferNone, SgIoHeader.DxferToDevice, SgIoHeader.DxferFromDevice });
    }

    private static readonly byte[] NotReadyNoMedium =
        [0x70, 0, 0x02, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x3A, 0x01, 0, 0, 0, 0];

    [Fact]
    public void Good_status_reports_the_bytes_moved_minus_the_residual()
    {
        var h = new SgIoHeader { Status = 0, Resid = 60 };
        var r = SgIoTransport.Interpret(h, [], 96, "/dev/sg1", 0x12, TimeSpan.FromSeconds(5));
        Assert.Equal(new PacketResult(PacketOutcome.Good, 36, null), r);
    }

    [Fact]
    public void Check_condition_decodes_the_sense_the_driver_wrote()
    {
        var sense = new byte[32];
        NotReadyNoMedium.CopyTo(sense, 0);
        var h = new SgIoHeader { Status = 0x02, MaskedStatus = 0x01, DriverStatus = 0x08, SbLenWr = 18, Resid = 0 };
        var r = SgIoTransport.Interpret(h, sense, 0, "/dev/sg1", 0x00, TimeSpan.FromSeconds(5));
        Assert.Equal(PacketOutcome.CheckCondition, r.Outcome);
        Assert.Equal(new SenseData(0x02, 0x3A, 0x01), r.Sense);
        Assert.Equal(0, r.Transferred);
    }

    [Fact]
    public void Driver_sense_without_a_check_condition_status_still_counts_as_check_condition()
    {
        var sense = new byte[32];
        NotReadyNoMedium.CopyTo(sense, 0);
        var h = new SgIoHeader { Status = 0, DriverStatus = 0x08, SbLenWr = 18 };
        var r = SgIoTransport.Interpret(h, sense, 0, "/dev/sg1", 0x00, TimeSpan.FromSeconds(5));
        Assert.Equal(PacketOutcome.CheckCondition, r.Outcome);
        Assert.Equal(0x3A, r.Sense!.AdditionalSenseCode);
    }

    [Theory]
    [InlineData((ushort)0x03, (ushort)0)]
    [InlineData((ushort)0, (ushort)0x06)]
    public void Timeouts_from_the_host_or_the_driver_are_device_timeouts(ushort host, ushort driver)
    {
        var h = new SgIoHeader { HostStatus = host, DriverStatus = driver };
        var e = Assert.Throws<RecoveryKitException>(() => SgIoTransport.Interpret(h, [], 512, "/dev/sg1", 0x85, TimeSpan.FromSeconds(2.5)));
        Assert.Equal(FailureKind.DeviceTimeout, e.Failure.Kind);
        Assert.Contains("85h within 2.5 s", e.Failure.Cause);
    }

    [Fact]
    public void A_disconnected_device_is_no_device_and_other_host_errors_are_bus_failures()
    {
        var gone = Assert.Throws<RecoveryKitException>(() =>
            SgIoTransport.Interpret(new SgIoHeader { HostStatus = 0x01 }, [], 0, "/dev/sg1", 0x00, TimeSpan.FromSeconds(1)));
        Assert.Equal(FailureKind.NoDevice, gone.Failure.Kind);

        var reset = Assert.Throws<RecoveryKitException>(() =>
            SgIoTransport.Interpret(new SgIoHeader { HostStatus = 0x08 }, [], 0, "/dev/sg1", 0x00, TimeSpan.FromSeconds(1)));
        Assert.Equal(FailureKind.DeviceTimeout, reset.Failure.Kind);
        Assert.Contains("host status 08h", reset.Failure.Cause);
    }

    [Fact]
    public void Busy_status_is_a_failure_not_a_good_result()
    {
        var e = Assert.Throws<RecoveryKitException>(() =>
            SgIoTransport.Interpret(new SgIoHeader { Status = 0x08 }, [], 0, "/dev/sg1", 0x28, TimeSpan.FromSeconds(1)));
        Assert.Contains("SCSI status 08h (BUSY)", e.Failure.Cause);
    }

    [Theory]
    [InlineData(0.0, 1u)]
    [InlineData(0.0004, 1u)]
    [InlineData(1.5, 2u)]
    [InlineData(5000, 5000u)]
    public void Timeouts_are_whole_milliseconds_never_zero(double ms, uint expected) =>
        Assert.Equal(expected, SgIoTransport.TimeoutMilliseconds(TimeSpan.FromMilliseconds(ms)));

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Opening_a_missing_node_is_no_device()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var e = Assert.Throws<RecoveryKitException>(() => SgIoTransport.Open("/dev/sg-recoverykit-missing"));
        Assert.Equal(FailureKind.NoDevice, e.Failure.Kind);
        Assert.Contains("ENOENT", e.Failure.Cause);
    }

    [Fact]
    public void Sg_io_on_something_that_is_not_a_scsi_device_fails_with_the_errno()
    {
        if (!OperatingSystem.IsLinux())
            return;
        using var transport = SgIoTransport.Open("/dev/null");
        Assert.Equal("/dev/null", transport.Describe);
        var inquiry = new byte[] { 0x12, 0, 0, 0, 36, 0 };
        var buffer = new byte[36];
        var e = Assert.Throws<RecoveryKitException>(() => transport.Execute(inquiry, buffer, DataDirection.In, TimeSpan.FromSeconds(1)));
        Assert.Equal(FailureKind.DeviceTimeout, e.Failure.Kind);
        Assert.Contains("ENOTTY", e.Failure.Cause);
    }

    [Fact]
    public void The_guard_runs_before_the_ioctl()
    {
        if (!OperatingSystem.IsLinux())
            return;
        using var transport = SgIoTransport.Open("/dev/null");
        var blank = new byte[12];
        blank[0] = 0xA1;
        var e = Assert.Throws<RecoveryKitException>(() => transport.Execute(blank, [], DataDirection.None, TimeSpan.FromSeconds(1)));
        Assert.Contains("BLANK", e.Failure.Cause);
    }

    [Fact]
    public void A_disposed_transport_refuses_commands()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var transport = SgIoTransport.Open("/dev/null");
        transport.Dispose();
        Assert.Throws<ObjectDisposedException>(() => transport.Execute(new byte[6], [], DataDirection.None, TimeSpan.FromSeconds(1)));
    }
}
