using RecoveryKit.Emulation;
using RecoveryKit.Profiles;

namespace RecoveryKit.Tests.Emulation.Mtk;

public sealed class FlashChipModelTests
{
    private static (FlashChipModel Model, VirtualClock Clock) Model(string chip, byte fill = 0xFF)
    {
        var clock = new VirtualClock();
        var spec = ProfileCatalog.FindChip(chip)!;
        var initial = new byte[spec.SizeBytes];
        Array.Fill(initial, fill);
        return (new FlashChipModel(spec, clock, initial), clock);
    }

    private static void Program(FlashChipModel m, uint address, byte data)
    {
        m.Write(0x5555, 0xAA);
        m.Write(0x2AAA, 0x55);
        m.Write(0x5555, 0xA0);
        m.Write(address, data);
    }

    [Fact]
    public void Out_of_order_command_cycles_are_ignored_and_counted()
    {
        var (m, clock) = Model("SST39VF080");

        m.Write(0x2AAA, 0x55); // second unlock cycle first
        m.Write(0x5555, 0xA0); // program command without unlock
        m.Write(0x1000, 0x00); // would be the data
        clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(3, m.IgnoredCycles);
        Assert.Equal((byte)0xFF, m.Read(0x1000));
        Assert.Equal(0, m.BytesProgrammed);
    }

    [Fact]
    public void A_broken_unlock_sequence_returns_to_read_mode()
    {
        var (m, clock) = Model("SST39VF080");

        m.Write(0x5555, 0xAA);
        m.Write(0x1234, 0x55); // wrong address for the second cycle
        m.Write(0x5555, 0xA0);
        m.Write(0x2000, 0x00);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.True(m.IgnoredCycles >= 2);
        Assert.Equal((byte)0xFF, m.Read(0x2000));
    }

    [Fact]
    public void Byte_program_is_busy_for_the_chip_table_time_on_the_virtual_clock()
    {
        var (m, clock) = Model("Am29F040B");
        var typical = m.Spec.ProgramTime.Typical;

        m.Write(0x555, 0xAA);
        m.Write(0x2AA, 0x55);
        m.Write(0x555, 0xA0);
        m.Write(0x4321, 0x12);

        Assert.True(m.IsBusy);
        clock.Advance(typical - TimeSpan.FromTicks(1));
        Assert.True(m.IsBusy);
        Assert.Equal((byte)0xFF, m.Contents[0x4321]);
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.False(m.IsBusy);
        Assert.Equal((byte)0x12, m.Read(0x4321));
    }

    [Fact]
    public void Sector_erase_is_busy_for_the_chip_table_time()
    {
        var (m, clock) = Model("SST39SF040", 0x00);

        m.Write(0x5555, 0xAA);
        m.Write(0x2AAA, 0x55);
        m.Write(0x5555, 0x80);
        m.Write(0x5555, 0xAA);
        m.Write(0x2AAA, 0x55);
        m.Write(0x3000, 0x30);

        Assert.True(m.IsBusy);
        Assert.Equal((byte)0x00, m.Read(0x3000) & 0x80); // DQ7 = 0 while erasing
        clock.Advance(m.Spec.SectorEraseTime.Typical);
        Assert.False(m.IsBusy);
        Assert.Equal((byte)0xFF, m.Read(0x3000));
        Assert.Equal((byte)0xFF, m.Read(0x3FFF));
        Assert.Equal((byte)0x00, m.Read(0x4000));
        Assert.Equal((byte)0x00, m.Read(0x2FFF));
    }

    [Theory]
    [InlineData(0x5A)]
    [InlineData(0xA5)]
    [InlineData(0x00)]
    public void DQ7_shows_the_complement_of_the_data_while_programming(int data)
    {
        var (m, clock) = Model("SST39VF080");

        Program(m, 0x800, (byte)data);

        Assert.Equal(~data & 0x80, m.Read(0x800) & 0x80);
        clock.Advance(m.Spec.ProgramTime.Typical);
        Assert.Equal(data & 0x80, m.Read(0x800) & 0x80);
    }

    [Fact]
    public void DQ6_toggles_on_each_read_while_busy_and_stops_when_done()
    {
        var (m, clock) = Model("SST39VF080");

        Program(m, 0x800, 0x40);
        var a = m.Read(0x800);
        var b = m.Read(0x800);
        var c = m.Read(0x800);

        Assert.NotEqual(a & 0x40, b & 0x40);
        Assert.NotEqual(b & 0x40, c & 0x40);
        clock.Advance(m.Spec.ProgramTime.Typical);
        Assert.Equal(m.Read(0x800) & 0x40, m.Read(0x800) & 0x40);
    }

    [Fact]
    public void Writes_while_busy_are_ignored()
    {
        var (m, clock) = Model("SST39VF080");

        Program(m, 0x800, 0x00);
        Program(m, 0x801, 0x00);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal((byte)0x00, m.Read(0x800));
        Assert.Equal((byte)0xFF, m.Read(0x801));
        Assert.Equal(4, m.IgnoredCycles);
    }

    [Fact]
    public void Programming_FF_is_counted_as_needless()
    {
        var (m, clock) = Model("SST39VF080");

        Program(m, 0x10, 0xFF);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(1, m.NeedlessFFPrograms);
    }

    [Fact]
    public void Software_ID_mode_answers_IDs_and_a_single_F0_resets()
    {
        var (m, _) = Model("Am29F080B", 0x33);

        m.Write(0x555, 0xAA);
        m.Write(0x2AA, 0x55);
        m.Write(0x555, 0x90);

        Assert.Equal((byte)0x01, m.Read(0));
        Assert.Equal((byte)0xD5, m.Read(1));
        m.Write(0x1234, 0xF0);
        Assert.Equal((byte)0x33, m.Read(0));
    }

    [Fact]
    public void Power_loss_leaves_completed_work_and_damages_only_the_operation_in_flight()
    {
        var (m, clock) = Model("SST39VF080", 0x00);
        m.Write(0x5555, 0xAA);
        m.Write(0x2AAA, 0x55);
        m.Write(0x5555, 0x80);
        m.Write(0x5555, 0xAA);
        m.Write(0x2AAA, 0x55);
        m.Write(0x5000, 0x30);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        m.PowerLoss(new Random(3));

        Assert.False(m.IsBusy);
        var sector = m.Contents.Slice(0x5000, 0x1000);
        Assert.True(sector.IndexOfAnyExcept((byte)0xFF) >= 0); // not a complete erase
        Assert.True(sector.IndexOfAnyExcept((byte)0x00) >= 0); // but some bits set
        Assert.True(m.Contents[..0x5000].IndexOfAnyExcept((byte)0x00) < 0);
        Assert.True(m.Contents[0x6000..].IndexOfAnyExcept((byte)0x00) < 0);
    }

    [Fact]
    public void A_second_page_write_long_after_the_first_is_loaded_and_written_too()
    {
        var (m, clock) = Model("W29C020", 0x00);
        foreach (var (page, value) in new[] { (0x100u, (byte)0x11), (0x200u, (byte)0x22) })
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            m.Write(0x5555, 0xAA);
            m.Write(0x2AAA, 0x55);
            m.Write(0x5555, 0xA0);
            for (var i = 0u; i < 128; i++)
                m.Write(page + i, value);
            clock.Advance(TimeSpan.FromMicroseconds(200));
            Assert.True(m.IsBusy);
            clock.Advance(m.Spec.ProgramTime.Typical);
            Assert.Equal(value, m.Read(page + 127));
        }
        Assert.Equal(2, m.PageWrites);
        Assert.Equal(0, m.IgnoredCycles);
    }
}
