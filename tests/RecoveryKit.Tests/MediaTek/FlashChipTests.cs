using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Firmware;
using RecoveryKit.MediaTek;
using RecoveryKit.Profiles;

namespace RecoveryKit.Tests.MediaTek;

/// <summary>The JEDEC command engine (FlashChip) over the mailbox, against the NOR model behind the virtual drive.</summary>
public sealed class FlashChipTests
{
    private static (MtkRig Rig, Mailbox Mailbox, FlashChip Chip) Engine(string chipName)
    {
        var rig = MtkRig.WithChip(chipName);
        var (_, mailbox) = rig.EnterVendorMode();
        return (rig, mailbox, new FlashChip(mailbox, rig.Flash.Spec, rig.Clock));
    }

    [Theory]
    [InlineData("SST39SF010A", 0xBF, 0xB5)]
    [InlineData("SST39VF040", 0xBF, 0xD7)]
    [InlineData("SST39VF080", 0xBF, 0xD8)]
    [InlineData("Am29F010", 0x01, 0x20)]
    [InlineData("Am29F040B", 0x01, 0xA4)]
    [InlineData("MX29F040", 0xC2, 0xA4)]
    [InlineData("W29C020", 0xDA, 0x45)]
    [InlineData("Am29F016D", 0x01, 0xAD)]
    public void ReadId_returns_the_chip_table_IDs_and_ExitIdMode_returns_to_array_reads(string chipName, int manufacturer, int device)
    {
        var (rig, mailbox, _) = Engine(chipName);
        using var _rig = rig;

        var id = FlashChip.ReadId(mailbox);
        FlashChip.ExitIdMode(mailbox);

        Assert.Equal(((byte)manufacturer, (byte)device), (id.Manufacturer, id.Device));
        Assert.False(id.IsNoAnswer);
        Assert.Equal(chipName, ProfileCatalog.FindChip(id.Manufacturer, id.Device)!.Name);
        Assert.Equal(rig.Flash.Contents[0], mailbox.Read(0));
        Assert.Equal(rig.Flash.Contents[1], mailbox.Read(1));
        Assert.Equal(0, rig.Flash.IgnoredCycles);
    }

    [Theory]
    [InlineData(0x00, 0x00, true)]
    [InlineData(0xFF, 0xFF, true)]
    [InlineData(0x90, 0x90, true)]
    [InlineData(0xBF, 0xD8, false)]
    [InlineData(0x00, 0xD8, false)]
    public void No_answer_IDs_are_recognised(int manufacturer, int device, bool noAnswer)
    {
        Assert.Equal(noAnswer, new ChipId((byte)manufacturer, (byte)device, 0).IsNoAnswer);
    }

    [Fact]
    public void Programming_only_clears_bits()
    {
        var (rig, mailbox, chip) = Engine("SST39VF080");
        using var _rig = rig;
        var sector = rig.Flash.Spec.Sectors[20];
        chip.EraseSector(sector);

        chip.ProgramByte(sector.Start, 0x00);
        chip.ProgramByte(sector.Start, 0xFF);
        chip.ProgramByte(sector.Start + 1, 0xF0);
        chip.ProgramByte(sector.Start + 1, 0x3C);

        Assert.Equal((byte)0x00, mailbox.Read(sector.Start));
        Assert.Equal((byte)0x30, mailbox.Read(sector.Start + 1));
    }

    [Fact]
    public void Verify_catches_a_byte_that_needed_an_erase_and_the_retry_erases_it()
    {
        var (rig, mailbox, chip) = Engine("SST39VF080");
        using var _rig = rig;
        var spec = rig.Flash.Spec;
        var sector = spec.Sectors[40];
        chip.EraseSector(sector);
        chip.ProgramByte(sector.Start + 7, 0x00);
        // The plan is made from a stale read that says the sector is erased: it will only program.
        var stale = rig.Flash.Contents.ToArray();
        stale[sector.Start + 7] = 0xFF;
        var image = stale.ToArray();
        image[sector.Start + 7] = 0xFF;
        image[sector.Start + 8] = 0x12;
        var plan = FlashPlan.Create(spec, stale, image, new FlashRange(0, 0x10000), writeBootCode: false);
        Assert.Equal(SectorAction.Program, plan.Sectors.Single(s => s.Sector.Index == 40).Action);

        var strict = Assert.Throws<RecoveryKitException>(() => new Flasher(chip) { RetriesPerSector = 0 }.Execute(plan, stale, image, null, default)).Failure;
        Assert.Equal(FailureKind.VerifyFailed, strict.Kind);
        Assert.Contains("sector 40", strict.Cause);

        var report = new Flasher(chip).Execute(plan, stale, image, null, default);
        Assert.True(report.Retries >= 1);
        Assert.Equal(SectorState.New, report.States[40]);
        Assert.Equal((byte)0xFF, mailbox.Read(sector.Start + 7));
        Assert.Equal((byte)0x12, mailbox.Read(sector.Start + 8));
    }

