using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Tests.MediaTek;

public sealed class FlashTargetTests
{
    private static VirtualHardDisk Disk() => SimScenarios.HardDisk();

    [Fact]
    public void A_hard_disk_position_is_refused_and_the_disk_never_sees_the_vendor_opcode()
    {
        var disk = Disk();
        using var rig = MtkRig.Scenario("dead-ldw411s", position: DevicePosition.PrimarySlave, other: disk);

        var failure = Assert.Throws<RecoveryKitException>(() => FlashTarget.Acquire(rig.Host, DeviceSelect.Master, rig.Profile, "position 1")).Failure;

        Assert.Equal(FailureKind.WrongDeviceClass, failure.Kind);
        Assert.Contains("hard disk", failure.Cause);
        Assert.DoesNotContain(AtaCommand.MediaTekVendor, disk.CommandsReceived);
        Assert.Empty(disk.VendorCommandsReceived);
    }

    [Fact]
    public void A_flash_session_aimed_at_a_hard_disk_fails_before_any_vendor_command_or_backup()
    {
        var disk = Disk();
        using var rig = MtkRig.Scenario("dead-ldw411s", position: DevicePosition.PrimarySlave, other: disk);
        var request = rig.Request();

        var failure = Assert.Throws<RecoveryKitException>(() => FlashSession.Run(rig.Host, DeviceSelect.Master, "position 1", request)).Failure;

        Assert.Equal(FailureKind.WrongDeviceClass, failure.Kind);
        Assert.DoesNotContain(AtaCommand.MediaTekVendor, disk.CommandsReceived);
        Assert.Empty(rig.Drive.CommandsReceived);
        Assert.Equal(0, rig.Drive.IntrosReceived);
    }

    [Fact]
    public void An_empty_slave_position_is_no_device()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s", position: DevicePosition.PrimaryMaster);

        var failure = Assert.Throws<RecoveryKitException>(() => FlashTarget.Acquire(rig.Host, DeviceSelect.Slave, rig.Profile, "position 2")).Failure;

        Assert.Equal(FailureKind.NoDevice, failure.Kind);
        Assert.Equal(0, rig.Drive.IntrosReceived);
    }

    [Fact]
    public void An_empty_channel_is_no_device()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s", position: DevicePosition.PrimaryMaster);
        var secondary = new AtaHost(rig.Bench.Secondary);

        var failure = Assert.Throws<RecoveryKitException>(() => FlashTarget.Acquire(secondary, DeviceSelect.Master, rig.Profile, "position 3")).Failure;

        Assert.Equal(FailureKind.NoDevice, failure.Kind);
    }

    [Fact]
    public void A_full_flash_of_the_slave_sends_the_disk_on_master_only_the_two_identify_commands()
    {
        var disk = Disk();
        using var rig = MtkRig.Scenario("dead-ldw411s", position: DevicePosition.PrimarySlave, other: disk);
        var before = disk.CommandsReceived.ToList();

        var outcome = rig.Run();

        Assert.True(outcome.Outro.CameBack);
        // Issue 17: before the intro the disk is identified (A1h aborted, then ECh answered), and nothing else.
        Assert.Equal([.. before, AtaCommand.IdentifyPacketDevice, AtaCommand.IdentifyDevice], disk.CommandsReceived);
        Assert.Equal(0, rig.Drive.MailboxProtocolErrors);
    }

    [Fact]
    public void A_full_flash_of_the_master_sends_the_drive_on_slave_only_identify_packet_device_and_inquiry()
    {
        // Issue 17: the neighbour is identified (read-only) before the intro; a Lite-On there needs --shared-channel.
        var neighbour = SimScenarios.HealthyLiteOn();
        using var rig = MtkRig.Scenario("dead-ldw411s", position: DevicePosition.PrimaryMaster, other: neighbour);
        var before = neighbour.CommandsReceived.ToList();

        var outcome = rig.Run(rig.Request(neighbour: new RecoveryKit.Discovery.SharedChannelGuard(true, _ => true)));

        Assert.True(outcome.Outro.CameBack);
        Assert.Equal([.. before, AtaCommand.IdentifyPacketDevice, AtaCommand.Packet], neighbour.CommandsReceived);
        Assert.Equal([(byte)0x12], neighbour.PacketOpcodes);
    }

    [Fact]
    public void A_drive_left_in_vendor_mode_is_reset_and_acquired_again()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        rig.EnterVendorMode();
        Assert.Equal(MtkDriveMode.Vendor, rig.Drive.Mode);

        var target = FlashTarget.Acquire(rig.Host, rig.Device, rig.Profile, rig.Where);

        Assert.Equal(rig.Device, target.Device);
        Assert.NotEqual(MtkDriveMode.Vendor, rig.Drive.Mode);
    }
}
