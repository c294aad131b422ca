namespace RecoveryKit.Emulation.Spi;

/// <summary>
/// An SPI NOR flash part at command level (PROTOCOL.md §5b, datasheet behaviour): the drive lowers CS#, clocks bytes
/// through <see cref="Exchange"/> (one byte out on MOSI, one back on MISO) and raises CS#; program, erase and status
/// writes start when CS# goes high. Programming only clears bits and wraps inside its 256-byte page; PAGE PROGRAM,
/// SECTOR ERASE, CHIP ERASE and WRSR need WEL (set by WREN) and clear it when they finish; while WIP is set only RDSR
/// is answered; the BP bits protect the top of the array; SRWD (BPL on SST) with the WP# pin held low makes WRSR
/// ignored. Busy times come from the part's table on the virtual clock.
/// </summary>
public sealed class SpiChipModel : IDriveFlash
{
    private enum Operation
    {
        None,
        PageProgram,
        SectorErase,
        ChipErase,
        StatusWrite,
    }

    private readonly byte[] _cells;
    private readonly VirtualClock _clock;
    private readonly List<byte> _in = [];
    private readonly byte[] _page = new byte[SpiPart.PageSize];
    private readonly bool[] _pageLoaded = new bool[SpiPart.PageSize];
    private byte _status;
    private bool _wel;
    private bool _ewsrArmed;
    private bool _selected;
    private Operation _busy;
    private TimeSpan _busyUntil;
    private int _busyAddress;
    private byte _busyStatus;
    private long _operations;
    private Random? _timeRandom;
    private double _timeMin = 1;
    private double _timeMax = 1;

    public SpiChipModel(SpiPart part, VirtualClock clock, ReadOnlySpan<byte> initial = default)
    {
        Part = part;
        _clock = clock;
        _cells = new byte[part.SizeBytes];
        _cells.AsSpan().Fill(0xFF);
        initial[..Math.Min(initial.Length, _cells.Length)].CopyTo(_cells);
        PowerUp();
    }

    public SpiPart Part { get; }

    public string PartName => Part.Name;

    public int SizeBytes => Part.SizeBytes;

    public ReadOnlySpan<byte> Contents
    {
        get
        {
            Settle();
            return _cells;
        }
    }

    public TimeSpan WholeEraseTime => Part.ChipErase.Typical;

    /// <summary>The WP# pin is held low (hardware write protection of the status register when SRWD/BPL is set).</summary>
    public bool WriteProtectLow { get; set; }

    /// <summary>The non-volatile status bits (BP field, SRWD/BPL) as they are now; setting them models a part found so.</summary>
    public byte ProtectionBits
    {
        get => (byte)(_status & Part.WritableStatusMask);
        set => _status = (byte)(value & Part.WritableStatusMask);
    }

    /// <summary>The N-th program/erase/status write (1-based) never finishes: WIP stays set (a stuck part).</summary>
    public long StuckWipAtOperation { get; set; }

    /// <summary>Sectors (of the part's erase size) whose erase never finishes.</summary>
    public HashSet<int> StuckEraseSectors { get; } = [];

    public long PagePrograms { get; private set; }
    public long SectorErases { get; private set; }
    public long ChipErases { get; private set; }
    public long StatusWrites { get; private set; }

    /// <summary>Commands that arrived while WIP was set (ignored).</summary>
    public long IgnoredWhileBusy { get; private set; }

    /// <summary>Program/erase/status writes refused: no WEL (or no EWSR on SST), a protected area, or WP# + SRWD.</summary>
    public long Rejected { get; private set; }

    /// <summary>WRSR refused because SRWD/BPL is set and WP# is low.</summary>
    public long HardwareLockedStatusWrites { get; private set; }

    /// <summary>Opcodes the part does not know (another manufacturer's chip erase among them).</summary>
    public long UnknownOpcodes { get; private set; }

    /// <summary>Bytes given to PAGE PROGRAM beyond the 256 of a page (they wrapped over earlier ones).</summary>
    public long WrappedPageBytes { get; private set; }

    /// <summary>The status register as RDSR reads it now.</summary>
    public byte StatusRegister
    {
        get
        {
            Settle();
            return CurrentStatus();
        }
    }

    public bool IsBusy
    {
        get
        {
            Settle();
            return _busy != Operation.None;
        }
    }

    public bool IsSelected => _selected;

    public FlashOperation Busy
    {
        get
        {
            Settle();
            return _busy switch
            {
                Operation.PageProgram => FlashOperation.Program,
                Operation.SectorErase => FlashOperation.SectorErase,
                Operation.ChipErase => FlashOperation.ChipErase,
                Operation.StatusWrite => FlashOperation.StatusWrite,
                _ => FlashOperation.None,
            };
        }
    }

