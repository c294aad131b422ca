using RecoveryKit.Ata;

namespace RecoveryKit.Emulation;

/// <summary>
/// One device behind a <see cref="VirtualChannel"/>: its own copy of the task file, a status byte,
/// INTRQ, a PIO data buffer, and busy periods on the virtual clock. Subclasses say what commands do.
/// </summary>
public abstract class VirtualDevice
{
    private readonly ushort[] _noData = [];
    private Action? _pending;
    private TimeSpan _pendingAt;
    private ushort[] _buffer;
    private int _bufferIndex;
    private int _bufferEnd;
    private Action? _onBufferDone;
    private bool _bufferIsOut;

    protected VirtualDevice()
    {
        _buffer = _noData;
    }

    /// <summary>The channel this device is plugged into.</summary>
    protected VirtualChannel Channel { get; private set; } = null!;

    protected VirtualClock Clock => Channel.Clock;

    /// <summary>Master or slave.</summary>
    public DeviceSelect Position { get; private set; }

    // The device's copy of the task file.
    protected byte Features { get; set; }
    protected byte ErrorRegister { get; set; }
    protected byte SectorCount { get; set; }
    protected byte LbaLow { get; set; }
    protected byte LbaMid { get; set; }
    protected byte LbaHigh { get; set; }
    protected byte DeviceRegister { get; set; }
    protected byte Status { get; set; }

    /// <summary>INTRQ as driven by this device (masked by nIEN at the channel).</summary>
    public bool InterruptRequested { get; protected set; }

    /// <summary>Every command opcode this device was asked to execute, in order (for safety assertions).</summary>
    public List<byte> CommandsReceived { get; } = [];

    /// <summary>True while a busy period is running.</summary>
    protected bool IsBusyPeriod => _pending is not null;

    internal void Attach(VirtualChannel channel, DeviceSelect position)
    {
        Channel = channel;
        Position = position;
        PowerOn();
    }

    /// <summary>Power applied: the device comes up as after a hardware reset.</summary>
    public virtual void PowerOn()
    {
        CancelPending();
        EndDataPhase();
        InterruptRequested = false;
        ResetCompleted();
    }

    /// <summary>Runs a scheduled completion whose time has come. Every register access calls this first.</summary>
    protected void Settle()
    {
        if (_pending is not null && Clock.Now >= _pendingAt)
        {
            var action = _pending;
            _pending = null;
            action();
        }
    }

    /// <summary>Sets BSY now and runs <paramref name="completion"/> once <paramref name="busyFor"/> has passed.</summary>
    protected void BusyThen(TimeSpan busyFor, Action completion)
    {
        Status = (byte)AtaStatus.Busy;
        _pending = completion;
        _pendingAt = Clock.Now + busyFor;
    }

    protected void CancelPending() => _pending = null;

    internal virtual byte ReadRegister(TaskFileRegister register, bool clearInterrupt)
    {
        Settle();
        switch (register)
        {
            case TaskFileRegister.ErrorFeatures: return ErrorRegister;
            case TaskFileRegister.SectorCount: return SectorCount;
            case TaskFileRegister.LbaLow: return LbaLow;
            case TaskFileRegister.LbaMid: return LbaMid;
            case TaskFileRegister.LbaHigh: return LbaHigh;
            case TaskFileRegister.Device: return DeviceRegister;
            case TaskFileRegister.StatusCommand:
                if (clearInterrupt)
                    InterruptRequested = false;
                return Status;
            default: return 0xFF;
        }
    }

    /// <summary>A command-block register write that every device on the cable latches.</summary>
    internal virtual void Latch(TaskFileRegister register, byte value)
    {
        Settle();
        if ((Status & (byte)AtaStatus.Busy) != 0)
            return; // writes while BSY are ignored
        switch (register)
        {
            case TaskFileRegister.ErrorFeatures: Features = value; break;
            case TaskFileRegister.SectorCount: SectorCount = value; break;
            case TaskFileRegister.LbaLow: LbaLow = value; break;
            case TaskFileRegister.LbaMid: LbaMid = value; break;
            case TaskFileRegister.LbaHigh: LbaHigh = value; break;
            case TaskFileRegister.Device: DeviceRegister = value; break;
        }
    }

    internal void Command(byte opcode)
    {
        Settle();
        CommandsReceived.Add(opcode);
        if ((Status & (byte)AtaStatus.Busy) != 0 && opcode != AtaCommand.DeviceReset)
            return; // a command written while BSY is ignored (DEVICE RESET excepted)
        InterruptRequested = false;
        Execute(opcode);
    }

    /// <summary>
    /// A command written to the command register while the other device on the cable is selected. A standard device
    /// ignores it (ATA/ATAPI-6: only the selected device executes a command); a drive that does not (issue 17) overrides this.
    /// </summary>
    internal virtual void Overheard(byte opcode)
    {
    }

    /// <summary>Executes a command written to the command register while this device is selected.</summary>
    protected abstract void Execute(byte opcode);

    /// <summary>Puts the reset signature and post-reset status in place (power-on, SRST, DEVICE RESET, diagnostics).</summary>
    protected abstract void ResetCompleted();

