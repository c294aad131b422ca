using RecoveryKit.Ata;

namespace RecoveryKit.Emulation.Spi;

/// <summary>
/// A vendor-mode register dialect of an SPI drive, as the DRIVE speaks it (PROTOCOL.md §3 and §5b, [V-dec]). These are
/// the drive side's own constants, written from the protocol text and never read from the host's drive profiles, so
/// that a wrong profile value shows up as a drive that does not answer.
/// </summary>
/// <param name="Name">phat, slim or slim2.</param>
/// <param name="IntroKey">LBA low of the intro.</param>
/// <param name="IntroOpcode">Command-register opcode of the intro.</param>
/// <param name="BufferWrite">Opcode that stores LBAL at the buffer offset in LBAH:LBAM.</param>
/// <param name="BufferRead">Opcode that loads the buffer byte at LBAH:LBAM into LBAL.</param>
/// <param name="Execute">Opcode that clocks one SPI transaction.</param>
/// <param name="ExecuteEnd">phat only: the second command after execute (05h).</param>
/// <param name="Outro">Opcode sent before DEVICE RESET to leave vendor mode (§6).</param>
public sealed record SpiDialect(string Name, byte IntroKey, byte IntroOpcode, byte BufferWrite, byte BufferRead, byte Execute, byte? ExecuteEnd, byte Outro)
{
    public static SpiDialect Phat { get; } = new("phat", 0x2A, 0x80, 0x01, 0x00, 0x04, 0x05, 0x81);
    public static SpiDialect Slim { get; } = new("slim", 0xD9, 0x89, 0x68, 0x91, 0x1B, null, 0xF0);
    public static SpiDialect Slim2 { get; } = new("slim2", 0x79, 0x8D, 0x52, 0x1F, 0xC2, null, 0xBE);
}

/// <summary>Who made the drive: decides the count byte order, the buffer base and the vendor status (§5b).</summary>
public enum SpiDriveMaker
{
    /// <summary>Lite-On (PLDS): counts low byte first; 72h, or 52h when the first 200h flash bytes are not blank.</summary>
    LiteOn,
    /// <summary>BenQ: counts high byte first; 73h.</summary>
    BenQ,
}

/// <summary>
/// The drive firmware's side of the SPI buffer mailbox (PROTOCOL.md §5b): a byte buffer the host fills and reads through
/// DEV/LBAM/LBAH/LBAL and the dialect's write/read opcodes, and an execute opcode that makes the drive clock one SPI
/// transaction — send tx bytes from the start of the buffer, then clock rx bytes back into the buffer right after them —
/// with the counts in FEAT/SC (tx) and LBAM/LBAH (rx). On the phat dialect the execute (04h) leaves CS# low and the
/// following 05h raises it [R: 05h's meaning is not published; modelled as the end of the transaction, so a program or
/// erase starts only on 05h]. The drive is busy (BSY with its vendor status) while a transaction runs.
/// </summary>
public sealed class SpiBufferMailbox
{
    /// <summary>Buffer bytes [R: not published; 1 KiB holds a 4-byte command and a 256-byte page with room to spare].</summary>
    public const int BufferSize = 0x400;

    /// <summary>SPI clocking time per byte and the firmware's overhead per execute [R].</summary>
    public static readonly TimeSpan ByteTime = TimeSpan.FromMicroseconds(1);
    public static readonly TimeSpan ExecuteOverhead = TimeSpan.FromMicroseconds(20);

    private readonly byte[] _buffer = new byte[BufferSize];
    private byte _features;
    private byte _sectorCount;
    private byte _lbaLow;
    private byte _lbaMid;
    private byte _lbaHigh;
    private bool _awaitingEnd;

    public SpiBufferMailbox(SpiChipModel chip, SpiDialect dialect, SpiDriveMaker maker)
    {
        Chip = chip;
        Dialect = dialect;
        Maker = maker;
        _buffer.AsSpan().Fill(0xFF);
    }

    public SpiChipModel Chip { get; }
    public SpiDialect Dialect { get; }
    public SpiDriveMaker Maker { get; }

    /// <summary>8800h on a phat Lite-On drive, 0000h on slim drives and BenQ (§5b).</summary>
    public int BufferBase => Dialect == SpiDialect.Phat && Maker == SpiDriveMaker.LiteOn ? 0x8800 : 0x0000;

    /// <summary>Lite-On: tx = FEAT | SC&lt;&lt;8, rx = LBAM | LBAH&lt;&lt;8; BenQ: high byte first.</summary>
    public bool CountsLowByteFirst => Maker == SpiDriveMaker.LiteOn;

    /// <summary>The byte LBAL reads back (the last buffer read).</summary>
    public byte DataOut { get; private set; }

    /// <summary>The outro opcode has been received: the mailbox is closed until the next intro.</summary>
    public bool OutroReceived { get; private set; }

    /// <summary>What the buffer holds (for tests).</summary>
    public ReadOnlySpan<byte> Buffer => _buffer;

    public long BufferWrites { get; private set; }
    public long BufferReads { get; private set; }
    public long Executes { get; private set; }

    /// <summary>Buffer accesses outside the buffer, counts that do not fit, commands out of order, or opcodes the dialect does not have.</summary>
    public long ProtocolErrors { get; private set; }

    /// <summary>The (tx, rx) counts of the last execute, as the drive decoded them.</summary>
    public (int Tx, int Rx) LastCounts { get; private set; }

