using RecoveryKit.Ata;
using RecoveryKit.Emulation;
using RecoveryKit.Firmware;
using RecoveryKit.Tests.MediaTek;

namespace RecoveryKit.Tests.Emulation.Mtk;

public sealed class VirtualMtkDriveTests
{
    [Fact]
    public void A_valid_image_boots_the_main_firmware_answering_INQUIRY_with_its_revision()
    {
        using var rig = MtkRig.Scenario("update-ldw411s");

        Assert.Equal(MtkDriveMode.Firmware, rig.Drive.Mode);
        var inquiry = rig.Inquiry()!;
        Assert.Equal("FS0F", inquiry.Revision);
        Assert.Equal("LITE-ON", inquiry.Vendor.Trim());
        Assert.Equal("DVDRW LDW-411S", inquiry.Product.Trim());
    }

    [Theory]
    [InlineData(Corruption.HalfWritten)]
    [InlineData(Corruption.BitFlip)]
    [InlineData(Corruption.ErasedSector)]
    public void A_corrupted_image_leaves_the_drive_in_boot_code_which_aborts_IDENTIFY_PACKET(Corruption damage)
    {
        using var rig = MtkRig.Create(new MtkDriveSetup("LDW-411S", "SST39VF080", "FS0F", "FS0J", damage, 99));

        Assert.Equal(MtkDriveMode.BootCode, rig.Drive.Mode);
        rig.Host.Select(rig.Device);
        var identify = rig.Host.Identify(rig.Device, AtaCommand.IdentifyPacketDevice);
        Assert.Equal(IdentifyOutcome.Aborted, identify.Outcome);
        Assert.True(rig.Host.ReadSignature().IsAtapi);
        Assert.Null(rig.Inquiry());
    }

    [Fact]
    public void A_conforming_host_causes_no_mailbox_protocol_errors_through_a_full_flash()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");

        rig.Run();

        Assert.Equal(0, rig.Drive.MailboxProtocolErrors);
        Assert.True(rig.Drive.MailboxWrites > 1000);
        Assert.True(rig.Drive.MailboxReads >= rig.Flash.Spec.SizeBytes);
    }

    [Fact]
    public void Sector_count_codes_out_of_sequence_are_counted_as_protocol_errors()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        rig.EnterVendorMode();
        var regs = rig.Host.Registers;

        regs.Write(TaskFileRegister.SectorCount, 0x20); // arm without an address
        regs.Write(TaskFileRegister.SectorCount, 0x15);
        regs.Write(TaskFileRegister.SectorCount, 0x40); // write step before arm

        Assert.Equal(2, rig.Drive.MailboxProtocolErrors);
    }

    [Fact]
    public void The_intro_with_an_unknown_key_is_aborted_and_70_never_shows()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        var target = RecoveryKit.MediaTek.FlashTarget.Acquire(rig.Host, rig.Device, rig.Profile, rig.Where);

        var result = new RecoveryKit.MediaTek.VendorMode(target).SendIntro(0x2B);

        Assert.False(result.Entered);
        Assert.NotEqual(MtkDriveMode.Vendor, rig.Drive.Mode);
        Assert.Equal(1, rig.Drive.IntrosReceived);
    }

    [Fact]
    public void Device_reset_leaves_vendor_mode_and_boots_what_the_flash_holds()
    {
        using var rig = MtkRig.Scenario("update-ldw411s");
        var (vendor, _) = rig.EnterVendorMode();
        Assert.Equal(MtkDriveMode.Vendor, rig.Drive.Mode);

        var outro = vendor.Exit();

        Assert.True(outro.CameBack);
        Assert.Equal("FS0F", outro.Inquiry!.Revision);
        Assert.Equal(MtkDriveMode.Firmware, rig.Drive.Mode);
    }
}
