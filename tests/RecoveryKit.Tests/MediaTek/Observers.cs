using RecoveryKit.Ata;
using RecoveryKit.Emulation;

namespace RecoveryKit.Tests.MediaTek;

/// <summary>Counts register operations and keeps the byte writes, and can run an action at a chosen operation.</summary>
internal sealed class RecordingObserver : IRegisterObserver
{
    public long Operations { get; private set; }

    public List<(int Port, byte Value)> Writes { get; } = [];

    /// <summary>Runs once, when the operation with this 1-based number has happened.</summary>
    public long TriggerAt { get; set; } = -1;

    public Action? Trigger { get; set; }

    private void Count()
    {
        Operations++;
        if (Operations == TriggerAt)
            Trigger?.Invoke();
    }

    public void OnRead(int port, byte value) => Count();

    public void OnWrite(int port, byte value)
    {
        Writes.Add((port, value));
        Count();
    }

    public void OnReadData(int port, ushort value) => Count();

    public void OnWriteData(int port, ushort value) => Count();
}

/// <summary>Cable noise: flips one random bit of a register value with a small, seeded probability.</summary>
internal sealed class NoisyCable(int seed, double probability) : IWireFault
{
    private readonly Random _random = new(seed);

    public int Flips { get; private set; }

    private byte Maybe(byte value)
    {
        if (_random.NextDouble() >= probability)
            return value;
        Flips++;
        return (byte)(value ^ (1 << _random.Next(8)));
    }

    public byte OnRead(ChannelAddress channel, TaskFileRegister register, byte value) => Maybe(value);

    public byte OnWrite(ChannelAddress channel, TaskFileRegister register, byte value) => Maybe(value);
}

/// <summary>A flash part that does not answer the ID sequence: the first three LBA-low reads in vendor mode read a fixed value.</summary>
internal sealed class SilentIdReads(VirtualMtkDrive drive, byte value) : IWireFault
{
    private int _reads;

    public byte OnRead(ChannelAddress channel, TaskFileRegister register, byte actual)
    {
        if (register == TaskFileRegister.LbaLow && drive.Mode == MtkDriveMode.Vendor && _reads < 3)
        {
            _reads++;
            return value;
        }
        return actual;
    }

    public byte OnWrite(ChannelAddress channel, TaskFileRegister register, byte value) => value;
}

/// <summary>Flips <paramref name="mask"/> in the n-th write to one register after being armed (a single deterministic cable glitch).</summary>
internal sealed class FlipNthWrite(TaskFileRegister register, byte mask) : IWireFault
{
    private int _countdown;

    public bool Flipped { get; private set; }

    public void Arm(int nth) => _countdown = nth;

    public byte OnRead(ChannelAddress channel, TaskFileRegister r, byte value) => value;

    public byte OnWrite(ChannelAddress channel, TaskFileRegister r, byte value)
    {
        if (r != register || _countdown <= 0 || --_countdown > 0)
            return value;
        Flipped = true;
        return (byte)(value ^ mask);
    }
}

/// <summary>Flips <paramref name="mask"/> in the n-th read of one register after being armed.</summary>
internal sealed class FlipNthRead(TaskFileRegister register, byte mask) : IWireFault
{
    private int _countdown;

    public bool Flipped { get; private set; }

    public void Arm(int nth) => _countdown = nth;

    public byte OnRead(ChannelAddress channel, TaskFileRegister r, byte value)
    {
        if (r != register || _countdown <= 0 || --_countdown > 0)
            return value;
        Flipped = true;
        return (byte)(value ^ mask);
    }

    public byte OnWrite(ChannelAddress channel, TaskFileRegister r, byte value) => value;
}
