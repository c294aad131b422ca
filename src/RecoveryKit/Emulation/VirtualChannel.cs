using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;

namespace RecoveryKit.Emulation;

/// <summary>
/// A register-level IDE channel with a master and a slave position. Implements the same
/// <see cref="IAtaRegisters"/> seam as real port I/O, so every test drives the real host code.
/// </summary>
/// <remarks>
/// Semantics follow ATA/ATAPI-6: both devices latch every command-block register write; only the
/// device selected by the DEV bit executes a command and drives reads. When device 1 is selected but
/// absent, device 0 answers status reads with 00h and other registers with its own values; with no
/// device at all the bus floats and reads 0xFF. SRST in the device-control register resets both.
/// </remarks>
public sealed class VirtualChannel : IAtaRegisters
{
    private readonly VirtualDevice?[] _devices = new VirtualDevice?[2];
    private int _selected;
    private byte _deviceControl;
    private long _portCycleTicks;

    public VirtualChannel(VirtualClock clock, ChannelAddress address, VirtualDevice? master = null, VirtualDevice? slave = null)
    {
        Clock = clock;
        Address = address;
        PortCycle = TimeSpan.FromMicroseconds(1);
        Attach(DeviceSelect.Master, master);
        Attach(DeviceSelect.Slave, slave);
        _readCommand = TranscriptWriter.Pack(false, address.CommandBase, 0, false);
        _writeCommand = TranscriptWriter.Pack(true, address.CommandBase, 0, false);
    }

    private TranscriptWriter? _transcript;
    // Packed accesses (TranscriptWriter.Pack) to the command block's first register, without a value.
    private readonly ulong _readCommand;
    private readonly ulong _writeCommand;

    /// <summary>
    /// Records every access as the host sees it (a written value before any wire fault, a read value after) into a
    /// transcript (--transcript): the same text as wrapping the channel in a <see cref="RegisterTranscript"/>,
    /// without a second interface call per access. Null: not recording.
    /// </summary>
    public TranscriptWriter? Transcript
    {
        get => _transcript;
        set => _transcript = value;
    }

    public ChannelAddress Address { get; }

    public VirtualClock Clock { get; }

    IClock IAtaRegisters.Clock => Clock;

    /// <summary>Virtual time one register access costs (an ISA-speed I/O cycle by default: 1 µs).</summary>
    public TimeSpan PortCycle
    {
        get => new(_portCycleTicks);
        set => _portCycleTicks = value.Ticks;
    }

    /// <summary>Total register accesses on this channel (for benchmarks).</summary>
    public long RegisterOperations { get; private set; }

    /// <summary>Value an undriven bus reads as.</summary>
    public byte FloatingValue { get; set; } = 0xFF;

    /// <summary>Optional hook that sees every access after it happened (transcripts, fault injection).</summary>
    public IRegisterObserver? Observer { get; set; }

    /// <summary>Optional fault layer that may alter what crosses the wire (cable noise).</summary>
    public IWireFault? WireFault { get; set; }

    public VirtualDevice? this[DeviceSelect position] => _devices[(int)position];

    /// <summary>Which device the DEV bit currently selects.</summary>
    public DeviceSelect Selected => (DeviceSelect)_selected;

    /// <summary>True while nIEN is clear and the selected device asserts INTRQ.</summary>
    public bool InterruptPending =>
        (_deviceControl & DeviceControl.InterruptsDisabled) == 0 && _devices[_selected] is { InterruptRequested: true };

    /// <summary>Plugs a device into a position (null unplugs it); the device powers on.</summary>
    public void Attach(DeviceSelect position, VirtualDevice? device)
    {
        _devices[(int)position] = device;
        device?.Attach(this, position);
    }

    private VirtualDevice? Other(int index) => _devices[index ^ 1];

    public byte Read(TaskFileRegister register)
    {
        Tick();
        var value = ReadCore(register, clearInterrupt: true);
        if (WireFault is { } fault)
            value = fault.OnRead(Address, register, value);
        _transcript?.Record(_readCommand + ((ulong)(uint)register << 8) + ((ulong)value << 32));
        Observer?.OnRead(Address.CommandBase + (int)register, value);
        return value;
    }

    /// <summary>
    /// Fault: the slave also drives the bus when the master is selected (a wrong jumper or a broken second
    /// drive on the cable). Both outputs meet on the wire; the emulator models it as their bitwise AND.
    /// </summary>
    public bool SlaveAnswersMasterSelect { get; set; }

