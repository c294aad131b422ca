using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Tests.MediaTek;

public sealed class MailboxTests
{
    [Fact]
    public void A_sequential_read_across_three_banks_writes_the_device_register_once_at_open_and_at_the_two_bank_changes()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        var (_, mailbox) = rig.EnterVendorMode();
        var observer = new RecordingObserver();
        rig.Channel.Observer = observer;

        var buffer = new byte[0x20100];
        for (var i = 0; i < buffer.Length; i++)
            buffer[i] = mailbox.Read(0x0FF00 + (uint)i); // banks 0, 1 and 2

        var deviceWrites = observer.Writes.Where(w => w.Port == 0x1F6).Select(w => w.Value).ToList();
        // Bank 0 is written explicitly with the first cycle (nothing proves the drive holds it after the intro).
        Assert.Equal([(byte)0xA0, (byte)0xA1, (byte)0xA2], deviceWrites);
        Assert.True(buffer.AsSpan().SequenceEqual(rig.Flash.Contents.Slice(0x0FF00, buffer.Length)));
    }

    [Fact]
    public void Reading_0x2ABCD_returns_the_flash_byte_at_0x2ABCD_not_its_bank_0_alias()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        rig.Flash.Corrupt(0x2ABCD, (byte)(rig.Flash.Contents[0x2ABCD] ^ rig.Flash.Contents[0x0ABCD] ^ 0x5A));
        rig.Flash.Corrupt(0x1ABCD, (byte)(rig.Flash.Contents[0x1ABCD] ^ rig.Flash.Contents[0x0ABCD] ^ 0xC3));
        var (_, mailbox) = rig.EnterVendorMode();

        Assert.Equal(rig.Flash.Contents[0x0ABCD], mailbox.Read(0x0ABCD));
        Assert.Equal((byte)(rig.Flash.Contents[0x0ABCD] ^ 0x5A), mailbox.Read(0x2ABCD));
        Assert.Equal((byte)(rig.Flash.Contents[0x0ABCD] ^ 0xC3), mailbox.Read(0x1ABCD));
        Assert.Equal(rig.Flash.Contents[0xFABCD], mailbox.Read(0xFABCD));
    }

    [Fact]
    public void A_slave_carries_the_bank_in_B0_head_bits()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s", position: DevicePosition.PrimarySlave);
        var (_, mailbox) = rig.EnterVendorMode();
        var observer = new RecordingObserver();
        rig.Channel.Observer = observer;

        var value = mailbox.Read(0x3ABCD);

        Assert.Equal(rig.Flash.Contents[0x3ABCD], value);
        Assert.Equal([(byte)0xB3], observer.Writes.Where(w => w.Port == 0x1F6).Select(w => w.Value));
    }

    [Fact]
    public void A_drive_that_left_vendor_mode_is_reported_with_its_status()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        var (_, mailbox) = rig.EnterVendorMode();
        mailbox.Read(0);
        rig.Bench.TryPowerCycle(rig.Position);

        var failure = Assert.Throws<RecoveryKitException>(() => mailbox.Read(0x100)).Failure;

        Assert.Equal(FailureKind.NotInVendorMode, failure.Kind);
        Assert.Equal("mailbox", failure.Stage);
        Assert.NotNull(failure.Status);
        Assert.NotEqual((byte)0x70, failure.Status);
        Assert.Contains($"status {failure.Status:X2}h", failure.Cause);
        Assert.Contains("000100h", failure.Cause);
    }

    [Fact]
    public void A_write_reaches_the_flash_bus_at_its_full_address()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        var (_, mailbox) = rig.EnterVendorMode();
        var spec = rig.Flash.Spec;
        var chip = new FlashChip(mailbox, spec, rig.Clock);
        var sector = spec.SectorAt(0xE1234);

        chip.EraseSector(sector);
        chip.ProgramByte(0xE1234, 0x3C);

        Assert.Equal((byte)0x3C, rig.Flash.Contents[0xE1234]);
        Assert.Equal((byte)0x3C, mailbox.Read(0xE1234));
        Assert.Equal(0, rig.Drive.MailboxProtocolErrors);
    }
}
