namespace RecoveryKit.Emulation.Faults;

/// <summary>
/// Cuts the power of a channel's drives at one chosen bus cycle (1-based register access, data port included),
/// the way a technician's elbow on the power strip would: the drives power-cycle (a flash operation in progress
/// is left half done, see <see cref="FlashChipModel.PowerLoss"/>) and the run goes on against a rebooting drive.
/// </summary>
public sealed class PowerLossAt : IRegisterObserver
{
    private readonly VirtualChannel _channel;
    private readonly IRegisterObserver? _next;

    /// <param name="channel">The channel whose drives lose power.</param>
    /// <param name="atOperation">The register access (1-based, counted from when this observer is installed) after which the power goes.</param>
    /// <param name="next">An observer to pass every access on to (a transcript), or null.</param>
    public PowerLossAt(VirtualChannel channel, long atOperation, IRegisterObserver? next = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(atOperation, 1);
        _channel = channel;
        AtOperation = atOperation;
        _next = next;
    }

    /// <summary>A power loss at a seeded random access in [<paramref name="from"/>, <paramref name="to"/>].</summary>
    public static PowerLossAt Random(VirtualChannel channel, long from, long to, int seed) =>
        new(channel, new Random(seed).NextInt64(Math.Max(1, from), Math.Max(from, to) + 1));

    public long AtOperation { get; }

    /// <summary>Accesses seen so far.</summary>
    public long Operations { get; private set; }

    /// <summary>The power has been cut.</summary>
    public bool Fired { get; private set; }

    /// <summary>Virtual time at which the power went (null: not yet).</summary>
    public TimeSpan? FiredAt { get; private set; }

    public void OnRead(int port, byte value)
    {
        _next?.OnRead(port, value);
        Count();
    }

    public void OnWrite(int port, byte value)
    {
        _next?.OnWrite(port, value);
        Count();
    }

    public void OnReadData(int port, ushort value)
    {
        _next?.OnReadData(port, value);
        Count();
    }

    public void OnWriteData(int port, ushort value)
    {
        _next?.OnWriteData(port, value);
        Count();
    }

    private void Count()
    {
        if (++Operations != AtOperation)
            return;
        Fired = true;
        FiredAt = _channel.Clock.Now;
        _channel.PowerCycle();
    }
}
