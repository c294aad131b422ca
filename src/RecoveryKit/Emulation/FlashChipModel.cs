using RecoveryKit.Profiles;

namespace RecoveryKit.Emulation;

/// <summary>
/// A parallel NOR flash part with the JEDEC/SST command set (PROTOCOL.md §5): programming only clears
/// bits, erase sets FFh, command cycles out of order are ignored, busy time comes from the chip table on
/// the virtual clock, and completion shows on DQ7 (data#) and DQ6 (toggle) while busy.
/// </summary>
public sealed class FlashChipModel : IDriveFlash
{
    private enum Cycle
    {
        Read,
        Unlocked1,
        Unlocked2,
        ProgramNext,
        EraseSetup,
        EraseUnlocked1,
        EraseUnlocked2,
        PageLoad,
    }

    private enum BusyKind
    {
        None,
        Program,
        SectorErase,
        ChipErase,
        PageWrite,
    }

    private readonly byte[] _cells;
    private readonly VirtualClock _clock;
    private Cycle _cycle;
    private bool _idMode;
    private BusyKind _busy;
    private TimeSpan _busyUntil;
    private uint _busyAddress;
    private byte _busyData;
    private FlashSector _busySector;
    private bool _toggle;
    private readonly byte[] _page;
    private readonly bool[] _pageLoaded;
    private uint _pageBase;
    private byte _pageLastLoaded;
    private TimeSpan _lastPageLoad;
    private Random? _timeRandom;
    private double _timeMin = 1;
    private double _timeMax = 1;

    public FlashChipModel(ChipSpec spec, VirtualClock clock, ReadOnlySpan<byte> initial = default)
    {
        Spec = spec;
        _clock = clock;
        _cells = new byte[spec.SizeBytes];
        _cells.AsSpan().Fill(0xFF);
        initial[..Math.Min(initial.Length, _cells.Length)].CopyTo(_cells);
        _page = new byte[Math.Max(1, spec.PageSize)];
        _pageLoaded = new bool[_page.Length];
    }

    public ChipSpec Spec { get; }

    string IDriveFlash.PartName => Spec.Name;

    int IDriveFlash.SizeBytes => Spec.SizeBytes;

    TimeSpan IDriveFlash.WholeEraseTime => Spec.ChipEraseTime.Typical;

    /// <summary>What the array holds now (what a programmer would read out with the chip on a bench).</summary>
    public ReadOnlySpan<byte> Contents => _cells;

    /// <summary>Sectors that never finish erasing (the "chip times out on erase" fault).</summary>
    public HashSet<int> StuckEraseSectors { get; } = [];

    /// <summary>Completed operations, for benchmarks and assertions.</summary>
    public long BytesProgrammed { get; private set; }
    public long SectorErases { get; private set; }
    public long ChipErases { get; private set; }
    public long PageWrites { get; private set; }

    /// <summary>Bytes programmed to FFh (a program cycle that changes nothing: wasted time).</summary>
    public long NeedlessFFPrograms { get; private set; }

    /// <summary>Command cycles that arrived out of order and were ignored.</summary>
    public long IgnoredCycles { get; private set; }

    public bool IsBusy
    {
        get
        {
            Settle();
            return _busy != BusyKind.None;
        }
    }

    public FlashOperation Busy
    {
        get
        {
            Settle();
            return _busy switch
            {
                BusyKind.Program => FlashOperation.Program,
                BusyKind.SectorErase => FlashOperation.SectorErase,
                BusyKind.ChipErase => FlashOperation.ChipErase,
                BusyKind.PageWrite => FlashOperation.PageWrite,
                _ => FlashOperation.None,
            };
        }
    }

    private bool Matches(uint address, uint command) => (address & Spec.UnlockMask) == (command & Spec.UnlockMask);

    private void Settle()
    {
        if (_busy == BusyKind.None && _cycle == Cycle.PageLoad && _clock.Now - _lastPageLoad >= Spec.PageLoadWindow)
            StartPageWrite();
        if (_busy == BusyKind.None || _clock.Now < _busyUntil)
            return;
        switch (_busy)
        {
            case BusyKind.Program:
                _cells[_busyAddress] &= _busyData;
                BytesProgrammed++;
                break;
            case BusyKind.SectorErase:
                _cells.AsSpan((int)_busySector.Start, _busySector.Size).Fill(0xFF);
                SectorErases++;
                break;
            case BusyKind.ChipErase:
                _cells.AsSpan().Fill(0xFF);
                ChipErases++;
                break;
            case BusyKind.PageWrite:
                for (var i = 0; i < _page.Length; i++)
                    _cells[_pageBase + i] = _pageLoaded[i] ? _page[i] : (byte)0xFF;
                PageWrites++;
                break;
        }
        _busy = BusyKind.None;
    }

