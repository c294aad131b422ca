using System.Buffers.Binary;
using System.Text;
using RecoveryKit.Ata;
using RecoveryKit.Packet;

namespace RecoveryKit.Emulation;

/// <summary>What a virtual optical drive reports about itself.</summary>
public sealed record DriveIdentityStrings(string Vendor, string Product, string Revision, string Serial)
{
    /// <summary>The IDENTIFY PACKET DEVICE model string: INQUIRY vendor and product as drives show them ("LITE-ON DVDRW SOHW-832S").</summary>
    public string Model => $"{Vendor.TrimEnd()} {Product.TrimEnd()}";
}

/// <summary>
/// A healthy ATAPI optical drive: ATAPI signature after reset, IDENTIFY DEVICE aborted, IDENTIFY PACKET
/// DEVICE, and the PACKET protocol in PIO with INQUIRY, TEST UNIT READY, REQUEST SENSE, READ CAPACITY
/// and READ(10) (PROTOCOL.md §2).
/// </summary>
public class VirtualAtapiDrive : VirtualDevice
{
    private const byte ReasonCommand = 0x01; // CoD
    private const byte ReasonIn = 0x02;      // IO
    private readonly ushort[] _cdbWords = new ushort[6];
    private ushort[] _dataWords = new ushort[1024];
    private byte[] _pendingData = [];
    private int _pendingOffset;
    private int _byteCountLimit;
    private SenseData? _sense;
    private bool _unitAttention;

    public VirtualAtapiDrive(DriveIdentityStrings identity)
    {
        Identity = identity;
    }

    /// <summary>What INQUIRY and IDENTIFY PACKET DEVICE report; subclasses may change it (e.g. after a reflash).</summary>
    public DriveIdentityStrings Identity { get; protected set; }

    /// <summary>Whether a disc is in the tray.</summary>
    public bool HasMedium { get; set; }

    /// <summary>Blocks on the disc when <see cref="HasMedium"/>.</summary>
    public int MediumBlocks { get; set; } = 1000;

    /// <summary>How long a packet command keeps BSY after its CDB arrived.</summary>
    public TimeSpan CommandTime { get; set; } = TimeSpan.FromMicroseconds(200);

    /// <summary>The packet commands received, in order (opcodes).</summary>
    public List<byte> PacketOpcodes { get; } = [];

    /// <summary>The byte-count limit the host gave with the last PACKET command, as the device used it.</summary>
    public int LastEffectiveByteCountLimit { get; private set; }

    protected override void ResetCompleted()
    {
        PostSignature(packetDevice: true);
        Status = 0x00;
        ErrorRegister = 0x01;
        _unitAttention = true;
    }

    protected override void Execute(byte opcode)
    {
        switch (opcode)
        {
            case AtaCommand.IdentifyDevice:
                // ATAPI devices abort IDENTIFY DEVICE and post the signature so the host can tell them apart.
                PostSignature(packetDevice: true);
                Abort();
                break;
            case AtaCommand.IdentifyPacketDevice:
                BusyThen(TimeSpan.FromMicroseconds(100), SendIdentifyPacketData);
                break;
            case AtaCommand.DeviceReset:
                EndDataPhase();
                BusyThen(ResetTime, () => { ResetCompleted(); });
                break;
            case AtaCommand.Packet:
                StartPacket();
                break;
            default:
                ExecuteOther(opcode);
                break;
        }
    }

    /// <summary>Commands other than the standard ATAPI set; default: aborted.</summary>
    protected virtual void ExecuteOther(byte opcode) => Abort();

    private void SendIdentifyPacketData()
    {
        var words = new ushort[256];
        words[0] = 0x85C0; // ATAPI, CD/DVD (type 05h), removable, 12-byte packets
        PutAtaString(words, 10, 10, Identity.Serial);
        PutAtaString(words, 23, 4, Identity.Revision);
        PutAtaString(words, 27, 20, Identity.Model);
        words[49] = 0x0B00; // IORDY, LBA, DMA
        words[80] = 0x003E; // ATA/ATAPI-1..5
        BeginDataIn(words, 256, () => Complete((byte)(AtaStatus.Ready | AtaStatus.SeekComplete)));
    }

