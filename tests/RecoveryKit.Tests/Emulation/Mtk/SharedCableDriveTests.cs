using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Tests.Emulation.Mtk;

/// <summary>
/// The drive property behind sim:shared-cable-ldw411s ([F myce 55998]: "2 mediatek drives shared one channel => both bad
/// flashed simultaneously"): a drive that hears the shared channel takes the intro sent to the other device and latches
/// the mailbox writes meant for it; one that does not ignores both, as ATA says.
/// </summary>
public class SharedCableDriveTests
{
    private static (SimBench Bench, VirtualMtkDrive Neighbour, VirtualMtkDrive Dead) SharedBench()
    {
        var bench = SimScenarios.Find("shared-cable-ldw411s")!.Create();
        return (bench, (VirtualMtkDrive)bench.DeviceAt(DevicePosition.SecondarySlave)!, (VirtualMtkDrive)bench.DeviceAt(DevicePosition.SecondaryMaster)!);
    }

    /// <summary>The intro sent straight to the dead drive on master, as VendorMode does it (DEV, LBA low 2Ah, command 80h).</summary>
    private static void IntroToMaster(VirtualChannel channel)
    {
        channel.Write(TaskFileRegister.Device, 0xA0);
        channel.Write(TaskFileRegister.LbaLow, 0x2A);
        channel.Write(TaskFileRegister.StatusCommand, AtaCommand.MediaTekVendor);
    }

    [Fact]
    public void The_working_drive_takes_the_intro_sent_to_the_dead_drive_without_being_sent_a_command()
    {
        var (bench, neighbour, dead) = SharedBench();
        Assert.True(neighbour.HearsSharedChannel);
        var modeBefore = neighbour.Mode;

        IntroToMaster(bench.Secondary);

        Assert.Equal(MtkDriveMode.Firmware, modeBefore);
        Assert.Equal(MtkDriveMode.Vendor, dead.Mode);
        Assert.Equal(MtkDriveMode.Vendor, neighbour.Mode);
        Assert.Equal(1, neighbour.IntrosOverheard);
        Assert.Equal(0, neighbour.IntrosReceived);
        Assert.DoesNotContain(AtaCommand.MediaTekVendor, neighbour.CommandsReceived);
    }

    [Fact]
    public void A_variant_switches_the_shared_listening_off()
    {
        var (bench, neighbour, dead) = SharedBench();
        DriveVariant.Parse("""{ "hearsSharedChannel": false }""", "quiet.json").ApplyTo(bench);

        IntroToMaster(bench.Secondary);

        Assert.Equal(MtkDriveMode.Vendor, dead.Mode);
        Assert.Equal(MtkDriveMode.Firmware, neighbour.Mode);
        Assert.Equal(0, neighbour.IntrosOverheard);
    }

    [Fact]
    public void A_variant_can_switch_it_on_for_a_drive_that_does_not_have_it()
    {
        var clock = new VirtualClock();
        var master = MtkScenarios.SharedCableNeighbour.Create(clock);
        var dead = MtkScenarios.Setups["dead-ldw411s"].Setup.Create(clock);
        var channel = new VirtualChannel(clock, ChannelAddress.Secondary, dead, master);
        Assert.False(master.HearsSharedChannel);
        DriveVariant.Parse("""{ "hearsSharedChannel": true }""", "loud.json").ApplyTo(master);

        IntroToMaster(channel);

        Assert.Equal(MtkDriveMode.Vendor, master.Mode);
    }

    [Fact]
    public void A_drive_that_does_not_hear_the_shared_channel_ignores_the_intro_for_the_other_device()
    {
        var clock = new VirtualClock();
        var master = MtkScenarios.SharedCableNeighbour.Create(clock);
        var dead = MtkScenarios.Setups["dead-ldw411s"].Setup.Create(clock);
        var channel = new VirtualChannel(clock, ChannelAddress.Secondary, dead, master);

        IntroToMaster(channel);

        Assert.Equal(MtkDriveMode.Vendor, dead.Mode);
        Assert.Equal(MtkDriveMode.Firmware, master.Mode);
    }

    [Fact]
    public void In_vendor_mode_it_latches_the_mailbox_writes_addressed_to_the_master_into_its_own_flash()
    {
        var (bench, neighbour, dead) = SharedBench();
        var channel = bench.Secondary;
        IntroToMaster(channel);
        var mailbox = new Mailbox(channel, DeviceSelect.Master, dead.Profile);
        // A byte above the boot bank that the neighbour's flash holds as data (not FFh).
        var at = (uint)(0x20000 + neighbour.Flash.Contents[0x20000..].IndexOfAnyExcept((byte)0xFF));
        var neighbourByte = neighbour.Flash.Contents[(int)at];

        // A JEDEC sector erase at that address through the master's mailbox (PROTOCOL.md §5): both chips take it.
        foreach (var (address, data) in new (uint, byte)[] { (0x5555, 0xAA), (0x2AAA, 0x55), (0x5555, 0x80), (0x5555, 0xAA), (0x2AAA, 0x55), (at, 0x30) })
            mailbox.Write(address, data);
        bench.Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0xFF, dead.Flash.Read(at));
        Assert.True(neighbour.MailboxWrites >= 6);
        Assert.Equal(0xFF, neighbour.Flash.Read(at));
        Assert.NotEqual(0xFF, neighbourByte);
    }
}
