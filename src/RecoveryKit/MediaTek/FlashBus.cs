using RecoveryKit.Profiles;

namespace RecoveryKit.MediaTek;

/// <summary>
/// A parallel flash bus reached through vendor mode: one byte read or written per call (PROTOCOL.md §4). The JEDEC
/// engine (<see cref="FlashChip"/>) talks only to this; the framing — MtkFlash's SC codes (<see cref="Mailbox"/>) or
/// the command register (<see cref="CommandRegisterMailbox"/>) — is the profile's choice (flashrom's par_master).
/// </summary>
public interface IFlashBus
{
    /// <summary>Reads one byte from the flash bus.</summary>
    byte Read(uint address);

    /// <summary>Writes one byte to the flash bus (a command cycle or program data).</summary>
    void Write(uint address, byte data);

    /// <summary>Tells the bus the size of the part behind it, once identified.</summary>
    void UseChipSize(int sizeBytes);

    /// <summary>How long the last <see cref="Read"/> took before the drive sampled the flash (a completion poll starts that much early).</summary>
    TimeSpan ReadSampleLatency { get; }

    /// <summary>Flash-bus cycles done (reads + writes).</summary>
    long Cycles { get; }
}

/// <summary>
/// An SPI master reached through vendor mode (PROTOCOL.md §5b): one SPI transaction per call — the bytes sent, then
/// the bytes clocked back — whatever buffer and execute commands carry it (flashrom's spi_master).
/// </summary>
public interface ISpiBus
{
    /// <summary>Sends <paramref name="command"/> in one transaction and fills <paramref name="reply"/> with the bytes clocked back after it.</summary>
    void Transact(ReadOnlySpan<byte> command, Span<byte> reply);

    /// <summary>SPI transactions done.</summary>
    long Transactions { get; }
}

/// <summary>
/// What the flasher needs from a flash engine, parallel (JEDEC) or SPI: geometry, reads, erase, programming of the
/// bytes of a sector that must change, and the check that the part accepts writes at all.
/// </summary>
public interface IFlashEngine
{
    ChipSpec Spec { get; }

    /// <summary>Reads <paramref name="buffer"/>.Length bytes from <paramref name="address"/>.</summary>
    void Read(uint address, Span<byte> buffer);

    /// <summary>Reads and keeps only values two reads agree on (for backups).</summary>
    void ReadConfirmed(uint address, Span<byte> buffer);

    /// <summary>
    /// Before the first erase: makes sure the part accepts writes (SPI: the status register's protection bits are
    /// cleared, or a typed refusal when WP# holds them). Parallel parts need nothing.
    /// </summary>
    void PrepareWrite();

    void EraseSector(FlashSector sector);

    void EraseChip();

    /// <summary>
    /// Programs the bytes of <paramref name="sector"/> that must change from <paramref name="have"/> to
    /// <paramref name="want"/> (<paramref name="erased"/>: the sector was just erased, so FFh needs nothing).
    /// Returns the program operations sent (bytes or pages).
    /// </summary>
    int ProgramSector(FlashSector sector, ReadOnlySpan<byte> want, ReadOnlySpan<byte> have, bool erased);

    /// <summary>Where a command cycle aimed near <paramref name="near"/> lands (JEDEC unlock cycles), or null when the engine sends none to the array.</summary>
    uint? CommandAddressNear(uint near);
}
