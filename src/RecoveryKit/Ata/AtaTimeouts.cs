using RecoveryKit.Profiles;

namespace RecoveryKit.Ata;

/// <summary>
/// Every wait the host makes, with its limit. Defaults follow ATA/ATAPI-6 and libata practice; the waits a drive
/// may need differently (post-reset delay, IDENTIFY response window, PACKET deadline and byte cap) come from
/// drives.json — its defaults in <see cref="Default"/>, a drive's own values through <see cref="DriveProfile.HostTimeouts"/>.
/// </summary>
public sealed record AtaTimeouts
{
    private static readonly Lazy<AtaTimeouts> LazyDefault = new(() => ProfileCatalog.DefaultHostTimeouts);
    private static readonly Lazy<AtaTimeouts> LazyScan = new(() => Default with
    {
        NotBusy = TimeSpan.FromSeconds(1),
        Reset = TimeSpan.FromSeconds(3),
        Command = TimeSpan.FromSeconds(2),
        Packet = TimeSpan.FromSeconds(5),
    });

    /// <summary>BSY to clear before a device select or command may be written.</summary>
    public TimeSpan NotBusy { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>BSY to clear after a reset (ATA allows 31 s; drives spinning up take several).</summary>
    public TimeSpan Reset { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A non-data or PIO-in command to finish (IDENTIFY, DEVICE RESET).</summary>
    public TimeSpan Command { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A packet command to finish (MMC commands can take long while a disc spins up).</summary>
    public TimeSpan Packet { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// After the command register write, how long a present device may take to show BSY, DRQ or ERR (the boot
    /// code's window for aborting IDENTIFY DEVICE). drives.json: identifyResponseMs.
    /// </summary>
    public TimeSpan Response { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// After a reset (SRST released, or DEVICE RESET written), the pause before the first status read: ATA asks
    /// at least 2 ms after SRST, libata sleeps 150 ms. drives.json: postResetDelayMs.
    /// </summary>
    public TimeSpan PostReset { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>The overall limit of one PACKET command's data phase (never shorter than the command's timeout). drives.json: packetDeadlineMs.</summary>
    public TimeSpan PacketDeadline { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bytes a PACKET data phase may move beyond the command's buffer before the host gives up. drives.json: packetByteCap.</summary>
    public int PacketByteCap { get; init; } = 65536;

    /// <summary>The host waits of drives.json's defaults (what applies before a drive's profile is known).</summary>
    public static AtaTimeouts Default => LazyDefault.Value;

    /// <summary>Short limits for scanning a bench PC's positions: a dead drive is reported, not waited on.</summary>
    public static AtaTimeouts Scan => LazyScan.Value;
}