    /// <summary>
    /// From now on every program, page write and erase takes its datasheet typical time times a factor drawn
    /// uniformly from [<paramref name="min"/>, <paramref name="max"/>] with <paramref name="seed"/> (a part slower
    /// or faster than its datasheet says; above maximum/typical it is out of its datasheet).
    /// </summary>
    public void SetTimeFactor(double min, double max, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(min);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        _timeMin = min;
        _timeMax = max;
        _timeRandom = new Random(seed);
    }

    /// <summary>The last time factor drawn (1 when none is set), for tests.</summary>
    public double LastTimeFactor { get; private set; } = 1;

    /// <summary>
    /// The drive's own whole-flash erase (a Lite-On erase trigger, PROTOCOL.md §3 DANGER): every cell to FFh,
    /// whatever the chip's sectors or protection; counted as a chip erase.
    /// </summary>
    public void EraseAll()
    {
        Settle();
        _cells.AsSpan().Fill(0xFF);
        ChipErases++;
        _busy = BusyKind.None;
        _cycle = Cycle.Read;
        _idMode = false;
    }

    /// <summary>A read cycle on the flash bus.</summary>
    public byte Read(uint address)
    {
        Settle();
        address %= (uint)_cells.Length;
        if (_busy != BusyKind.None)
        {
            // Status read: DQ7 is the complement of the data being written (0 while erasing), DQ6 toggles.
            _toggle = !_toggle;
            var dq7 = _busy == BusyKind.Program ? (byte)(~_busyData & 0x80) : _busy == BusyKind.PageWrite ? (byte)(~_pageLastLoaded & 0x80) : (byte)0;
            return (byte)(dq7 | (_toggle ? 0x40 : 0x00) | 0x08);
        }
        if (_idMode)
            return IdByte(address);
        return _cells[address];
    }

    private byte IdByte(uint address)
    {
        // SST parts decode only A0 in ID mode; the others give 00h (unprotected) beyond the two IDs.
        if (Spec.ManufacturerId == 0xBF)
            return (address & 1) == 0 ? Spec.ManufacturerId : Spec.DeviceId;
        return (address & 0xFF) switch
        {
            0 => Spec.ManufacturerId,
            1 => Spec.DeviceId,
            _ => 0x00,
        };
    }

    /// <summary>A write cycle on the flash bus.</summary>
    public void Write(uint address, byte data)
    {
        Settle();
        address %= (uint)_cells.Length;
        if (_busy != BusyKind.None)
        {
            IgnoredCycles++;
            return; // the embedded algorithm owns the chip until it finishes
        }
        switch (_cycle)
        {
            case Cycle.Read:
                if (data == 0xF0)
                {
                    _idMode = false; // single-cycle reset
                    return;
                }
                if (Matches(address, Spec.UnlockFirst) && data == 0xAA)
                {
                    _cycle = Cycle.Unlocked1;
                    return;
                }
                break;
            case Cycle.Unlocked1:
                if (Matches(address, Spec.UnlockSecond) && data == 0x55)
                {
                    _cycle = Cycle.Unlocked2;
                    return;
                }
                break;
            case Cycle.Unlocked2:
                if (Matches(address, Spec.UnlockFirst))
                {
                    switch (data)
                    {
                        case 0x90:
                            _idMode = true;
                            _cycle = Cycle.Read;
                            return;
                        case 0xF0:
                            _idMode = false;
                            _cycle = Cycle.Read;
                            return;
                        case 0xA0 when !_idMode:
                            _cycle = Spec.Program == ProgramModel.Page ? Cycle.PageLoad : Cycle.ProgramNext;
                            if (Spec.Program == ProgramModel.Page)
                            {
                                Array.Clear(_pageLoaded);
                                _pageBase = uint.MaxValue;
                                _lastPageLoad = _clock.Now; // the load-cycle timer starts with the command, not at the previous page's last load
                            }
                            return;
                        case 0x80 when !_idMode:
                            _cycle = Cycle.EraseSetup;
                            return;
                    }
                }
                break;
            case Cycle.ProgramNext:
                _cycle = Cycle.Read;
                if (data == 0xFF)
                    NeedlessFFPrograms++;
                StartBusy(BusyKind.Program, Spec.ProgramTime.Typical, address, data);
                return;
            case Cycle.PageLoad:
            {
                var pageBase = address - (address % (uint)_page.Length);
                if (_pageBase == uint.MaxValue)
                    _pageBase = pageBase;
                if (pageBase == _pageBase)
                {
                    var offset = (int)(address - pageBase);
                    _page[offset] = data;
                    _pageLoaded[offset] = true;
                    _pageLastLoaded = data;
                    _lastPageLoad = _clock.Now;
                    return;
                }
                // A load outside the page ends the load phase; the page is written, this cycle is lost.
                StartPageWrite();
                IgnoredCycles++;
                return;
            }
            case Cycle.EraseSetup:
                if (Matches(address, Spec.UnlockFirst) && data == 0xAA)
                {
                    _cycle = Cycle.EraseUnlocked1;
                    return;
                }
                break;
            case Cycle.EraseUnlocked1:
                if (Matches(address, Spec.UnlockSecond) && data == 0x55)
                {
                    _cycle = Cycle.EraseUnlocked2;
                    return;
                }
                break;
            case Cycle.EraseUnlocked2:
                if (data == 0x30)
                {
                    _cycle = Cycle.Read;
                    _busySector = Spec.SectorAt(address);
                    var time = StuckEraseSectors.Contains(_busySector.Index) ? TimeSpan.MaxValue / 2 : Spec.SectorEraseTime.Typical;
                    StartBusy(BusyKind.SectorErase, time, address, 0xFF);
                    return;
                }
                if (data == 0x10 && Matches(address, Spec.UnlockFirst))
                {
                    _cycle = Cycle.Read;
                    var stuck = StuckEraseSectors.Count > 0;
                    StartBusy(BusyKind.ChipErase, stuck ? TimeSpan.MaxValue / 2 : Spec.ChipEraseTime.Typical, address, 0xFF);
                    return;
                }
                break;
        }
        // Anything else breaks the sequence: back to read mode, the cycle is ignored.
        IgnoredCycles++;
        _cycle = Cycle.Read;
    }

