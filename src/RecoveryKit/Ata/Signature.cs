namespace RecoveryKit.Ata;

/// <summary>What the task file holds after a reset: sector count, LBA low/mid/high (PROTOCOL.md §2).</summary>
public readonly record struct Signature(byte SectorCount, byte LbaLow, byte LbaMid, byte LbaHigh)
{
    /// <summary>14h/EBh: an ATAPI (packet) device.</summary>
    public bool IsAtapi => LbaMid == 0x14 && LbaHigh == 0xEB;

    /// <summary>00h/00h: an ATA device (a hard disk).</summary>
    public bool IsAta => LbaMid == 0x00 && LbaHigh == 0x00;

    public override string ToString() => $"{SectorCount:X2}/{LbaLow:X2}/{LbaMid:X2}/{LbaHigh:X2}";
}

/// <summary>What is at a position.</summary>
public enum DeviceClass
{
    /// <summary>Nothing answers: the bus floats (FFh) or device 0 answers for an absent device 1.</summary>
    Empty,
    /// <summary>An ATAPI device (optical drive): a candidate for flashing.</summary>
    Atapi,
    /// <summary>An ATA device (hard disk). RecoveryKit never sends it a vendor command.</summary>
    Ata,
    /// <summary>BSY never cleared: dead, still resetting, or hung.</summary>
    StuckBusy,
    /// <summary>Something answers, but with neither signature (7Fh bus, junk).</summary>
    Unknown,
}