    /// <summary>How long the device stays BSY after SRST is released.</summary>
    protected virtual TimeSpan ResetTime => TimeSpan.FromMilliseconds(2);

    internal virtual void SoftResetAsserted()
    {
        CancelPending();
        EndDataPhase();
        InterruptRequested = false;
        Status = (byte)AtaStatus.Busy;
    }

    internal virtual void SoftResetReleased() => BusyThen(ResetTime, ResetCompleted);

    /// <summary>EXECUTE DEVICE DIAGNOSTIC: returns whether this device passed (device 1) or posts the result (device 0).</summary>
    internal virtual bool RunDiagnostic(bool isMaster, bool slavePassed = true)
    {
        Settle();
        if ((Status & (byte)AtaStatus.Busy) != 0)
            return false; // a command written while BSY is ignored (DEVICE RESET excepted): no diagnostic, no PDIAG-
        CancelPending();
        EndDataPhase();
        BusyThen(ResetTime, () =>
        {
            ResetCompleted();
            // Diagnostic code: 01h = device 0 passed (device 1 passed or absent); 81h = device 1 failed.
            ErrorRegister = (byte)(isMaster && !slavePassed ? 0x81 : 0x01);
            InterruptRequested = isMaster;
        });
        return true;
    }

    /// <summary>Ends the command: status, error and INTRQ.</summary>
    protected void Complete(byte status, byte error = 0)
    {
        Status = status;
        ErrorRegister = error;
        InterruptRequested = true;
    }

    /// <summary>Aborts the command (ERR + ABRT).</summary>
    protected void Abort(byte status = (byte)(AtaStatus.Ready | AtaStatus.Error))
    {
        EndDataPhase();
        Complete(status, AtaError.Aborted);
    }

    /// <summary>Offers words to the host (DRQ set); <paramref name="done"/> runs after the last one is read.</summary>
    protected void BeginDataIn(ushort[] words, int count, Action done, byte status = (byte)(AtaStatus.Ready | AtaStatus.SeekComplete | AtaStatus.DataRequest))
    {
        _buffer = words;
        _bufferIndex = 0;
        _bufferEnd = count;
        _onBufferDone = done;
        _bufferIsOut = false;
        Status = status;
        InterruptRequested = true;
    }

    /// <summary>Asks the host for <paramref name="count"/> words (DRQ set); <paramref name="done"/> runs after the last one.</summary>
    protected void BeginDataOut(ushort[] words, int count, Action done, bool interrupt = true, byte status = (byte)(AtaStatus.Ready | AtaStatus.SeekComplete | AtaStatus.DataRequest))
    {
        _buffer = words;
        _bufferIndex = 0;
        _bufferEnd = count;
        _onBufferDone = done;
        _bufferIsOut = true;
        Status = status;
        InterruptRequested = interrupt;
    }

    protected void EndDataPhase()
    {
        _buffer = _noData;
        _bufferIndex = 0;
        _bufferEnd = 0;
        _onBufferDone = null;
    }

    /// <summary>Words still expected or offered in the current data phase.</summary>
    protected int DataWordsRemaining => _bufferEnd - _bufferIndex;

    internal virtual ushort ReadDataWord()
    {
        Settle();
        if (_bufferIsOut || _bufferIndex >= _bufferEnd || (Status & (byte)AtaStatus.DataRequest) == 0)
            return 0xFFFF; // no data phase: the bus floats
        var value = _buffer[_bufferIndex++];
        if (_bufferIndex == _bufferEnd)
            FinishBuffer();
        return value;
    }

    internal virtual void WriteDataWord(ushort value)
    {
        Settle();
        if (!_bufferIsOut || _bufferIndex >= _bufferEnd || (Status & (byte)AtaStatus.DataRequest) == 0)
            return; // ignored outside a data-out phase
        _buffer[_bufferIndex++] = value;
        if (_bufferIndex == _bufferEnd)
            FinishBuffer();
    }

    private void FinishBuffer()
    {
        var done = _onBufferDone;
        _onBufferDone = null;
        Status = (byte)(Status & ~(byte)AtaStatus.DataRequest);
        done?.Invoke();
    }

    /// <summary>Writes the reset signature of an ATAPI device (14h/EBh) or an ATA device (00h/00h).</summary>
    protected void PostSignature(bool packetDevice)
    {
        SectorCount = 0x01;
        LbaLow = 0x01;
        LbaMid = packetDevice ? (byte)0x14 : (byte)0x00;
        LbaHigh = packetDevice ? (byte)0xEB : (byte)0x00;
        DeviceRegister = (byte)(DeviceRegister & 0x10);
    }

    /// <summary>Packs ATA string into words, two characters per word, first character in the high byte.</summary>
    protected static void PutAtaString(ushort[] words, int firstWord, int wordCount, string text)
    {
        for (var i = 0; i < wordCount; i++)
        {
            var hi = 2 * i < text.Length ? text[2 * i] : ' ';
            var lo = 2 * i + 1 < text.Length ? text[2 * i + 1] : ' ';
            words[firstWord + i] = (ushort)((hi << 8) | (lo & 0xFF));
        }
    }
}
