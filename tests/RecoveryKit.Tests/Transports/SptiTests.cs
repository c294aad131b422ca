using RecoveryKit.Diagnostics;
using RecoveryKit.Packet;
using RecoveryKit.Transports;
using RecoveryKit.Transports.Windows;

namespace RecoveryKit.Tests.Transports;

/// <summary>SPTI structures and logic, checked on any OS (the layouts are those of 64-bit Windows).</summary>
public unsafe class SptiTests
{
    [Fact]
    public void Scsi_pass_through_direct_is_56_bytes_with_the_sdk_offsets()
    {
        Assert.Equal(56, sizeof(ScsiPassThroughDirect));
        var s = default(ScsiPassThroughDirect);
        var b = (byte*)&s;
        Assert.Equal(0, (byte*)&s.Length - b);
        Assert.Equal(2, &s.ScsiStatus - b);
        Assert.Equal(3, &s.PathId - b);
        Assert.Equal(4, &s.TargetId - b);
        Assert.Equal(5, &s.Lun - b);
        Assert.Equal(6, &s.CdbLength - b);
        Assert.Equal(7, &s.SenseInfoLength - b);
        Assert.Equal(8, &s.DataDirection - b);
        Assert.Equal(12, (byte*)&s.DataTransferLength - b);
        Assert.Equal(16, (byte*)&s.TimeOutValue - b);
        Assert.Equal(24, (byte*)&s.DataBuffer - b);
        Assert.Equal(32, (byte*)&s.SenseInfoOffset - b);
        Assert.Equal(36, s.Cdb - b);
    }

    [Fact]
    public void The_sense_buffer_follows_the_pass_through_block_at_offset_60()
    {
        Assert.Equal(96, sizeof(ScsiPassThroughDirectWithSense));
        var s = default(ScsiPassThroughDirectWithSense);
        var b = (byte*)&s;
        Assert.Equal(0, (byte*)&s.Sptd - b);
        Assert.Equal(56, (byte*)&s.Filler - b);
        Assert.Equal(60, s.Sense - b);
    }

    [Fact]
    public void Storage_query_and_adapter_descriptor_layouts()
    {
        Assert.Equal(12, sizeof(StoragePropertyQuery));
        var q = default(StoragePropertyQuery);
        var qb = (byte*)&q;
        Assert.Equal(0, (byte*)&q.PropertyId - qb);
        Assert.Equal(4, (byte*)&q.QueryType - qb);
        Assert.Equal(8, &q.AdditionalParameters - qb);

        Assert.Equal(32, sizeof(StorageAdapterDescriptor));
        var d = default(StorageAdapterDescriptor);
        var db = (byte*)&d;
        Assert.Equal(0, (byte*)&d.Version - db);
        Assert.Equal(4, (byte*)&d.Size - db);
        Assert.Equal(8, (byte*)&d.MaximumTransferLength - db);
        Assert.Equal(12, (byte*)&d.MaximumPhysicalPages - db);
        Assert.Equal(16, (byte*)&d.AlignmentMask - db);
        Assert.Equal(20, &d.AdapterUsesPio - db);
        Assert.Equal(21, &d.AdapterScansDown - db);
        Assert.Equal(22, &d.CommandQueueing - db);
        Assert.Equal(23, &d.AcceleratedTransfer - db);
        Assert.Equal(24, &d.BusType - db);
        Assert.Equal(26, (byte*)&d.BusMajorVersion - db);
        Assert.Equal(28, (byte*)&d.BusMinorVersion - db);
        Assert.Equal(30, &d.SrbType - db);
        Assert.Equal(31, &d.AddressType - db);
    }

    [Fact]
    public void Exclusive_access_layouts_and_lock_request()
    {
        Assert.Equal(8, sizeof(CdromExclusiveAccess));
        Assert.Equal(72, sizeof(CdromExclusiveLock));
        var l = SptiTransport.BuildLockRequest();
        var b = (byte*)&l;
        Assert.Equal(0, (byte*)&l.Access.RequestType - b);
        Assert.Equal(4, (byte*)&l.Access.Flags - b);
        Assert.Equal(8, l.CallerName - b);
        Assert.Equal(CdromExclusiveAccess.LockDevice, l.Access.RequestType);
        Assert.Equal(CdromExclusiveAccess.LockIgnoreVolume, l.Access.Flags);
        var name = new ReadOnlySpan<byte>(l.CallerName, CdromExclusiveLock.CallerLength);
        Assert.Equal("RecoveryKit"u8.ToArray(), name[..11].ToArray());
        Assert.Equal(0, name[11]);
        // Windows accepts only letters, digits, space and . , : ; - _ in the caller name.
        Assert.Matches("^[A-Za-z0-9 .,:;_-]+$", SptiTransport.LockCallerName);
    }

