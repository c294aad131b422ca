using RecoveryKit.Profiles;

namespace RecoveryKit.Emulation.Spi;

/// <summary>
/// One SPI NOR part as the emulator models it: the drive side's own table, kept apart from the host's chip table on
/// purpose, so that a wrong ID, size or opcode in the host's data shows up as a disagreement with the virtual drive.
/// IDs and sizes are PROTOCOL.md §5b [V-dec]; chip-erase opcodes by manufacturer are §5b (60h SST, 62h Atmel, C7h
/// others); the times are of each part's datasheet class (typical/maximum) and graded in <see cref="TimesGrade"/>.
/// </summary>
/// <param name="Name">Part name.</param>
/// <param name="ManufacturerId">REMS byte 0 (90h 00 00 00).</param>
/// <param name="DeviceId">REMS byte 1.</param>
/// <param name="SizeBytes">Array size.</param>
/// <param name="ChipEraseOpcode">The one chip-erase opcode the part obeys; the others are ignored.</param>
/// <param name="NeedsEwsr">SST: WRSR is accepted only in the transaction right after EWSR 50h (WREN does not enable it).</param>
/// <param name="BpBits">Block-protect bits in the status register (from bit 2 up).</param>
/// <param name="BpUnit">Bytes protected at the top of the array by BP = 1; each step doubles it; all ones = the whole array.</param>
/// <param name="BpSetAtPowerUp">The BP bits read all ones after power-up (SST25xF0x0 datasheets): the host must unlock every session.</param>
/// <param name="PageProgram">PAGE PROGRAM 02h, 256-byte page.</param>
/// <param name="SectorErase">SECTOR ERASE (<paramref name="SectorEraseOpcode"/>, <paramref name="SectorBytes"/>).</param>
/// <param name="ChipErase">Chip erase.</param>
/// <param name="StatusWrite">WRSR cycle time.</param>
/// <param name="TimesGrade">How the times are known.</param>
/// <param name="SectorEraseOpcode">The part's smallest erase: 20h (4 KiB, PROTOCOL.md §5b) or D8h on the 64 KiB uniform-sector
/// Winbond W25P and Eon EN25P parts (their datasheets have no 4 KiB erase; §5b's "20h for all" does not hold for them).</param>
/// <param name="SectorBytes">Bytes that erase clears.</param>
public sealed record SpiPart(string Name, byte ManufacturerId, byte DeviceId, int SizeBytes, byte ChipEraseOpcode, bool NeedsEwsr,
    int BpBits, int BpUnit, bool BpSetAtPowerUp, DatasheetTime PageProgram, DatasheetTime SectorErase, DatasheetTime ChipErase,
    DatasheetTime StatusWrite, string TimesGrade, byte SectorEraseOpcode = 0x20, int SectorBytes = SpiPart.SectorSize)
{
    public const int PageSize = 256;
    public const int SectorSize = 0x1000;

    /// <summary>
    /// SST 25-series: 02h is BYTE-PROGRAM (SST25VF020 datasheet [D]: one byte, tBP 20 µs), so a program takes
    /// <see cref="PageProgram"/> (the time of a 256-byte page, 256 byte programs) times the bytes sent over 256. A host
    /// that sends one byte per 02h waits tBP; one that sends a page (JungleFlasher's framing, §5b) waits 256 tBP.
    /// </summary>
    public bool ProgramsByTheByte { get; init; }

    /// <summary>The status-register bits WRSR can change: the BP field and bit 7 (SRWD, or BPL on SST parts).</summary>
    public byte WritableStatusMask => (byte)(0x80 | (((1 << BpBits) - 1) << 2));

    /// <summary>The BP field's value in <paramref name="status"/>.</summary>
    public int BpValue(byte status) => (status >> 2) & ((1 << BpBits) - 1);

    /// <summary>The first protected address for a BP value (SizeBytes: nothing protected): the top of the array is protected.</summary>
    public int ProtectedFrom(int bp)
    {
        if (bp == 0)
            return SizeBytes;
        if (bp == (1 << BpBits) - 1)
            return 0;
        var protectedBytes = (long)BpUnit << (bp - 1);
        return protectedBytes >= SizeBytes ? 0 : SizeBytes - (int)protectedBytes;
    }
}

