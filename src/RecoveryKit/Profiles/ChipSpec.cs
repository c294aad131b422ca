namespace RecoveryKit.Profiles;

/// <summary>How a part is programmed.</summary>
public enum ProgramModel
{
    /// <summary>JEDEC byte program: unlock, A0h, address ← data; erase first.</summary>
    Byte,
    /// <summary>Page write with automatic erase (Winbond W29C0x0): unlock, A0h, then a whole page of loads.</summary>
    Page,
}

/// <summary>Which bus a part sits on behind the drive.</summary>
public enum FlashBusKind
{
    /// <summary>Parallel NOR with JEDEC/SST command cycles (PROTOCOL.md §5).</summary>
    Parallel,
    /// <summary>SPI NOR behind the drive's byte buffer (PROTOCOL.md §5b).</summary>
    Spi,
}

/// <summary>What an SPI part needs beyond the common fields: erase opcodes, EWSR, status-register write time.</summary>
public sealed record SpiChipCommands(byte SectorEraseOpcode, byte ChipEraseOpcode, bool NeedsEwsr, DatasheetTime StatusWriteTime);

/// <summary>A typical and a maximum duration from a datasheet.</summary>
public readonly record struct DatasheetTime(TimeSpan Typical, TimeSpan Maximum);

/// <summary>One erase sector of a chip.</summary>
public readonly record struct FlashSector(int Index, uint Start, int Size)
{
    public uint End => Start + (uint)Size;
}

/// <summary>A flash part from the chip table (chips.json): IDs, geometry, command addresses and datasheet times.</summary>
public sealed class ChipSpec
{
    private readonly FlashSector[] _sectors;

    /// <summary>The supply voltage from the datasheet as MtkFlash printed it ("5.0"), when the chip table has it.</summary>
    public string? SupplyVolts { get; init; }

    internal ChipSpec(string name, string manufacturer, byte manufacturerId, byte deviceId, int sizeBytes, FlashSector[] sectors,
        uint unlockFirst, uint unlockSecond, uint unlockMask, ProgramModel program, int pageSize, TimeSpan pageLoadWindow,
        DatasheetTime programTime, DatasheetTime sectorEraseTime, DatasheetTime chipEraseTime, string grade, string source)
    {
        Name = name;
        Manufacturer = manufacturer;
        ManufacturerId = manufacturerId;
        DeviceId = deviceId;
        SizeBytes = sizeBytes;
        _sectors = sectors;
        UnlockFirst = unlockFirst;
        UnlockSecond = unlockSecond;
        UnlockMask = unlockMask;
        Program = program;
        PageSize = pageSize;
        PageLoadWindow = pageLoadWindow;
        ProgramTime = programTime;
        SectorEraseTime = sectorEraseTime;
        ChipEraseTime = chipEraseTime;
        Grade = grade;
        Source = source;
    }

    public string Name { get; }
    public string Manufacturer { get; }
    public byte ManufacturerId { get; }
    public byte DeviceId { get; }
    public int SizeBytes { get; }
    public IReadOnlyList<FlashSector> Sectors => _sectors;

    /// <summary>First unlock cycle address (5555h or 555h).</summary>
    public uint UnlockFirst { get; }

    /// <summary>Second unlock cycle address (2AAAh or 2AAh).</summary>
    public uint UnlockSecond { get; }

    /// <summary>Address bits the part decodes in command cycles; higher bits are don't-care.</summary>
    public uint UnlockMask { get; }

    public ProgramModel Program { get; }

    /// <summary>Page size for <see cref="ProgramModel.Page"/> parts.</summary>
    public int PageSize { get; }

    /// <summary>
    /// For <see cref="ProgramModel.Page"/> parts: the byte-load window (the datasheet's TBLC maximum). Each load must
    /// follow the previous one within it; once no load comes for this long the part starts its write cycle.
    /// </summary>
    public TimeSpan PageLoadWindow { get; }

    /// <summary>Byte program time (or page write cycle time for page parts).</summary>
    public DatasheetTime ProgramTime { get; }

    public DatasheetTime SectorEraseTime { get; }

    public DatasheetTime ChipEraseTime { get; }

    /// <summary>Parallel (JEDEC) or SPI.</summary>
    public FlashBusKind Bus { get; init; } = FlashBusKind.Parallel;

    /// <summary>For SPI parts: erase opcodes, EWSR and tW (null on parallel parts).</summary>
    public SpiChipCommands? Spi { get; init; }

    /// <summary>Evidence grade of this row.</summary>
    public string Grade { get; }

    /// <summary>Where the values come from.</summary>
    public string Source { get; }

    /// <summary>The sector holding <paramref name="address"/>.</summary>
    public FlashSector SectorAt(uint address)
    {
        if (address >= SizeBytes)
            throw new ArgumentOutOfRangeException(nameof(address));
        // Uniform maps (all parts in the table) index directly; non-uniform ones search.
        var first = _sectors[0];
        if (_sectors.Length * first.Size == SizeBytes && _sectors[^1].Size == first.Size)
            return _sectors[address / (uint)first.Size];
        foreach (var sector in _sectors)
        {
            if (address < sector.End)
                return sector;
        }
        return _sectors[^1];
    }

    public override string ToString() => $"{Manufacturer} {Name} ({ManufacturerId:X2}h/{DeviceId:X2}h, {SizeBytes / 1024} KiB{(Bus == FlashBusKind.Spi ? ", SPI" : "")})";
}