    private void StartPageWrite()
    {
        _cycle = Cycle.Read;
        if (_pageBase == uint.MaxValue)
            return;
        StartBusy(BusyKind.PageWrite, Spec.ProgramTime.Typical, _pageBase, 0);
    }

    private void StartBusy(BusyKind kind, TimeSpan duration, uint address, byte data)
    {
        _busy = kind;
        if (_timeRandom is not null && duration < TimeSpan.MaxValue / 1000)
        {
            LastTimeFactor = _timeMin + ((_timeMax - _timeMin) * _timeRandom.NextDouble());
            duration = TimeSpan.FromTicks((long)(duration.Ticks * LastTimeFactor));
        }
        _busyUntil = _clock.Now + duration;
        _busyAddress = address;
        _busyData = data;
    }

    /// <summary>
    /// Power is cut: whatever the embedded algorithm had not finished is left half done — a byte being
    /// programmed has only some of its bits cleared, a sector being erased has only some bits set.
    /// Everything completed before stays exactly as it was.
    /// </summary>
    public void PowerLoss(Random random)
    {
        if (_clock.Now >= _busyUntil)
            Settle();
        switch (_busy)
        {
            case BusyKind.Program:
                _cells[_busyAddress] &= (byte)(_busyData | random.Next(256));
                break;
            case BusyKind.SectorErase:
                for (var i = 0; i < _busySector.Size; i++)
                    _cells[_busySector.Start + i] |= (byte)random.Next(256);
                break;
            case BusyKind.ChipErase:
                for (var i = 0; i < _cells.Length; i++)
                    _cells[i] |= (byte)random.Next(256);
                break;
            case BusyKind.PageWrite:
                for (var i = 0; i < _page.Length; i++)
                    _cells[_pageBase + i] = (byte)random.Next(256);
                break;
        }
        _busy = BusyKind.None;
        _cycle = Cycle.Read;
        _idMode = false;
    }

    /// <summary>
    /// What the array holds once every operation the chip has started has run to its end, as it would if the drive
    /// were left powered (an operation that never ends, a stuck erase, leaves its cells as they are): the content a
    /// programmer would read after the run. A copy.
    /// </summary>
    public void Restore(ReadOnlySpan<byte> contents)
    {
        if (contents.Length != _cells.Length)
            throw new ArgumentException($"a {Spec.Name} holds {_cells.Length} bytes, not {contents.Length}", nameof(contents));
        contents.CopyTo(_cells);
    }

    public byte[] SettledContents()
    {
        for (var i = 0; i < 4; i++)
        {
            Settle();
            if (_busy != BusyKind.None && _busyUntil < TimeSpan.MaxValue / 1000)
                _clock.Advance(_busyUntil - _clock.Now);
            else if (_busy == BusyKind.None && _cycle == Cycle.PageLoad)
                _clock.Advance(Spec.PageLoadWindow);
            else
                break;
        }
        return _cells.ToArray();
    }

    /// <summary>Flips one stored bit (for tests that need a damaged flash).</summary>
    public void Corrupt(uint address, byte xorMask) => _cells[address] ^= xorMask;
}