    private byte CurrentStatus() => (byte)(_status | (_wel ? 0x02 : 0) | (_busy != Operation.None ? 0x01 : 0));

    private void PowerUp()
    {
        _wel = false;
        _ewsrArmed = false;
        _selected = false;
        _in.Clear();
        if (Part.BpSetAtPowerUp)
            _status |= (byte)(((1 << Part.BpBits) - 1) << 2);
    }

    private void Settle()
    {
        if (_busy == Operation.None || _clock.Now < _busyUntil)
            return;
        switch (_busy)
        {
            case Operation.PageProgram:
                for (var i = 0; i < SpiPart.PageSize; i++)
                {
                    if (_pageLoaded[i])
                        _cells[_busyAddress + i] &= _page[i];
                }
                PagePrograms++;
                break;
            case Operation.SectorErase:
                _cells.AsSpan(_busyAddress, Part.SectorBytes).Fill(0xFF);
                SectorErases++;
                break;
            case Operation.ChipErase:
                _cells.AsSpan().Fill(0xFF);
                ChipErases++;
                break;
            case Operation.StatusWrite:
                _status = _busyStatus;
                StatusWrites++;
                break;
        }
        _busy = Operation.None;
        _wel = false;
    }

    /// <summary>CS# goes low: a new transaction starts.</summary>
    public void Select()
    {
        Settle();
        _selected = true;
        _in.Clear();
    }

    /// <summary>One byte clocked while CS# is low: <paramref name="mosi"/> in, the returned byte out (FFh where the part drives nothing).</summary>
    public byte Exchange(byte mosi)
    {
        if (!_selected)
            return 0xFF;
        Settle();
        var index = _in.Count;
        _in.Add(mosi);
        var opcode = _in[0];
        if (_busy != Operation.None && opcode != 0x05)
            return 0xFF;
        switch (opcode)
        {
            case 0x05 when index >= 1:
                return CurrentStatus();
            case 0x03 when index >= 4:
                return _cells[(int)((Address() + (uint)(index - 4)) % (uint)_cells.Length)];
            case 0x90 when index >= 4:
                return ((_in[3] & 1) ^ ((index - 4) & 1)) == 0 ? Part.ManufacturerId : Part.DeviceId;
            default:
                return 0xFF;
        }
    }

    /// <summary>CS# goes high: a write-type command received in full starts now.</summary>
    public void Deselect()
    {
        if (!_selected)
            return;
        _selected = false;
        Settle();
        var armed = _ewsrArmed;
        _ewsrArmed = false;
        if (_in.Count == 0)
            return;
        var opcode = _in[0];
        if (_busy != Operation.None)
        {
            if (opcode != 0x05)
                IgnoredWhileBusy++;
            return;
        }
        switch (opcode)
        {
            case 0x05 or 0x03 or 0x90:
                return;
            case 0x06:
                _wel = true;
                return;
            case 0x04:
                _wel = false;
                return;
            case 0x50 when Part.NeedsEwsr:
                _ewsrArmed = true;
                return;
            case 0x01:
                WriteStatus(armed);
                return;
            case 0x02:
                PageProgram();
                return;
            default:
                if (opcode == Part.SectorEraseOpcode)
                {
                    SectorErase();
                    return;
                }
                if (opcode == Part.ChipEraseOpcode)
                {
                    ChipErase();
                    return;
                }
                UnknownOpcodes++;
                return;
        }
    }

    /// <summary>One whole transaction: CS# low, <paramref name="tx"/> out, <paramref name="rx"/> bytes back (MOSI 00h), CS# high.</summary>
    public byte[] Transfer(ReadOnlySpan<byte> tx, int rx)
    {
        Select();
        foreach (var b in tx)
            Exchange(b);
        var reply = new byte[rx];
        for (var i = 0; i < rx; i++)
            reply[i] = Exchange(0x00);
        Deselect();
        return reply;
    }

    private uint Address() => (uint)((_in[1] << 16) | (_in[2] << 8) | _in[3]) % (uint)_cells.Length;

    private void WriteStatus(bool ewsrArmed)
    {
        if (_in.Count < 2 || !(Part.NeedsEwsr ? ewsrArmed : _wel))
        {
            Rejected++;
            return;
        }
        if ((_status & 0x80) != 0 && WriteProtectLow)
        {
            HardwareLockedStatusWrites++;
            Rejected++;
            return;
        }
        _busyStatus = (byte)(_in[1] & Part.WritableStatusMask);
        Start(Operation.StatusWrite, Part.StatusWrite.Typical, 0);
    }

