using RecoveryKit.Ata;
using RecoveryKit.Emulation;
using RecoveryKit.Tests.MediaTek;

namespace RecoveryKit.Tests.Emulation.Mtk;

/// <summary>
/// PROTOCOL.md §3 DANGER: on a Lite-On 360 drive, LBA low 2Eh with opcode 80h is JungleFlasher's "Lite-On Erase":
/// the drive erases its whole flash, unique key block included, then answers 72h with a blank flash. The virtual
/// DG-16D2S does exactly that, so any path that sends the trigger is caught by the flash it destroys.
/// </summary>
public sealed class EraseTriggerTests
{
    private const int KeyBlock = 0x1FF00; // PROTOCOL.md §7: the DG-16D2S key block

    private static void Intro(MtkRig rig, byte key)
    {
        var regs = rig.Host.Registers;
        regs.Write(TaskFileRegister.Device, rig.Device.RegisterValue());
        regs.Read(TaskFileRegister.StatusCommand);
        regs.Write(TaskFileRegister.LbaLow, key);
        regs.Write(TaskFileRegister.StatusCommand, 0x80);
    }

    private static bool Blank(ReadOnlySpan<byte> bytes) => bytes.IndexOfAnyExcept((byte)0xFF) < 0;

    [Fact]
    public void The_DG_16D2S_starts_with_a_key_block_in_its_flash()
    {
        using var rig = MtkRig.Scenario("xbox-dg16d2s");

        Assert.False(Blank(rig.Drive.Memory.Contents.Slice(KeyBlock, 20)));
        Assert.Equal(MtkDriveMode.Firmware, rig.Drive.Mode);
        Assert.Equal("DG-16D2S", rig.Inquiry()!.Product.Trim());
    }

    [Fact]
    public void Key_2Eh_with_opcode_80h_erases_the_whole_flash_key_block_included_then_shows_72h()
    {
        using var rig = MtkRig.Scenario("xbox-dg16d2s");

        Intro(rig, 0x2E);
        var during = rig.Host.Registers.Read(TaskFileRegister.StatusCommand);
        rig.Clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(0x80, during & 0x80); // busy while erasing
        Assert.True(Blank(rig.Drive.Memory.Contents));
        Assert.Equal(1, rig.Drive.TriggeredErases);
        Assert.Equal(0x72, rig.Host.Registers.Read(TaskFileRegister.StatusCommand));
        Assert.Equal(MtkDriveMode.Vendor, rig.Drive.Mode);
    }

    [Fact]
    public void Key_2Ah_enters_vendor_mode_locked_52h_on_a_written_flash_and_changes_nothing()
    {
        using var rig = MtkRig.Scenario("xbox-dg16d2s");
        var before = rig.Drive.Memory.Contents.ToArray();

        Intro(rig, 0x2A);

        Assert.Equal(0x52, rig.Host.Registers.Read(TaskFileRegister.StatusCommand));
        Assert.Equal(before, rig.Drive.Memory.Contents.ToArray());
        Assert.Equal(0, rig.Drive.TriggeredErases);
    }

    [Fact]
    public void After_an_erase_key_2Ah_answers_72h_the_blank_flash_status()
    {
        using var rig = MtkRig.Scenario("xbox-dg16d2s");
        Intro(rig, 0x2E);
        rig.Clock.Advance(TimeSpan.FromSeconds(5));
        rig.Bench.TryPowerCycle(rig.Position);

        Intro(rig, 0x2A);

        Assert.Equal(0x72, rig.Host.Registers.Read(TaskFileRegister.StatusCommand));
    }

    [Theory]
    [InlineData(0x2B)]
    [InlineData(0x2D)]
    public void Keys_whose_effect_is_unknown_are_aborted_and_change_nothing(byte key)
    {
        using var rig = MtkRig.Scenario("xbox-dg16d2s");
        var before = rig.Drive.Memory.Contents.ToArray();

        Intro(rig, key);

        Assert.Equal(0x01, rig.Host.Registers.Read(TaskFileRegister.StatusCommand) & 0x01);
        Assert.NotEqual(MtkDriveMode.Vendor, rig.Drive.Mode);
        Assert.Equal(before, rig.Drive.Memory.Contents.ToArray());
    }

    [Fact]
    public void No_SC_code_reaches_the_serial_flash()
    {
        using var rig = MtkRig.Scenario("xbox-dg16d2s");
        var before = rig.Drive.Memory.Contents.ToArray();
        Intro(rig, 0x2A);
        var regs = rig.Host.Registers;

        // MtkFlash's whole byte-write sequence (PROTOCOL.md §4) to an SPI drive: the SC writes are only the buffer
        // mailbox's count register, no opcode reaches the command register, so the SPI part sees no transaction.
        foreach (var code in new byte[] { 0x15, 0x20, 0x08, 0x15, 0x20, 0x40, 0x42, 0x01 })
            regs.Write(TaskFileRegister.SectorCount, code);

        Assert.Equal(0, rig.Drive.MailboxReads);
        Assert.Equal(0, rig.Drive.MailboxWrites);
        Assert.Equal(0, rig.Drive.Spi!.Executes);
        Assert.Equal(before, rig.Drive.Memory.Contents.ToArray());
    }

    [Fact]
    public void Any_drive_given_the_trigger_by_a_variant_erases_on_it()
    {
        using var rig = MtkRig.Scenario("update-ldw411s");
        DriveVariant.Parse("""{ "eraseTrigger": "2E" }""", "trigger.json").ApplyTo(rig.Drive);

        Intro(rig, 0x2E);
        rig.Clock.Advance(TimeSpan.FromSeconds(5));

        Assert.True(Blank(rig.Drive.Memory.Contents));
        Assert.Equal(0x72, rig.Host.Registers.Read(TaskFileRegister.StatusCommand));
    }
}