    /// <summary>Faults: the N-th buffer write is lost, the N-th buffer read (or a random one) returns a flipped bit, the drive hangs after N executes.</summary>
    internal MtkFaultPlan Faults { get; set; } = new();

    internal Random Random { get; set; } = new(1);

    /// <summary>The drive's controller hung (a stuck-busy fault): BSY until power-cycled.</summary>
    public bool HangRequested { get; private set; }

    /// <summary>The status the drive answers the intro with: 73h on BenQ; 72h on Lite-On with a blank first 200h bytes, else 52h (§3, §5b).</summary>
    public byte VendorStatus()
    {
        if (Maker == SpiDriveMaker.BenQ)
            return 0x73;
        var head = Chip.Contents[..Math.Min(0x200, Chip.Contents.Length)];
        return head.IndexOfAnyExcept((byte)0xFF) < 0 ? (byte)0x72 : (byte)0x52;
    }

    /// <summary>Variant lockedHidesFlash in a session entered at 52h: no SPI transaction reaches the chip, every reply byte reads FFh.</summary>
    public bool HidesFlash { get; set; }

    /// <summary>A new vendor session (intro accepted, or power-up).</summary>
    public void Reset()
    {
        OutroReceived = false;
        HangRequested = false;
        if (_awaitingEnd)
            Chip.Deselect();
        _awaitingEnd = false;
    }

    /// <summary>A task-file register write while the drive is selected and not busy.</summary>
    public void Latch(TaskFileRegister register, byte value)
    {
        switch (register)
        {
            case TaskFileRegister.ErrorFeatures: _features = value; break;
            case TaskFileRegister.SectorCount: _sectorCount = value; break;
            case TaskFileRegister.LbaLow: _lbaLow = value; break;
            case TaskFileRegister.LbaMid: _lbaMid = value; break;
            case TaskFileRegister.LbaHigh: _lbaHigh = value; break;
        }
    }

    /// <summary>A register read in vendor mode (status and device are the drive's).</summary>
    public byte Read(TaskFileRegister register) => register switch
    {
        TaskFileRegister.LbaLow => DataOut,
        TaskFileRegister.LbaMid => _lbaMid,
        TaskFileRegister.LbaHigh => _lbaHigh,
        TaskFileRegister.SectorCount => _sectorCount,
        _ => 0x00,
    };

    /// <summary>A command-register opcode in vendor mode. Returns how long the drive stays busy (zero: done at once).</summary>
    public TimeSpan Command(byte opcode)
    {
        if (OutroReceived)
        {
            ProtocolErrors++;
            return TimeSpan.Zero;
        }
        if (opcode == Dialect.Outro)
        {
            if (_awaitingEnd)
                EndTransaction();
            OutroReceived = true;
            return TimeSpan.Zero;
        }
        if (Dialect.ExecuteEnd is { } end && opcode == end)
        {
            if (!_awaitingEnd)
            {
                ProtocolErrors++;
                return TimeSpan.Zero;
            }
            EndTransaction();
            return ExecuteOverhead;
        }
        if (opcode == Dialect.BufferWrite)
        {
            BufferWrites++;
            if (Offset() is { } at)
            {
                if (BufferWrites != Faults.DropWriteNumber)
                    _buffer[at] = _lbaLow;
            }
            return TimeSpan.Zero;
        }
        if (opcode == Dialect.BufferRead)
        {
            BufferReads++;
            if (Offset() is { } at)
            {
                var value = _buffer[at];
                if (BufferReads == Faults.FlipReadNumber || (Faults.FlipReadProbability > 0 && Random.NextDouble() < Faults.FlipReadProbability))
                    value ^= (byte)(1 << Random.Next(8));
                DataOut = value;
            }
            return TimeSpan.Zero;
        }
        if (opcode == Dialect.Execute)
            return Execute();
        ProtocolErrors++;
        return TimeSpan.Zero;
    }

    private int? Offset()
    {
        var offset = ((_lbaHigh << 8) | _lbaMid) - BufferBase;
        if (offset is >= 0 and < BufferSize)
            return offset;
        ProtocolErrors++;
        return null;
    }

    private TimeSpan Execute()
    {
        Executes++;
        int tx, rx;
        if (CountsLowByteFirst)
        {
            tx = _features | (_sectorCount << 8);
            rx = _lbaMid | (_lbaHigh << 8);
        }
        else
        {
            tx = (_features << 8) | _sectorCount;
            rx = (_lbaMid << 8) | _lbaHigh;
        }
        LastCounts = (tx, rx);
        if (tx + rx > BufferSize)
        {
            ProtocolErrors++;
            return ExecuteOverhead;
        }
        if (HidesFlash)
        {
            _buffer.AsSpan(tx, rx).Fill(0xFF);
            return ExecuteOverhead + (ByteTime * (tx + rx));
        }
        if (_awaitingEnd)
            ProtocolErrors++; // phat: a second execute before 05h runs on inside the same CS# low transaction
        else
            Chip.Select();
        for (var i = 0; i < tx; i++)
            Chip.Exchange(_buffer[i]);
        for (var i = 0; i < rx; i++)
            _buffer[tx + i] = Chip.Exchange(0x00);
        if (Dialect.ExecuteEnd is null)
            Chip.Deselect();
        else
            _awaitingEnd = true;
        if (Faults.StuckBusyAfterCommits > 0 && Executes == Faults.StuckBusyAfterCommits)
            HangRequested = true;
        return ExecuteOverhead + (ByteTime * (tx + rx));
    }

    private void EndTransaction()
    {
        _awaitingEnd = false;
        Chip.Deselect();
    }
}