    private void StartPacket()
    {
        if ((Features & 0x01) != 0)
        {
            // This model transfers in PIO only.
            Abort();
            return;
        }
        var limit = LbaMid | (LbaHigh << 8);
        if (limit == 0)
        {
            Abort();
            return;
        }
        // A limit of FFFFh is treated as FFFEh: PIO transfers are whole words except the last.
        _byteCountLimit = limit == 0xFFFF ? 0xFFFE : limit;
        LastEffectiveByteCountLimit = _byteCountLimit;
        SectorCount = ReasonCommand;
        BusyThen(TimeSpan.FromMicroseconds(20), () =>
        {
            SectorCount = ReasonCommand;
            BeginDataOut(_cdbWords, 6, OnCdbReceived, interrupt: false);
        });
    }

    private void OnCdbReceived()
    {
        var cdb = new byte[12];
        for (var i = 0; i < 6; i++)
        {
            cdb[2 * i] = (byte)_cdbWords[i];
            cdb[2 * i + 1] = (byte)(_cdbWords[i] >> 8);
        }
        PacketOpcodes.Add(cdb[0]);
        BusyThen(CommandTime, () => RunCdb(cdb));
    }

    private void RunCdb(byte[] cdb)
    {
        var opcode = cdb[0];
        if (_unitAttention && opcode is not (ScsiOpcode.Inquiry or ScsiOpcode.RequestSense))
        {
            _unitAttention = false;
            Fail(new SenseData(0x6, 0x29, 0x00));
            return;
        }
        var reply = HandleCdb(cdb);
        if (reply.Sense is { } sense)
        {
            Fail(sense);
            return;
        }
        _sense = null;
        if (reply.DataIn is { Length: > 0 } data)
        {
            _pendingData = data;
            _pendingOffset = 0;
            OfferNextChunk();
            return;
        }
        Succeed();
    }

    /// <summary>One packet command's reply: data to send, or a CHECK CONDITION sense.</summary>
    protected readonly record struct PacketReply(byte[]? DataIn, SenseData? Sense)
    {
        public static PacketReply Good => new(null, null);
        public static PacketReply Data(byte[] data) => new(data, null);
        public static PacketReply Check(byte key, byte asc, byte ascq) => new(null, new SenseData(key, asc, ascq));
    }