    [Theory]
    [InlineData("SST39VF080", 37)]
    [InlineData("Am29F040B", 3)]
    [InlineData("Am29F080B", 15)]
    public void Sector_erase_sets_exactly_that_sector_to_FF(string chipName, int index)
    {
        var (rig, _, chip) = Engine(chipName);
        using var _rig = rig;
        var before = rig.Flash.Contents.ToArray();
        var sector = rig.Flash.Spec.Sectors[index];
        var start = rig.Clock.Now;

        chip.EraseSector(sector);

        var after = rig.Flash.Contents;
        Assert.True(after.Slice((int)sector.Start, sector.Size).IndexOfAnyExcept((byte)0xFF) < 0);
        Assert.True(after[..(int)sector.Start].SequenceEqual(before.AsSpan(0, (int)sector.Start)));
        Assert.True(after[(int)sector.End..].SequenceEqual(before.AsSpan((int)sector.End)));
        Assert.Equal(1, rig.Flash.SectorErases);
        Assert.True(rig.Clock.Now - start >= rig.Flash.Spec.SectorEraseTime.Typical);
        Assert.Equal(0, rig.Flash.IgnoredCycles);
    }

    [Theory]
    [InlineData("SST39SF040")]
    [InlineData("Am29F040B")]
    public void Chip_erase_sets_everything_to_FF(string chipName)
    {
        var (rig, mailbox, chip) = Engine(chipName);
        using var _rig = rig;

        chip.EraseChip();

        Assert.True(rig.Flash.Contents.IndexOfAnyExcept((byte)0xFF) < 0);
        Assert.Equal(1, rig.Flash.ChipErases);
        Assert.Equal((byte)0xFF, mailbox.Read(0x7FFFF));
    }

    [Theory]
    [InlineData("Am29F040B", 0x5ABCDu)]
    [InlineData("MX29F040", 0x7FFFEu)]
    [InlineData("Am29F080B", 0xC1234u)]
    public void Parts_with_555_2AA_unlock_addresses_erase_and_program_in_high_banks(string chipName, uint address)
    {
        var (rig, mailbox, chip) = Engine(chipName);
        using var _rig = rig;
        Assert.Equal(0x555u, rig.Flash.Spec.UnlockFirst);

        chip.EraseSector(rig.Flash.Spec.SectorAt(address));
        chip.ProgramByte(address, 0xA5);
        chip.ProgramByte(address + 1, 0x00);

        Assert.Equal((byte)0xA5, rig.Flash.Contents[(int)address]);
        Assert.Equal((byte)0x00, rig.Flash.Contents[(int)address + 1]);
        Assert.Equal((byte)0xFF, mailbox.Read(address - 1));
        Assert.Equal(0, rig.Flash.IgnoredCycles);
        Assert.Equal(2, rig.Flash.BytesProgrammed);
    }

    [Fact]
    public void W29C020_page_write_replaces_the_whole_page_and_unloaded_bytes_become_FF()
    {
        var (rig, mailbox, chip) = Engine("W29C020");
        using var _rig = rig;
        const uint page = 0x2A80; // page 85, 128 bytes
        var data = Enumerable.Range(0, 100).Select(i => (byte)(i * 7)).ToArray();
        Assert.Contains(rig.Flash.Contents.Slice((int)page + 100, 28).ToArray(), b => b != 0xFF);
        var nextPage = rig.Flash.Contents.Slice((int)page + 128, 128).ToArray();

        chip.ProgramPage(page, data);

        Assert.True(rig.Flash.Contents.Slice((int)page, 100).SequenceEqual(data));
        Assert.True(rig.Flash.Contents.Slice((int)page + 100, 28).IndexOfAnyExcept((byte)0xFF) < 0);
        Assert.True(rig.Flash.Contents.Slice((int)page + 128, 128).SequenceEqual(nextPage));
        Assert.Equal(1, rig.Flash.PageWrites);
        Assert.Equal(data[50], mailbox.Read(page + 50));
    }

    [Fact]
    public void A_chip_that_never_finishes_times_out_as_a_write_failure_at_twice_the_datasheet_maximum()
    {
        var (rig, _, chip) = Engine("SST39VF080");
        using var _rig = rig;
        rig.Flash.StuckEraseSectors.Add(9);
        var start = rig.Clock.Now;

        var failure = Assert.Throws<RecoveryKitException>(() => chip.EraseSector(rig.Flash.Spec.Sectors[9])).Failure;

        Assert.Equal(FailureKind.WriteFailed, failure.Kind);
        Assert.Equal("sector erase", failure.Stage);
        Assert.True(rig.Clock.Now - start >= 2 * rig.Flash.Spec.SectorEraseTime.Maximum);
        Assert.True(rig.Clock.Now - start < TimeSpan.FromSeconds(5));
    }
}
