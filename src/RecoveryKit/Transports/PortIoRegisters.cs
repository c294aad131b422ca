using RecoveryKit.Ata;

namespace RecoveryKit.Transports;

/// <summary>
/// One IDE channel's task file on real x86 ports (PROTOCOL.md §1): base+1..+7 as 8-bit registers,
/// base+0 as the 16-bit data port, ctrl+0 as alternate status / device control.
/// Created by <see cref="PortIo.Open(ChannelAddress, IPortIoPlatform?, IClock?)"/> after ioperm was granted;
/// disposing drops the permission again.
/// </summary>
/// <remarks>
/// Linux keeps the I/O permission bitmap per thread: a port granted on one thread faults (SIGSEGV) on another.
/// So the first access from any other thread asks ioperm for that thread too, before touching a port.
/// </remarks>
public sealed class PortIoRegisters : IAtaRegisters, IDisposable
{
    private readonly IPortBus _bus;
    private readonly Action _grant;
    private readonly Action _release;
    private readonly ThreadLocal<bool> _granted = new();
    private bool _disposed;

    /// <param name="grant">Asks for the ports on the calling thread; throws when refused.</param>
    /// <param name="release">Drops the ports on the calling thread.</param>
    internal PortIoRegisters(ChannelAddress address, IPortBus bus, IClock clock, Action grant, Action release)
    {
        Address = address;
        _bus = bus;
        Clock = clock;
        _grant = grant;
        _release = release;
        EnsureGranted();
    }

    public ChannelAddress Address { get; }

    public IClock Clock { get; }

    public byte Read(TaskFileRegister register) => _bus.InByte(RegisterPort(register));

    public void Write(TaskFileRegister register, byte value) => _bus.OutByte(RegisterPort(register), value);

    public byte ReadAlternateStatus() => _bus.InByte(ControlPort);

    public void WriteDeviceControl(byte value) => _bus.OutByte(ControlPort, value);

    public ushort ReadData() => _bus.InWord(DataPort);

    public void WriteData(ushort value) => _bus.OutWord(DataPort, value);

    public void ReadData(Span<ushort> words) => _bus.InWords(DataPort, words);

    public void WriteData(ReadOnlySpan<ushort> words) => _bus.OutWords(DataPort, words);

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (_granted.Value)
            _release();
        _granted.Dispose();
    }

    public override string ToString() => $"port I/O {Address}";

    private ushort DataPort
    {
        get
        {
            EnsureGranted();
            return Address.CommandBase;
        }
    }

    private ushort ControlPort
    {
        get
        {
            EnsureGranted();
            return Address.ControlBase;
        }
    }

    private void EnsureGranted()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_granted.Value)
            return;
        _grant();
        _granted.Value = true;
    }

    private ushort RegisterPort(TaskFileRegister register)
    {
        EnsureGranted();
        if (register is < TaskFileRegister.ErrorFeatures or > TaskFileRegister.StatusCommand)
            throw new ArgumentOutOfRangeException(nameof(register), register,
                "8-bit register access covers base+1..+7; the data port (base+0) is 16 bits wide (PROTOCOL.md §1)");
        return (ushort)(Address.CommandBase + (byte)register);
    }
}
