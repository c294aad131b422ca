namespace RecoveryKit.Packet;

/// <summary>Direction of a packet command's data phase.</summary>
public enum DataDirection
{
    None,
    /// <summary>Device to host.</summary>
    In,
    /// <summary>Host to device.</summary>
    Out,
}

/// <summary>How a packet command ended.</summary>
public enum PacketOutcome
{
    /// <summary>GOOD status.</summary>
    Good,
    /// <summary>CHECK CONDITION; <see cref="PacketResult.Sense"/> says why.</summary>
    CheckCondition,
}

/// <summary>Result of one packet command that completed its protocol (failures of the protocol itself throw).</summary>
/// <param name="Outcome">GOOD or CHECK CONDITION.</param>
/// <param name="Transferred">Bytes actually moved in the data phase.</param>
/// <param name="Sense">Decoded sense data for CHECK CONDITION, else null.</param>
public readonly record struct PacketResult(PacketOutcome Outcome, int Transferred, SenseData? Sense)
{
    public bool IsGood => Outcome == PacketOutcome.Good;
}

/// <summary>
/// Sends SCSI/MMC command blocks to a drive: over ATAPI PACKET on raw registers, Linux SG_IO or Windows SPTI.
/// </summary>
public interface IPacketTransport
{
    /// <summary>What this transport reaches, for messages (e.g. "primary master 0x1F0", "/dev/sg1").</summary>
    string Describe { get; }

    /// <summary>
    /// Sends <paramref name="cdb"/> (6..16 bytes), moving at most <c>data.Length</c> bytes in <paramref name="direction"/>.
    /// Throws <see cref="RecoveryKitException"/> when the protocol itself fails (timeout, device gone).
    /// </summary>
    PacketResult Execute(ReadOnlySpan<byte> cdb, Span<byte> data, DataDirection direction, TimeSpan timeout);
}