    private void PageProgram()
    {
        if (_in.Count < 5 || !_wel)
        {
            Rejected++;
            return;
        }
        var address = (int)Address();
        var pageBase = address & ~(SpiPart.PageSize - 1);
        if (pageBase >= Part.ProtectedFrom(Part.BpValue(_status)))
        {
            Rejected++;
            return;
        }
        _page.AsSpan().Fill(0xFF);
        Array.Clear(_pageLoaded);
        var data = _in.Count - 4;
        WrappedPageBytes += Math.Max(0, data - SpiPart.PageSize);
        for (var i = 0; i < data; i++)
        {
            var offset = (address + i) & (SpiPart.PageSize - 1);
            _page[offset] = _in[4 + i];
            _pageLoaded[offset] = true;
        }
        var time = Part.ProgramsByTheByte
            ? Part.PageProgram.Typical * Math.Min(data, SpiPart.PageSize) / SpiPart.PageSize
            : Part.PageProgram.Typical;
        Start(Operation.PageProgram, time, pageBase);
    }

    private void SectorErase()
    {
        if (_in.Count < 4 || !_wel)
        {
            Rejected++;
            return;
        }
        var sector = (int)Address() & ~(Part.SectorBytes - 1);
        if (sector + Part.SectorBytes > Part.ProtectedFrom(Part.BpValue(_status)))
        {
            Rejected++;
            return;
        }
        var time = StuckEraseSectors.Contains(sector / Part.SectorBytes) ? TimeSpan.MaxValue / 2 : Part.SectorErase.Typical;
        Start(Operation.SectorErase, time, sector);
    }

    private void ChipErase()
    {
        if (!_wel || Part.BpValue(_status) != 0)
        {
            Rejected++;
            return;
        }
        Start(Operation.ChipErase, StuckEraseSectors.Count > 0 ? TimeSpan.MaxValue / 2 : Part.ChipErase.Typical, 0);
    }

    private void Start(Operation operation, TimeSpan duration, int address)
    {
        _operations++;
        if (StuckWipAtOperation > 0 && _operations == StuckWipAtOperation)
            duration = TimeSpan.MaxValue / 2;
        if (_timeRandom is not null && duration < TimeSpan.MaxValue / 1000)
            duration = TimeSpan.FromTicks((long)(duration.Ticks * (_timeMin + ((_timeMax - _timeMin) * _timeRandom.NextDouble()))));
        _busy = operation;
        _busyUntil = _clock.Now + duration;
        _busyAddress = address;
    }

    public void SetTimeFactor(double min, double max, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(min);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        _timeMin = min;
        _timeMax = max;
        _timeRandom = new Random(seed);
    }

    /// <summary>
    /// The drive's own whole-flash erase (the Lite-On erase trigger): its firmware clears the BP bits and erases the
    /// array — except what stays protected when SRWD/BPL is set and WP# is held low (it cannot unlock that either).
    /// </summary>
    public void EraseAll()
    {
        Settle();
        _busy = Operation.None;
        _wel = false;
        if (!((_status & 0x80) != 0 && WriteProtectLow))
            _status &= unchecked((byte)~(((1 << Part.BpBits) - 1) << 2));
        var end = Part.ProtectedFrom(Part.BpValue(_status));
        _cells.AsSpan(0, end).Fill(0xFF);
        ChipErases++;
    }

    /// <summary>
    /// Power is cut: a page being programmed keeps only some of its new zero bits, a sector (or the chip) being erased
    /// only some of its one bits, a status write is lost; WEL clears, and SST parts come back with their BP bits set.
    /// </summary>
    public void PowerLoss(Random random)
    {
        if (_busy != Operation.None && _clock.Now >= _busyUntil)
            Settle();
        switch (_busy)
        {
            case Operation.PageProgram:
                for (var i = 0; i < SpiPart.PageSize; i++)
                {
                    if (_pageLoaded[i])
                        _cells[_busyAddress + i] &= (byte)(_page[i] | random.Next(256));
                }
                break;
            case Operation.SectorErase:
                for (var i = 0; i < Part.SectorBytes; i++)
                    _cells[_busyAddress + i] |= (byte)random.Next(256);
                break;
            case Operation.ChipErase:
                for (var i = 0; i < _cells.Length; i++)
                    _cells[i] |= (byte)random.Next(256);
                break;
        }
        _busy = Operation.None;
        PowerUp();
    }

    public void Restore(ReadOnlySpan<byte> contents)
    {
        if (contents.Length != _cells.Length)
            throw new ArgumentException($"a {PartName} holds {_cells.Length} bytes, not {contents.Length}", nameof(contents));
        contents.CopyTo(_cells);
    }

    public byte[] SettledContents()
    {
        Settle();
        if (_busy != Operation.None && _busyUntil < TimeSpan.MaxValue / 1000)
        {
            _clock.Advance(_busyUntil - _clock.Now);
            Settle();
        }
        return _cells.ToArray();
    }

    /// <summary>Flips stored bits (for tests that need a damaged flash).</summary>
    public void Corrupt(int address, byte xorMask) => _cells[address] ^= xorMask;
}
