namespace RecoveryKit.Diagnostics;

/// <summary>
/// What kind of failure, which is also the process exit code the CLI returns (documented in README.md).
/// </summary>
public enum FailureKind
{
    /// <summary>An unexpected internal error (a bug): 1.</summary>
    Internal = 1,
    /// <summary>The command line was wrong: 2.</summary>
    Usage = 2,
    /// <summary>Nothing answers at the position, or the position/backend does not exist: 3.</summary>
    NoDevice = 3,
    /// <summary>The device is of the wrong class (e.g. an ATA hard disk where a drive was expected): 4.</summary>
    WrongDeviceClass = 4,
    /// <summary>The drive did not enter MediaTek vendor mode: 5.</summary>
    NotInVendorMode = 5,
    /// <summary>The flash chip did not identify or is not in the chip table: 6.</summary>
    ChipUnknown = 6,
    /// <summary>The firmware image could not be read or does not fit the drive: 7.</summary>
    ImageRejected = 7,
    /// <summary>Writing the flash failed; the report says what state each sector is in: 8.</summary>
    WriteFailed = 8,
    /// <summary>Read-back after writing did not match the image: 9.</summary>
    VerifyFailed = 9,
    /// <summary>The user cancelled (declined a confirmation or pressed Ctrl-C): 10.</summary>
    Cancelled = 10,
    /// <summary>The device stopped answering in the middle of a protocol step (timeout, bus error): 11.</summary>
    DeviceTimeout = 11,
    /// <summary>The machine does not allow what was asked (not root, lockdown, AHCI, kernel owns the channel): 12.</summary>
    Environment = 12,
    /// <summary>A file could not be read or written (missing, unreadable, disk full): 13.</summary>
    FileError = 13,
    /// <summary>
    /// The drive's own answers contradict the profile's flash addressing (a bank or the upper half of the chip reads
    /// as a copy of bank 0): writing would land in the boot code, so nothing was erased: 14.
    /// </summary>
    AddressingUnproven = 14,
    /// <summary>A replayed recording and the run disagree: the host did something the recorded session did not: 15.</summary>
    ReplayDiverged = 15,
    /// <summary>
    /// A drive of a MediaTek brand, or a device that cannot say what it is, shares the cable: vendor mode refused before
    /// anything was sent (or, after a --shared-channel session, that drive no longer answers as before): 16.
    /// </summary>
    SharedChannel = 16,
    /// <summary>
    /// The SPI flash's status register stays locked (SRWD with WP# held low on the board, PROTOCOL.md §5b): no command
    /// can clear it, so nothing was erased: 17.
    /// </summary>
    FlashProtected = 17,
}

/// <summary>
/// A typed failure: which stage, what was seen, and what the technician should do next.
/// </summary>
/// <param name="Kind">The class of failure (and exit code).</param>
/// <param name="Stage">The protocol or workflow stage, e.g. "select", "vendor-intro", "erase".</param>
/// <param name="Cause">What went wrong, in plain words, with the values seen.</param>
/// <param name="Advice">What to do next.</param>
public sealed record Failure(FailureKind Kind, string Stage, string Cause, string Advice)
{
    /// <summary>Status register seen last, when the failure came from the device.</summary>
    public byte? Status { get; init; }

    /// <summary>Error register seen last, when it was read.</summary>
    public byte? Error { get; init; }

    /// <summary>Extra detail for --verbose (register values, sector map, …).</summary>
    public string? Detail { get; init; }

    /// <summary>
    /// When a failure stopped a flash part-way: which sectors are old, new, erased or unknown. Null means nothing
    /// was erased or written by the step that failed.
    /// </summary>
    public string? SectorMap { get; init; }

    /// <summary>
    /// The same sector map, typed: one state per sector of the chip, in sector order (null when nothing was erased or
    /// written by the step that failed). Tools judge a run from this, never from <see cref="SectorMap"/>'s text.
    /// </summary>
    public IReadOnlyList<MediaTek.SectorState>? SectorStates { get; init; }

    /// <summary>For <see cref="FailureKind.ReplayDiverged"/>: where the run left the recording, and how.</summary>
    public ReplayDivergence? Divergence { get; init; }

    /// <summary>One line: stage, cause and advice.</summary>
    public override string ToString() => $"{Stage}: {Cause}. {Advice}";
}

/// <summary>Carries a <see cref="Failure"/> up to whoever renders it. The core never prints.</summary>
public sealed class RecoveryKitException : Exception
{
    public RecoveryKitException(Failure failure, Exception? inner = null)
        : base(failure.ToString(), inner)
    {
        Failure = failure;
    }

    public RecoveryKitException(FailureKind kind, string stage, string cause, string advice, Exception? inner = null)
        : this(new Failure(kind, stage, cause, advice), inner)
    {
    }

    public Failure Failure { get; }
}
