using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;

namespace RecoveryKit.Packet;

/// <summary>
/// An ATA command wrapped in SCSI ATA PASS-THROUGH(16) (SAT, opcode 85h), for drives behind SG_IO or SPTI.
/// There is deliberately no 12-byte form: its opcode A1h is BLANK on an MMC (optical) device, so a pass-through(12)
/// sent to a CD/DVD writer can erase the disc in it. Instances only come from the named factories.
/// </summary>
public sealed class AtaPassThroughCdb
{
    /// <summary>SCSI operation code of ATA PASS-THROUGH(16).</summary>
    public const byte OperationCode = 0x85;

    /// <summary>CDB length: always 16.</summary>
    public const int Length = 16;

    /// <summary>PROTOCOL field values (SAT): PIO Data-In.</summary>
    private const byte ProtocolPioDataIn = 4;

    /// <summary>Byte 2: T_DIR = from device (bit 3), BYTE_BLOCK = blocks (bit 2), T_LENGTH = COUNT field (2).</summary>
    private const byte TransferFromDeviceInBlocksOfCount = 0x08 | 0x04 | 0x02;

    private readonly byte[] _bytes;

    private AtaPassThroughCdb(byte[] bytes) => _bytes = bytes;

    /// <summary>The 16 CDB bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Bytes the command returns in its data-in phase.</summary>
    public int DataLength { get; private init; }

    /// <summary>IDENTIFY PACKET DEVICE (ATA A1h): PIO data-in, one 512-byte block (PROTOCOL.md §2).</summary>
    public static AtaPassThroughCdb IdentifyPacketDevice() => PioDataInOneBlock(AtaCommand.IdentifyPacketDevice);

    private static AtaPassThroughCdb PioDataInOneBlock(byte ataCommand)
    {
        var cdb = new byte[Length];
        cdb[0] = OperationCode;
        cdb[1] = ProtocolPioDataIn << 1; // MULTIPLE_COUNT 0, EXTEND 0
        cdb[2] = TransferFromDeviceInBlocksOfCount; // CK_COND 0, OFF_LINE 0
        cdb[6] = 1; // COUNT (7:0): one block
        cdb[13] = 0; // DEVICE: the SAT layer selects the device itself
        cdb[14] = ataCommand;
        return new AtaPassThroughCdb(cdb) { DataLength = 512 };
    }
}

/// <summary>ATA commands sent through an OS SCSI pass-through (SG_IO, SPTI) wrapped in ATA PASS-THROUGH(16).</summary>
public static class AtaPassThrough
{
    private static readonly TimeSpan IdentifyTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// IDENTIFY PACKET DEVICE through the SCSI/ATA translation layer. Returns null, with the sense, when the layer
    /// refuses it (CHECK CONDITION): USB bridges and some SATA drivers do not pass ATA commands through.
    /// </summary>
    public static IdentifyData? IdentifyPacketDevice(IPacketTransport transport, out SenseData? sense)
    {
        var cdb = AtaPassThroughCdb.IdentifyPacketDevice();
        var block = new byte[cdb.DataLength];
        var result = transport.Execute(cdb.Bytes, block, DataDirection.In, IdentifyTimeout);
        sense = result.Sense;
        if (!result.IsGood)
            return null;
        if (result.Transferred < block.Length)
            throw new RecoveryKitException(FailureKind.DeviceTimeout, "identify-packet-device",
                $"{transport.Describe} returned {result.Transferred} of 512 IDENTIFY bytes", "Retry once; if it repeats, the drive or its bridge is unreliable");
        var words = new ushort[256];
        for (var i = 0; i < words.Length; i++)
            words[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(block.AsSpan(2 * i));
        return IdentifyData.Parse(words);
    }
}

/// <summary>Checks every CDB before an OS pass-through sends it.</summary>
public static class PacketCommandGuard
{
    /// <summary>MMC BLANK, which is also the opcode of ATA PASS-THROUGH(12).</summary>
    public const byte BlankOrAtaPassThrough12 = 0xA1;

    /// <summary>Throws <see cref="FailureKind.Usage"/> for a CDB RecoveryKit must never send.</summary>
    public static void Check(ReadOnlySpan<byte> cdb, int dataLength, DataDirection direction)
    {
        if (cdb.Length is < 6 or > 16)
            throw Refuse($"a {cdb.Length}-byte CDB; packet commands are 6 to 16 bytes");
        if (cdb[0] == BlankOrAtaPassThrough12)
            throw Refuse("opcode A1h, which an optical drive executes as BLANK (it is ATA PASS-THROUGH(12) only on disks)");
        if (cdb[0] == AtaPassThroughCdb.OperationCode && cdb.Length != AtaPassThroughCdb.Length)
            throw Refuse($"opcode 85h with {cdb.Length} bytes; ATA PASS-THROUGH(16) is 16 bytes");
        if (direction == DataDirection.None && dataLength != 0)
            throw Refuse("a data buffer with direction None");
        if (direction != DataDirection.None && dataLength == 0)
            throw Refuse($"direction {direction} with an empty data buffer");
    }

    private static RecoveryKitException Refuse(string what) =>
        new(FailureKind.Internal, "packet", $"refused to send {what}", "This is a bug in the caller; report it with the log");
}
