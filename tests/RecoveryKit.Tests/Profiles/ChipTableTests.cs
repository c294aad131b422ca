using RecoveryKit.Profiles;

namespace RecoveryKit.Tests.Profiles;

/// <summary>Consistency of the embedded chip table (chips.json) and of the drive table's references to it.</summary>
public class ChipTableTests
{
    private static readonly string[] Grades = ["V", "F", "D", "R"];

    [Fact]
    public void Every_row_loads_with_a_known_grade_and_a_source()
    {
        Assert.NotEmpty(ProfileCatalog.Chips);
        foreach (var chip in ProfileCatalog.Chips)
        {
            Assert.Contains(chip.Grade, Grades);
            Assert.False(string.IsNullOrWhiteSpace(chip.Source), $"{chip.Name} has no source");
        }
    }

    [Fact]
    public void Manufacturer_and_device_id_pairs_are_unique()
    {
        var duplicates = ProfileCatalog.Chips
            .GroupBy(c => (c.ManufacturerId, c.DeviceId))
            .Where(g => g.Count() > 1)
            .Select(g => string.Join(", ", g.Select(c => c.Name)))
            .ToList();
        Assert.Empty(duplicates);
    }

    [Fact]
    public void Unlock_addresses_lie_inside_the_decoded_address_bits()
    {
        foreach (var chip in ProfileCatalog.Chips)
        {
            Assert.Equal(0u, chip.UnlockFirst & ~chip.UnlockMask);
            Assert.Equal(0u, chip.UnlockSecond & ~chip.UnlockMask);
            Assert.True(chip.UnlockMask < (uint)chip.SizeBytes, $"{chip.Name}: mask wider than the part");
        }
    }

    [Fact]
    public void Maxima_are_not_below_typicals_and_page_parts_have_a_page()
    {
        foreach (var chip in ProfileCatalog.Chips)
        {
            Assert.True(chip.ProgramTime.Maximum >= chip.ProgramTime.Typical, chip.Name);
            Assert.True(chip.SectorEraseTime.Maximum >= chip.SectorEraseTime.Typical, chip.Name);
            Assert.True(chip.ChipEraseTime.Maximum >= chip.ChipEraseTime.Typical, chip.Name);
            if (chip.Program == ProgramModel.Page)
                Assert.True(chip.PageSize > 0 && chip.SizeBytes % chip.PageSize == 0, chip.Name);
        }
    }

    [Fact]
    public void Every_chip_a_drive_names_is_in_the_chip_table()
    {
        foreach (var drive in ProfileCatalog.Drives)
            foreach (var name in drive.Chips)
                Assert.True(ProfileCatalog.FindChip(name) is not null, $"{drive.Name} names unknown chip {name}");
    }

    [Theory]
    [InlineData(0xBF, 0xD8, "SST39VF080", 1048576, 4096)]
    [InlineData(0xBF, 0xD9, "SST39VF016", 2097152, 4096)]
    [InlineData(0x01, 0xD5, "Am29F080B", 1048576, 65536)]
    [InlineData(0x01, 0xAD, "Am29F016D", 2097152, 65536)]
    public void Large_parts_are_real_parts(byte manufacturer, byte device, string name, int size, int sector)
    {
        var chip = ProfileCatalog.FindChip(manufacturer, device);
        Assert.NotNull(chip);
        Assert.Equal(name, chip.Name);
        Assert.Equal(size, chip.SizeBytes);
        Assert.All(chip.Sectors, s => Assert.Equal(sector, s.Size));
    }

    /// <summary>
    /// Eon EN25P80/EN25P16 data sheets: uniform 64 KiB sectors erased with SECTOR ERASE D8h, no 4 KiB 20h erase (a 20h
    /// would erase nothing). The W25P20 follows its family's W25P80/16 data sheet (graded R: no W25P20 data sheet seen).
    /// </summary>
    [Theory]
    [InlineData("EN25P80", 0x100000, "D")]
    [InlineData("EN25P16", 0x200000, "D")]
    [InlineData("W25P20", 0x40000, "R")]
    public void Uniform_64_KiB_SPI_parts_erase_whole_64_KiB_sectors_with_D8h(string name, int size, string grade)
    {
        var chip = ProfileCatalog.FindChip(name)!;

        Assert.Equal(size, chip.SizeBytes);
        Assert.Equal((byte)0xD8, chip.Spi!.SectorEraseOpcode);
        Assert.Equal(size / 0x10000, chip.Sectors.Count);
        Assert.All(chip.Sectors, s => Assert.Equal(0x10000, s.Size));
        Assert.Equal(grade, chip.Grade);
    }
}
