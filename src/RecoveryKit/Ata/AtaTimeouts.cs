namespace RecoveryKit.Ata;

/// <summary>Every wait the host makes, with its limit. Defaults follow ATA/ATAPI-6 and libata practice.</summary>
public sealed record AtaTimeouts
{
    /// <summary>BSY to clear before a device select or command may be written.</summary>
    public TimeSpan NotBusy { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>BSY to clear after a reset (ATA allows 31 s; drives spinning up take several).</summary>
    public TimeSpan Reset { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A non-data or PIO-in command to finish (IDENTIFY, DEVICE RESET).</summary>
    public TimeSpan Command { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A packet command to finish (MMC commands can take long while a disc spins up).</summary>
    public TimeSpan Packet { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>After the command register write, how long a present device may take to show BSY or DRQ.</summary>
    public TimeSpan Response { get; init; } = TimeSpan.FromMilliseconds(1);

    public static AtaTimeouts Default { get; } = new();

    /// <summary>Short limits for scanning a bench PC's positions: a dead drive is reported, not waited on.</summary>
    public static AtaTimeouts Scan { get; } = new() { NotBusy = TimeSpan.FromSeconds(1), Reset = TimeSpan.FromSeconds(3), Command = TimeSpan.FromSeconds(2), Packet = TimeSpan.FromSeconds(5) };
}