    /// <summary>Runs one command block; subclasses add opcodes and call the base for the rest.</summary>
    protected virtual PacketReply HandleCdb(byte[] cdb)
    {
        switch (cdb[0])
        {
            case ScsiOpcode.TestUnitReady:
                return HasMedium ? PacketReply.Good : PacketReply.Check(0x2, 0x3A, 0x00);
            case ScsiOpcode.RequestSense:
            {
                var sense = _sense ?? (_unitAttention ? new SenseData(0x6, 0x29, 0x00) : new SenseData(0, 0, 0));
                _sense = null;
                _unitAttention = false;
                var raw = new byte[18];
                raw[0] = 0x70;
                raw[2] = sense.SenseKey;
                raw[7] = 10;
                raw[12] = sense.AdditionalSenseCode;
                raw[13] = sense.Qualifier;
                return PacketReply.Data(Truncate(raw, cdb[4]));
            }
            case ScsiOpcode.Inquiry:
            {
                if ((cdb[1] & 0x01) != 0)
                    return PacketReply.Check(0x5, 0x24, 0x00); // no VPD pages in this model
                var raw = new byte[36];
                raw[0] = 0x05; // CD/DVD device
                raw[1] = 0x80; // removable
                raw[3] = 0x32;
                raw[4] = 31;
                WriteAscii(raw.AsSpan(8, 8), Identity.Vendor);
                WriteAscii(raw.AsSpan(16, 16), Identity.Product);
                WriteAscii(raw.AsSpan(32, 4), Identity.Revision);
                var allocation = BinaryPrimitives.ReadUInt16BigEndian(cdb.AsSpan(3, 2));
                return PacketReply.Data(Truncate(raw, allocation));
            }
            case ScsiOpcode.ReadCapacity:
            {
                if (!HasMedium)
                    return PacketReply.Check(0x2, 0x3A, 0x00);
                var raw = new byte[8];
                BinaryPrimitives.WriteUInt32BigEndian(raw, (uint)(MediumBlocks - 1));
                BinaryPrimitives.WriteUInt32BigEndian(raw.AsSpan(4), 2048);
                return PacketReply.Data(raw);
            }
            case ScsiOpcode.Read10:
            {
                if (!HasMedium)
                    return PacketReply.Check(0x2, 0x3A, 0x00);
                var lba = BinaryPrimitives.ReadUInt32BigEndian(cdb.AsSpan(2, 4));
                var count = BinaryPrimitives.ReadUInt16BigEndian(cdb.AsSpan(7, 2));
                if (lba + (long)count > MediumBlocks)
                    return PacketReply.Check(0x5, 0x21, 0x00);
                var raw = new byte[count * 2048];
                for (var b = 0; b < count; b++)
                    FillBlock(raw.AsSpan(b * 2048, 2048), lba + (uint)b);
                return PacketReply.Data(raw);
            }
            default:
                return PacketReply.Check(0x5, 0x20, 0x00);
        }
    }

    /// <summary>The content of a disc block: its LBA repeated, so reads can be checked.</summary>
    public static void FillBlock(Span<byte> block, uint lba)
    {
        for (var i = 0; i + 4 <= block.Length; i += 4)
            BinaryPrimitives.WriteUInt32BigEndian(block[i..], lba);
    }

    private static byte[] Truncate(byte[] raw, int allocation) => allocation >= raw.Length ? raw : raw[..allocation];

    private static void WriteAscii(Span<byte> field, string text)
    {
        field.Fill((byte)' ');
        Encoding.ASCII.GetBytes(text.AsSpan(0, Math.Min(text.Length, field.Length)), field);
    }

    private void OfferNextChunk()
    {
        var remaining = _pendingData.Length - _pendingOffset;
        var chunk = Math.Min(remaining, _byteCountLimit);
        if (chunk < remaining && (chunk & 1) != 0)
            chunk--; // only the last transfer of a command may have an odd byte count
        LbaMid = (byte)chunk;
        LbaHigh = (byte)(chunk >> 8);
        SectorCount = ReasonIn;
        var words = (chunk + 1) / 2;
        if (_dataWords.Length < words)
            _dataWords = new ushort[words];
        for (var i = 0; i < words; i++)
        {
            var lo = _pendingData[_pendingOffset + 2 * i];
            var hi = 2 * i + 1 < chunk ? _pendingData[_pendingOffset + 2 * i + 1] : (byte)0;
            _dataWords[i] = (ushort)(lo | (hi << 8));
        }
        _pendingOffset += chunk;
        BeginDataIn(_dataWords, words, () =>
        {
            if (_pendingOffset < _pendingData.Length)
                BusyThen(TimeSpan.FromMicroseconds(20), OfferNextChunk);
            else
                Succeed();
        });
    }

    private void Succeed()
    {
        SectorCount = ReasonIn | ReasonCommand;
        Complete((byte)(AtaStatus.Ready | AtaStatus.SeekComplete));
    }

    private void Fail(SenseData sense)
    {
        _sense = sense;
        EndDataPhase();
        SectorCount = ReasonIn | ReasonCommand;
        var error = (byte)((sense.SenseKey << 4) | (sense.SenseKey == 0x5 ? AtaError.Aborted : 0));
        Complete((byte)(AtaStatus.Ready | AtaStatus.SeekComplete | AtaStatus.Error), error);
    }
}
