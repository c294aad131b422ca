using RecoveryKit.Emulation;
using RecoveryKit.Emulation.Spi;

namespace RecoveryKit.Tests.Emulation.Spi;

/// <summary>The SPI NOR model through the virtual drive's mailbox (PROTOCOL.md §5b, datasheet behaviour).</summary>
public sealed class SpiChipModelTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMicroseconds(100);

    private static SpiWire Ready(string part = "MX25L2005", byte[]? flash = null)
    {
        var wire = SpiWire.PhatLiteOn(part, flash);
        wire.Intro();
        return wire;
    }

    [Fact]
    public void WREN_sets_WEL_which_RDSR_shows_as_02h_and_WRDI_clears_it()
    {
        var wire = Ready();

        Assert.Equal(0x00, wire.Rdsr());
        wire.Wren();
        Assert.Equal(0x02, wire.Rdsr());
        wire.Transaction([0x04]);
        Assert.Equal(0x00, wire.Rdsr());
    }

    [Fact]
    public void Page_program_wraps_inside_its_256_byte_page_and_clears_WEL_when_done()
    {
        var wire = Ready();
        var data = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

        wire.Wren();
        wire.PageProgram(0x0100F0, data);
        Assert.Equal(0x03, wire.Rdsr()); // WIP + WEL while programming
        Assert.Equal(0x00, wire.WaitReady(Step));

        Assert.Equal(data[..16], wire.ReadFlash(0x0100F0, 16));
        Assert.Equal(data[16..], wire.ReadFlash(0x010000, 16)); // wrapped to the start of the same page
        Assert.Equal(0xFF, wire.ReadFlash(0x010100, 1)[0]); // the next page untouched
    }

    [Fact]
    public void Programming_only_clears_bits()
    {
        var wire = Ready();
        wire.Wren();
        wire.PageProgram(0x2000, [0xF0]);
        wire.WaitReady(Step);

        wire.Wren();
        wire.PageProgram(0x2000, [0x0F]);
        wire.WaitReady(Step);

        Assert.Equal(0x00, wire.ReadFlash(0x2000, 1)[0]);
    }

    [Fact]
    public void Page_program_without_WEL_changes_nothing()
    {
        var wire = Ready();

        wire.PageProgram(0x3000, [0x00, 0x00]);
        wire.Clock.Advance(TimeSpan.FromMilliseconds(10));

        Assert.Equal(new byte[] { 0xFF, 0xFF }, wire.ReadFlash(0x3000, 2));
        Assert.Equal(1, wire.Chip.Rejected);
    }

    [Fact]
    public void Sector_erase_keeps_WIP_set_for_the_datasheet_time_then_leaves_4_KiB_of_FFh()
    {
        var flash = new byte[0x40000]; // all 00h
        var wire = Ready(flash: flash);
        var part = SpiParts.Find("MX25L2005")!;

        wire.Wren();
        wire.SectorErase(0x5123);
        wire.Clock.Advance(part.SectorErase.Typical / 2);
        Assert.Equal(0x01, wire.Rdsr() & 0x01);
        Assert.Equal(0xFF, wire.ReadFlash(0x5000, 1)[0]); // busy: a READ gets nothing
        wire.Clock.Advance(part.SectorErase.Maximum);
        Assert.Equal(0x00, wire.Rdsr());

        var erased = wire.ReadFlash(0x5000, 0x100);
        Assert.All(erased, b => Assert.Equal(0xFF, b));
        Assert.All(wire.Chip.Contents[0x5000..0x6000].ToArray(), b => Assert.Equal(0xFF, b));
        Assert.Equal(0x00, wire.Chip.Contents[0x4FFF]);
        Assert.Equal(0x00, wire.Chip.Contents[0x6000]);
    }

    [Theory]
    [InlineData("MX25L2005", 0xC7, 0x60)]
    [InlineData("W25P80", 0xC7, 0x62)]
    [InlineData("SST25VF020", 0x60, 0xC7)]
    public void Each_part_obeys_only_its_own_chip_erase_opcode(string part, byte own, byte other)
    {
        var spec = SpiParts.Find(part)!;
        var wire = Ready(part, new byte[spec.SizeBytes]);
        if (spec.NeedsEwsr)
        {
            wire.Transaction([0x50]);
            wire.Wrsr(0x00); // SST parts power up with their BP bits set
        }

        wire.Wren();
        wire.Transaction([other]);
        wire.Clock.Advance(spec.ChipErase.Maximum);
        Assert.Equal(0x00, wire.Chip.Contents[0]);

        wire.Wren();
        wire.Transaction([own]);
        wire.Clock.Advance(spec.ChipErase.Maximum);
        Assert.Equal(0x00, wire.Rdsr());
        Assert.All(wire.Chip.SettledContents(), b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void BP_bits_block_program_and_erase_of_the_top_of_the_array_and_chip_erase()
    {
        var wire = Ready(flash: new byte[0x40000]);
        wire.Wren();
        wire.Wrsr(0x04); // BP = 1: the top 64 KiB
        wire.WaitReady(Step);
        Assert.Equal(0x04, wire.Rdsr());

        wire.Wren();
        wire.SectorErase(0x30000);
        wire.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0x00, wire.Chip.Contents[0x30000]);

        wire.Wren();
        wire.SectorErase(0x2F000); // below the protected area
        wire.WaitReady(Step);
        Assert.Equal(0xFF, wire.Chip.Contents[0x2F000]);

        wire.Wren();
        wire.Transaction([0xC7]);
        wire.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0x00, wire.Chip.Contents[0]);

        wire.Wren();
        wire.Wrsr(0x00); // unlock
        wire.WaitReady(Step);
        wire.Wren();
        wire.SectorErase(0x30000);
        wire.WaitReady(Step);
        Assert.Equal(0xFF, wire.Chip.Contents[0x30000]);
    }

    [Fact]
    public void SST_byte_program_of_one_byte_is_done_within_the_datasheets_20_us_not_a_page_time()
    {
        // SST25VF020 data sheet: 02h is BYTE-PROGRAM, TBP 20 µs maximum (there is no 256-byte page buffer).
        var wire = Ready("SST25VF020");
        wire.Transaction([0x50]);
        wire.Wrsr(0x00);
        wire.WaitReady(Step);
        wire.Wren();

        wire.PageProgram(0x1000, [0x5A]);
        wire.Clock.Advance(TimeSpan.FromMicroseconds(20));

        Assert.Equal(0x00, wire.Rdsr());
        Assert.Equal(0x5A, wire.ReadFlash(0x1000, 1)[0]);
    }

    [Fact]
    public void SST_parts_power_up_protected_and_take_WRSR_only_right_after_EWSR()
    {
        var wire = Ready("SST25VF020");
        Assert.Equal(0x0C, wire.Rdsr()); // BP1 BP0 set at power-up

        wire.Wren();
        wire.Wrsr(0x00);
        wire.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(0x0C, wire.Rdsr() & 0x0C);

        wire.Transaction([0x50]);
        wire.Wrsr(0x00);
        Assert.Equal(0x00, wire.WaitReady(Step));
    }

    [Fact]
    public void SRWD_with_WP_low_makes_WRSR_ignored_and_with_WP_high_it_unlocks()
    {
        var wire = Ready();
        wire.Chip.ProtectionBits = 0x8C;
        wire.Chip.WriteProtectLow = true;

        wire.Wren();
        wire.Wrsr(0x00);
        wire.Clock.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(0x8C, wire.Rdsr() & 0xFC);
        Assert.Equal(1, wire.Chip.HardwareLockedStatusWrites);

        wire.Chip.WriteProtectLow = false;
        wire.Wren();
        wire.Wrsr(0x00);
        Assert.Equal(0x00, wire.WaitReady(Step));
    }

    [Fact]
    public void Commands_other_than_RDSR_are_ignored_while_WIP_is_set()
    {
        var wire = Ready(flash: new byte[0x40000]);
        wire.Wren();
        wire.SectorErase(0x1000);

        wire.Wren();
        wire.SectorErase(0x8000);
        wire.WaitReady(Step);

        Assert.Equal(0x00, wire.Chip.Contents[0x8000]);
        Assert.True(wire.Chip.IgnoredWhileBusy >= 2);
    }

    [Fact]
    public void Power_lost_mid_page_program_leaves_a_partial_page()
    {
        var wire = Ready();
        var data = new byte[256];
        wire.Wren();
        wire.PageProgram(0x4000, data);

        wire.Channel.PowerCycle();

        var page = wire.Chip.Contents.Slice(0x4000, 256).ToArray();
        Assert.Contains(page, b => b != 0x00); // not all programmed
        Assert.Contains(page, b => b != 0xFF); // not untouched
        Assert.Equal(0x00, wire.Chip.StatusRegister); // WEL cleared by power-up
    }

    [Fact]
    public void Power_lost_mid_sector_erase_leaves_the_sector_half_erased()
    {
        var wire = Ready(flash: new byte[0x40000]);
        wire.Wren();
        wire.SectorErase(0x7000);

        wire.Channel.PowerCycle();

        var sector = wire.Chip.Contents.Slice(0x7000, 0x1000).ToArray();
        Assert.Contains(sector, b => b != 0xFF);
        Assert.Contains(sector, b => b != 0x00);
        Assert.Equal(0x00, wire.Chip.Contents[0x8000]);
    }

    [Fact]
    public void A_stuck_part_keeps_WIP_set()
    {
        var wire = Ready();
        wire.Chip.StuckWipAtOperation = 1;
        wire.Wren();
        wire.SectorErase(0);

        wire.Clock.Advance(TimeSpan.FromSeconds(60));

        Assert.Equal(0x01, wire.Rdsr() & 0x01);
    }

    [Fact]
    public void Every_part_of_PROTOCOL_5b_is_modelled_with_its_REMS_ID_and_size()
    {
        var expected = new (string Name, byte M, byte D, int Size)[]
        {
            ("SST25LF020", 0xBF, 0x43, 0x40000), ("SST25VF020", 0xBF, 0x43, 0x40000), ("W25P20", 0xEF, 0x11, 0x40000),
            ("PM25LV020", 0x9D, 0x7D, 0x40000), ("W25B20", 0xEF, 0x31, 0x40000), ("A25L20P", 0x37, 0x11, 0x40000),
            ("MX25L2005", 0xC2, 0x11, 0x40000), ("S25FL002D", 0x10, 0x00, 0x40000), ("EN25P80", 0x1C, 0x13, 0x100000),
            ("W25P80", 0xEF, 0x13, 0x100000), ("MX25L8005", 0xC2, 0x13, 0x100000), ("EN25P16", 0x1C, 0x14, 0x200000),
            ("W25P16", 0xEF, 0x14, 0x200000), ("MX25L1605D", 0xC2, 0x14, 0x200000),
        };
        foreach (var (name, m, d, size) in expected)
        {
            var part = SpiParts.Find(name);
            Assert.NotNull(part);
            Assert.Equal((m, d, size), (part.ManufacturerId, part.DeviceId, part.SizeBytes));
            Assert.True(part.PageProgram.Typical <= part.PageProgram.Maximum && part.SectorErase.Typical <= part.SectorErase.Maximum);
        }
    }

    [Theory]
    [InlineData("W25P20")]
    [InlineData("W25P80")]
    [InlineData("EN25P16")]
    public void Uniform_64_KiB_sector_parts_ignore_20h_and_erase_64_KiB_on_D8h(string name)
    {
        // W25P80/16 datasheet: 64 KiB sectors; EN25P20/32: "Four 64-Kbyte sectors" / "Sixty four 64-Kbyte sectors".
        var part = SpiParts.Find(name)!;
        var wire = Ready(name, new byte[part.SizeBytes]);

        wire.Wren();
        wire.SectorErase(0x10000);
        wire.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0x00, wire.Chip.Contents[0x10000]);
        Assert.Equal(0x02, wire.Rdsr()); // 20h is not a command of the part: WEL stays

        wire.Transaction([0xD8, 0x01, 0x23, 0x45]);
        Assert.Equal(0x03, wire.Rdsr());
        wire.WaitReady(TimeSpan.FromMilliseconds(1));
        Assert.All(wire.Chip.Contents[0x10000..0x20000].ToArray(), b => Assert.Equal(0xFF, b));
        Assert.Equal(0x00, wire.Chip.Contents[0x0FFFF]);
        Assert.Equal(0x00, wire.Chip.Contents[0x20000]);
    }

    [Fact]
    public void A_2_MiB_part_is_addressed_with_24_bits()
    {
        var wire = Ready("EN25P16");
        wire.Wren();
        wire.PageProgram(0x1F0000, [0x5A]);
        wire.WaitReady(Step);

        Assert.Equal(0x5A, wire.ReadFlash(0x1F0000, 1)[0]);
        Assert.Equal(0xFF, wire.Chip.Contents[0x0F0000]);
    }
}