    [Fact]
    public void Ioctl_codes_match_the_sdk_values()
    {
        Assert.Equal(0x4D014u, IoControlCode.ScsiPassThroughDirect);
        Assert.Equal(0x2D1400u, IoControlCode.StorageQueryProperty);
        Assert.Equal(0x2C05Cu, IoControlCode.CdromExclusiveAccess);
    }

    [Fact]
    public void A_request_carries_the_cdb_direction_lengths_sense_offset_and_timeout_in_seconds()
    {
        var buffer = stackalloc byte[512];
        var cdb = AtaPassThroughCdb.IdentifyPacketDevice().Bytes;
        var r = SptiTransport.BuildRequest(cdb, buffer, 512, DataDirection.In, TimeSpan.FromMilliseconds(2500));

        Assert.Equal(56, r.Sptd.Length);
        Assert.Equal(16, r.Sptd.CdbLength);
        Assert.Equal(ScsiPassThroughDirect.DataIn, r.Sptd.DataDirection);
        Assert.Equal(512u, r.Sptd.DataTransferLength);
        Assert.Equal((nint)buffer, (nint)r.Sptd.DataBuffer);
        Assert.Equal(3u, r.Sptd.TimeOutValue);
        Assert.Equal(32, r.Sptd.SenseInfoLength);
        Assert.Equal(60u, r.Sptd.SenseInfoOffset);
        Assert.Equal(cdb.ToArray(), new ReadOnlySpan<byte>(r.Sptd.Cdb, 16).ToArray());

        var tur = SptiTransport.BuildRequest([0, 0, 0, 0, 0, 0], null, 0, DataDirection.None, TimeSpan.Zero);
        Assert.Equal(ScsiPassThroughDirect.DataUnspecified, tur.Sptd.DataDirection);
        Assert.Equal(1u, tur.Sptd.TimeOutValue);
        Assert.Equal(6, tur.Sptd.CdbLength);
        Assert.Equal(0, (nint)tur.Sptd.DataBuffer);

        var write = SptiTransport.BuildRequest([0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0], buffer, 2048, DataDirection.Out, TimeSpan.FromSeconds(30));
        Assert.Equal(ScsiPassThroughDirect.DataOut, write.Sptd.DataDirection);
        Assert.Equal(30u, write.Sptd.TimeOutValue);
    }

    [Fact]
    public void Good_status_reports_the_length_the_driver_left()
    {
        var r = default(ScsiPassThroughDirectWithSense);
        r.Sptd.ScsiStatus = 0;
        r.Sptd.DataTransferLength = 36;
        Assert.Equal(new PacketResult(PacketOutcome.Good, 36, null), SptiTransport.Interpret(r, 96, @"\\.\CdRom0", 0x12));
    }

    [Fact]
    public void Check_condition_decodes_the_sense_buffer()
    {
        var r = default(ScsiPassThroughDirectWithSense);
        r.Sptd.ScsiStatus = 0x02;
        r.Sptd.SenseInfoLength = 18;
        r.Sense[0] = 0x70;
        r.Sense[2] = 0x05;
        r.Sense[7] = 10;
        r.Sense[12] = 0x24;
        var result = SptiTransport.Interpret(r, 0, @"\\.\CdRom0", 0x85);
        Assert.Equal(PacketOutcome.CheckCondition, result.Outcome);
        Assert.Equal(new SenseData(0x05, 0x24, 0x00), result.Sense);
    }

    [Fact]
    public void Other_statuses_are_typed_failures()
    {
        var r = default(ScsiPassThroughDirectWithSense);
        r.Sptd.ScsiStatus = 0x18;
        var e = Assert.Throws<RecoveryKitException>(() => SptiTransport.Interpret(r, 0, @"\\.\CdRom1", 0x00));
        Assert.Equal(FailureKind.DeviceTimeout, e.Failure.Kind);
        Assert.Contains(@"\\.\CdRom1", e.Failure.Cause);
        Assert.Contains("18h", e.Failure.Cause);
    }

    [Fact]
    public void Device_names_cover_cdrom0_to_cdrom25()
    {
        Assert.Equal(@"\\.\CdRom0", SptiTransport.DeviceName(0));
        Assert.Equal(@"\\.\CdRom25", SptiTransport.DeviceName(SptiTransport.MaxCdRomIndex));
    }
}
