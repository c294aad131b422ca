namespace RecoveryKit.Emulation;

/// <summary>The operation a flash part is busy with (fault injection aims power cuts at one of them).</summary>
public enum FlashOperation
{
    None,
    /// <summary>A byte program (parallel) or a PAGE PROGRAM (SPI).</summary>
    Program,
    /// <summary>A sector (or SPI block) erase.</summary>
    SectorErase,
    ChipErase,
    /// <summary>A parallel page write (the part writes its loaded page).</summary>
    PageWrite,
    /// <summary>An SPI status-register write.</summary>
    StatusWrite,
}

/// <summary>
/// What a virtual MediaTek drive needs from the flash part behind its mailbox, whatever the part's bus: the array's
/// content (to decide whether the firmware boots), the drive's own whole-flash erase (a Lite-On erase trigger),
/// what a power cut leaves behind, and the settled content a programmer would read out. Implemented by the parallel
/// JEDEC model (<see cref="FlashChipModel"/>) and the SPI NOR model (<see cref="Spi.SpiChipModel"/>).
/// </summary>
public interface IDriveFlash
{
    /// <summary>The part's name (a chip-table or SPI part name).</summary>
    string PartName { get; }

    /// <summary>Bytes in the array.</summary>
    int SizeBytes { get; }

    /// <summary>What the array holds now.</summary>
    ReadOnlySpan<byte> Contents { get; }

    /// <summary>What the part is doing now (settled to the virtual clock): what a power cut at this moment would interrupt.</summary>
    FlashOperation Busy { get; }

    /// <summary>How long the drive's own whole-flash erase keeps it busy (the part's typical chip-erase time).</summary>
    TimeSpan WholeEraseTime { get; }

    /// <summary>The drive's own whole-flash erase (PROTOCOL.md §3 DANGER): every cell the part lets it erase to FFh.</summary>
    void EraseAll();

    /// <summary>Power is cut: an operation in progress is left half done.</summary>
    void PowerLoss(Random random);

    /// <summary>
    /// The array as a programmer left it, before the bench runs (--sim-load: a flash dumped by an earlier run's
    /// --sim-dump). <paramref name="contents"/> is exactly <see cref="SizeBytes"/> long; status bits are not changed.
    /// </summary>
    void Restore(ReadOnlySpan<byte> contents);

    /// <summary>The array once every started operation has run to its end (a copy).</summary>
    byte[] SettledContents();

    /// <summary>Each program/erase takes its typical time times a seeded factor in [min, max].</summary>
    void SetTimeFactor(double min, double max, int seed);
}
