using RecoveryKit.Ata;
using RecoveryKit.Emulation;

namespace RecoveryKit.Tests.Emulation.Spi;

/// <summary>
/// The command-register framing on the virtual TS-H943A (PROTOCOL.md §4, JungleFlasher [V-dec]): the address in
/// LBAM/LBAH, the bank (A23..A16) in DEV's low bits on every operation, CMD 01h writes LBAL, CMD 00h reads into LBAL,
/// DEV set back to the plain select after; SST39SF020 behind it (§5).
/// </summary>
public sealed class CommandRegisterFramingTests
{
    private const byte Dev = 0xA0;

    private sealed class Rig
    {
        public Rig()
        {
            Bench = SimScenarios.Find("dead-ts-h943a")!.Create();
            Drive = (VirtualMtkDrive)Bench.DeviceAt(DevicePosition.SecondaryMaster)!;
            Channel = Bench.Secondary;
        }

        public SimBench Bench { get; }
        public VirtualMtkDrive Drive { get; }
        public VirtualChannel Channel { get; }

        public byte Intro()
        {
            Channel.Write(TaskFileRegister.Device, Dev);
            Channel.Write(TaskFileRegister.LbaLow, 0x2A);
            Channel.Write(TaskFileRegister.StatusCommand, 0x80);
            return Poll();
        }

        public byte Poll()
        {
            for (var i = 0; i < 100_000; i++)
            {
                var s = Channel.Read(TaskFileRegister.StatusCommand);
                if ((s & 0x80) == 0)
                    return s;
                Bench.Clock.Advance(TimeSpan.FromMicroseconds(10));
            }
            return Channel.Read(TaskFileRegister.StatusCommand);
        }

        public void Write(int address, byte data, bool bankInDev = true)
        {
            Channel.Write(TaskFileRegister.Device, Dev);
            Channel.Write(TaskFileRegister.LbaMid, (byte)address);
            Channel.Write(TaskFileRegister.LbaHigh, (byte)(address >> 8));
            Channel.Write(TaskFileRegister.Device, (byte)(Dev | (bankInDev ? (address >> 16) & 0x0F : 0)));
            Channel.Write(TaskFileRegister.LbaLow, data);
            Channel.Write(TaskFileRegister.StatusCommand, 0x01);
            Channel.Write(TaskFileRegister.Device, Dev);
            Assert.Equal(0x70, Poll());
        }

        public byte Read(int address)
        {
            Channel.Write(TaskFileRegister.Device, Dev);
            Channel.Write(TaskFileRegister.LbaMid, (byte)address);
            Channel.Write(TaskFileRegister.LbaHigh, (byte)(address >> 8));
            Channel.Write(TaskFileRegister.Device, (byte)(Dev | ((address >> 16) & 0x0F)));
            Channel.Write(TaskFileRegister.StatusCommand, 0x00);
            Channel.Write(TaskFileRegister.Device, Dev);
            Poll();
            return Channel.Read(TaskFileRegister.LbaLow);
        }

        public void Unlock()
        {
            Write(0x5555, 0xAA);
            Write(0x2AAA, 0x55);
        }
    }

    [Fact]
    public void The_TS_H943A_answers_70h_and_its_SST39SF020_identifies_as_BFh_B6h()
    {
        var rig = new Rig();

        Assert.Equal(MtkDriveMode.BootCode, rig.Drive.Mode); // half-written flash
        Assert.Equal(0x70, rig.Intro());
        rig.Unlock();
        rig.Write(0x5555, 0x90);
        Assert.Equal(0xBF, rig.Read(0));
        Assert.Equal(0xB6, rig.Read(1));
        rig.Unlock();
        rig.Write(0x5555, 0xF0);
    }

    [Fact]
    public void The_bank_rides_in_DEV_on_each_operation_so_a_byte_lands_in_its_bank()
    {
        var rig = new Rig();
        rig.Intro();
        var flash = rig.Drive.Flash;
        var bank0Before = flash.Contents[0x0ABCD];

        rig.Unlock();
        rig.Write(0x5555, 0x80);
        rig.Unlock();
        rig.Write(0x2A000, 0x30); // sector erase at 2A000h: bank 2 in DEV
        rig.Bench.Clock.Advance(flash.Spec.SectorEraseTime.Maximum);
        rig.Unlock();
        rig.Write(0x5555, 0xA0);
        rig.Write(0x2ABCD, 0x5A);
        rig.Bench.Clock.Advance(flash.Spec.ProgramTime.Maximum);

        Assert.Equal(0x5A, rig.Read(0x2ABCD));
        Assert.Equal(0x5A, flash.SettledContents()[0x2ABCD]);
        Assert.Equal(bank0Before, flash.SettledContents()[0x0ABCD]);
        Assert.Equal(bank0Before, rig.Read(0x0ABCD));
    }

    [Fact]
    public void A_host_that_leaves_the_bank_out_of_DEV_reaches_bank_0()
    {
        var rig = new Rig();
        rig.Intro();
        var flash = rig.Drive.Flash;
        flash.Corrupt(0x3F000, 0xFF); // make sure both sectors hold a programmed byte
        flash.Corrupt(0x0F000, 0xFF);
        if (flash.Contents[0x3F000] == 0xFF)
            flash.Corrupt(0x3F000, 0x0F);
        if (flash.Contents[0x0F000] == 0xFF)
            flash.Corrupt(0x0F000, 0x0F);

        rig.Unlock();
        rig.Write(0x5555, 0x80);
        rig.Unlock();
        rig.Write(0x3F000, 0x30, bankInDev: false);
        rig.Bench.Clock.Advance(flash.Spec.SectorEraseTime.Maximum);

        var after = flash.SettledContents();
        Assert.All(after[0x0F000..0x10000], b => Assert.Equal(0xFF, b)); // bank 0's sector went
        Assert.NotEqual(0xFF, after[0x3F000]);
    }

    [Fact]
    public void SC_codes_of_the_MtkFlash_mailbox_reach_no_flash_on_the_TS_H943A()
    {
        var rig = new Rig();
        rig.Intro();
        var before = rig.Drive.Flash.Contents.ToArray();

        foreach (var code in new byte[] { 0x15, 0x20, 0x40, 0x42, 0x01, 0x15, 0x20, 0x08 })
            rig.Channel.Write(TaskFileRegister.SectorCount, code);

        Assert.Equal(0, rig.Drive.MailboxWrites);
        Assert.Equal(0, rig.Drive.MailboxReads);
        Assert.Equal(before, rig.Drive.Flash.Contents.ToArray());
    }
}