    private byte ReadCore(TaskFileRegister register, bool clearInterrupt)
    {
        var device = _devices[_selected];
        if (device is not null)
        {
            var value = device.ReadRegister(register, clearInterrupt);
            if (SlaveAnswersMasterSelect && _selected == 0 && _devices[1] is { } intruder)
                value &= intruder.ReadRegister(register, clearInterrupt: false);
            return value;
        }
        // Only device 0 answers for an absent device 1; nothing answers for an absent device 0 (the bus floats).
        var other = _selected == 1 ? Other(_selected) : null;
        if (other is null)
            return FloatingValue;
        // Device 0 answers for an absent device 1: status 00h, other registers its own.
        return register == TaskFileRegister.StatusCommand ? (byte)0x00 : other.ReadRegister(register, clearInterrupt: false);
    }

    public void Write(TaskFileRegister register, byte value)
    {
        Tick();
        _transcript?.Record(_writeCommand + ((ulong)(uint)register << 8) + ((ulong)value << 32));
        if (WireFault is { } fault)
            value = fault.OnWrite(Address, register, value);
        Observer?.OnWrite(Address.CommandBase + (int)register, value);
        if (register == TaskFileRegister.StatusCommand)
        {
            if (value == AtaCommand.ExecuteDeviceDiagnostic)
            {
                // Both devices run diagnostics; device 0 reports for the pair.
                if (_devices[0] is null && _devices[1] is null)
                    return;
                // Both devices take this command, so both record it (safety assertions look at CommandsReceived).
                _devices[0]?.CommandsReceived.Add(value);
                _devices[1]?.CommandsReceived.Add(value);
                var slavePassed = _devices[1]?.RunDiagnostic(isMaster: false) ?? true;
                _devices[0]?.RunDiagnostic(isMaster: true, slavePassed);
                return;
            }
            _devices[_selected]?.Command(value);
            Other(_selected)?.Overheard(value);
            return;
        }
        if (register == TaskFileRegister.Device)
            _selected = (value >> 4) & 1;
        _devices[0]?.Latch(register, value);
        _devices[1]?.Latch(register, value);
    }

    public byte ReadAlternateStatus()
    {
        Tick();
        var value = ReadCore(TaskFileRegister.StatusCommand, clearInterrupt: false);
        _transcript?.Record(TranscriptWriter.Pack(false, Address.ControlBase, value, false));
        Observer?.OnRead(Address.ControlBase, value);
        return value;
    }

    public void WriteDeviceControl(byte value)
    {
        Tick();
        _transcript?.Record(TranscriptWriter.Pack(true, Address.ControlBase, value, false));
        Observer?.OnWrite(Address.ControlBase, value);
        var wasReset = (_deviceControl & DeviceControl.SoftReset) != 0;
        var isReset = (value & DeviceControl.SoftReset) != 0;
        _deviceControl = value;
        if (!wasReset && isReset)
        {
            _devices[0]?.SoftResetAsserted();
            _devices[1]?.SoftResetAsserted();
        }
        else if (wasReset && !isReset)
        {
            _devices[0]?.SoftResetReleased();
            _devices[1]?.SoftResetReleased();
        }
    }

    public ushort ReadData()
    {
        Tick();
        var value = _devices[_selected]?.ReadDataWord() ?? (ushort)(FloatingValue | (FloatingValue << 8));
        _transcript?.Record(TranscriptWriter.Pack(false, Address.CommandBase, value, true));
        Observer?.OnReadData(Address.CommandBase, value);
        return value;
    }

    public void WriteData(ushort value)
    {
        Tick();
        _transcript?.Record(TranscriptWriter.Pack(true, Address.CommandBase, value, true));
        Observer?.OnWriteData(Address.CommandBase, value);
        _devices[_selected]?.WriteDataWord(value);
    }

    public void ReadData(Span<ushort> words)
    {
        for (var i = 0; i < words.Length; i++)
            words[i] = ReadData();
    }

    public void WriteData(ReadOnlySpan<ushort> words)
    {
        foreach (var word in words)
            WriteData(word);
    }

    private void Tick()
    {
        RegisterOperations++;
        Clock.AdvanceTicks(_portCycleTicks);
    }

    /// <summary>Power-cycles both positions (what a technician does with the drive's power plug).</summary>
    public void PowerCycle()
    {
        _deviceControl = 0;
        _selected = 0;
        _devices[0]?.PowerOn();
        _devices[1]?.PowerOn();
    }
}

/// <summary>Sees every register access of a virtual channel (port number in the PC's I/O space).</summary>
public interface IRegisterObserver
{
    void OnRead(int port, byte value);
    void OnWrite(int port, byte value);
    void OnReadData(int port, ushort value);
    void OnWriteData(int port, ushort value);
}

/// <summary>A fault on the cable: may change a value on its way across.</summary>
public interface IWireFault
{
    byte OnRead(ChannelAddress channel, TaskFileRegister register, byte value);
    byte OnWrite(ChannelAddress channel, TaskFileRegister register, byte value);
}