/// <summary>The SPI parts of PROTOCOL.md §5b, by name.</summary>
public static class SpiParts
{
    private static DatasheetTime Ms(double typical, double maximum) => new(TimeSpan.FromMilliseconds(typical), TimeSpan.FromMilliseconds(maximum));

    private const string ClassTimes = "R: times of the part's datasheet class (2005-2008 SPI NOR), not checked against this part's own datasheet";

    // 256 KiB parts: two BP bits (64 KiB, 128 KiB, all); 1 and 2 MiB parts: three (64 KiB doubling up to all).
    private static SpiPart Small(string name, byte manufacturer, byte device, byte chipErase = 0xC7) =>
        new(name, manufacturer, device, 0x40000, chipErase, false, 2, 0x10000, false,
            Ms(1.4, 5), Ms(60, 200), Ms(2000, 4000), Ms(5, 15), ClassTimes);

    private static SpiPart Large(string name, byte manufacturer, byte device, int size) =>
        new(name, manufacturer, device, size, 0xC7, false, 3, 0x10000, false,
            Ms(1.5, 5), Ms(60, 300), Ms(size / 0x40000 * 2000.0, size / 0x40000 * 4000.0), Ms(10, 15), ClassTimes);

    // Winbond W25P and Eon EN25P: uniform 64 KiB sectors erased by D8h, no 4 KiB erase (W25P80/16 and EN25P20/32
    // datasheets: "sectors of 256 pages (64K bytes)", "Four 64-Kbyte sectors"); sector erase 800 ms typical (EN25P20).
    private static SpiPart Uniform64K(SpiPart part) =>
        part with
        {
            SectorEraseOpcode = 0xD8, SectorBytes = 0x10000, SectorErase = Ms(800, 2000),
            TimesGrade = "D (64 KiB uniform sectors, D8h; EN25P20 datasheet: 800 ms typical sector erase, 1.5 ms page) / R (maxima)",
        };

    // SST25LF020/25VF020: byte program (20 us max) has no page mode; a 256-byte PAGE PROGRAM is modelled as 256 byte
    // programs' worth of time. Sector erase 25 ms max, chip erase 100 ms max, BP bits set at power-up, WRSR only after EWSR.
    private static SpiPart Sst(string name) =>
        new(name, 0xBF, 0x43, 0x40000, 0x60, true, 2, 0x10000, true,
            Ms(3.6, 5.2), Ms(18, 25), Ms(70, 100), Ms(0.01, 0.02),
            "D (SST25VF020 datasheet class: tBP 20 us, tSE 25 ms, tSCE 100 ms maximum); the page time is 256 byte programs") { ProgramsByTheByte = true };

    private static readonly SpiPart[] All =
    [
        Sst("SST25VF020"),
        Sst("SST25LF020"),
        Uniform64K(Small("W25P20", 0xEF, 0x11)),
        Small("PM25LV020", 0x9D, 0x7D),
        Small("W25B20", 0xEF, 0x31),
        Small("A25L20P", 0x37, 0x11),
        Small("MX25L2005", 0xC2, 0x11),
        Small("S25FL002D", 0x10, 0x00),
        Uniform64K(Large("EN25P80", 0x1C, 0x13, 0x100000)),
        Uniform64K(Large("W25P80", 0xEF, 0x13, 0x100000)),
        Large("MX25L8005", 0xC2, 0x13, 0x100000),
        Uniform64K(Large("EN25P16", 0x1C, 0x14, 0x200000)),
        Uniform64K(Large("W25P16", 0xEF, 0x14, 0x200000)),
        Large("MX25L1605D", 0xC2, 0x14, 0x200000),
    ];

    /// <summary>Every modelled part.</summary>
    public static IReadOnlyList<SpiPart> Parts => All;

    /// <summary>The part of that name (case-insensitive), or null.</summary>
    public static SpiPart? Find(string name) => All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
}
