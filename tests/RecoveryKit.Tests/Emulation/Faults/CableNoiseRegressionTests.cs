using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Emulation.Faults;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Tests.Emulation.Faults;

/// <summary>Bad outcomes of the issue-8 fault campaign (scripts/faults.sh, seeds 1000..1199) with a noisy register line, replayed with their seeds.</summary>
public sealed class CableNoiseRegressionTests
{
    [Theory]
    [InlineData(1028)]
    [InlineData(1091)]
    [InlineData(1141)]
    [InlineData(1160)]
    public void A_bank_bit_lost_on_the_device_register_does_not_send_writes_to_another_bank(int seed)
    {
        // Found: noise on the device register (written once per bank change) moved the bank; every later cycle —
        // erases, programs and the verify reads with them — went to another 64 KiB, agreed with itself, and the
        // run ended "done" with up to 14 sectors of other banks overwritten.
        using var rig = new FaultRig();
        rig.Channel.WireFault = new CableNoise(TaskFileRegister.Device, 2.0 / 15, seed);

        try
        {
            rig.Flash();
            Assert.Equal(rig.New, rig.Drive.Flash.Contents.ToArray()); // "done" must mean done
        }
        catch (RecoveryKitException)
        {
            // A typed stop is fine; what matters is what the flash holds.
        }

        Assert.Empty(rig.SectorsNeitherOldNorNew());
    }

    [Theory]
    [InlineData(1078)]
    [InlineData(1126)]
    public void A_glitch_on_the_status_register_is_read_again_not_taken_for_a_drive_that_left_vendor_mode(int seed)
    {
        // Found: one flipped status bit mid-command made the mailbox give up at once, leaving the part waiting
        // for program data; the next run's first cycle (AAh to 5555h) was then programmed into the boot block.
        using var rig = new FaultRig();
        rig.Channel.WireFault = new CableNoise(TaskFileRegister.StatusCommand, 2.215e-6, seed);

        FlashOrTypedFailure(rig);
        rig.Channel.WireFault = null;
        rig.Flash();

        Assert.Equal(rig.New, rig.Drive.Flash.Contents.ToArray());
    }

    [Fact]
    public void A_single_bank_bit_lost_at_a_bank_change_while_writing_is_caught_by_the_read_back()
    {
        // The mechanism behind the seeds above, independent of how many accesses a run makes: the first bank change
        // after the first erase command lands one bank off.
        using var rig = new FaultRig();
        rig.Channel.WireFault = new OneShot(TaskFileRegister.Device, onWrite: true, when: v => v != 0xA0, xor: 0x01) { ArmAfterLbaLowWrite = 0x80 };

        try
        {
            rig.Flash();
            // Without the read-back the run said "done" with bank 5's sectors still old and bank 4's rewritten.
            Assert.Equal(rig.New, rig.Drive.Flash.Contents.ToArray());
        }
        catch (RecoveryKitException)
        {
            // A typed stop is fine; what matters is what the flash holds.
        }

        Assert.True(((OneShot)rig.Channel.WireFault!).Fired);
        Assert.Empty(rig.SectorsNeitherOldNorNew());
    }

    [Fact]
    public void A_single_status_glitch_inside_a_byte_program_does_not_strand_the_part_waiting_for_data()
    {
        // The mechanism behind seeds 1078/1126: the status read of the program-data cycle comes back 71h once.
        using var rig = new FaultRig();
        var glitch = new OneShot(TaskFileRegister.StatusCommand, onWrite: false, when: v => v == 0x70, xor: 0x01) { ArmAfterLbaLowWrite = 0xA0, Skip = 1000 };
        rig.Channel.WireFault = glitch;

        FlashOrTypedFailure(rig);
        rig.Channel.WireFault = null;
        rig.Flash();

        Assert.True(glitch.Fired);
        Assert.Equal(rig.New, rig.Drive.Flash.Contents.ToArray());
    }

    /// <summary>Flips bits of one access to a register, the first time <c>when</c> holds (after an optional arming write).</summary>
    private sealed class OneShot(TaskFileRegister register, bool onWrite, Func<byte, bool> when, byte xor) : IWireFault
    {
        private bool _armed;

        /// <summary>Arm only after a write of this value to LBA low (the flash-bus data byte), e.g. A0h = byte program.</summary>
        public int ArmAfterLbaLowWrite { get; init; } = -1;

        /// <summary>Arming writes to let pass first.</summary>
        public int Skip { get; init; }

        public bool Fired { get; private set; }

        private int _seen;

        public byte OnRead(ChannelAddress channel, TaskFileRegister r, byte value) => !onWrite && r == register ? Maybe(value) : value;

        public byte OnWrite(ChannelAddress channel, TaskFileRegister r, byte value)
        {
            if (r == TaskFileRegister.LbaLow && value == ArmAfterLbaLowWrite && !Fired && ++_seen > Skip)
                _armed = true;
            return onWrite && r == register ? Maybe(value) : value;
        }

        private byte Maybe(byte value)
        {
            if (Fired || (ArmAfterLbaLowWrite >= 0 && !_armed) || !when(value))
                return value;
            Fired = true;
            return (byte)(value ^ xor);
        }
    }

    internal static void FlashOrTypedFailure(FaultRig rig)
    {
        try
        {
            rig.Flash();
        }
        catch (RecoveryKitException)
        {
            // A typed stop is fine; what matters is what the flash holds.
        }
    }
}
