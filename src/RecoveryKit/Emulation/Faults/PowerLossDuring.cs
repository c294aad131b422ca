namespace RecoveryKit.Emulation.Faults;

/// <summary>
/// Cuts the power of a channel's drives while the flash part is in the middle of one chosen operation: the
/// <see cref="Nth"/> program (a parallel byte program or an SPI PAGE PROGRAM) or sector erase the part starts, seen
/// from the bus (checked after every register access). A random bus cycle rarely lands inside the 1–2 ms of a page
/// program or the 20–800 ms of an erase while the host is polling; this puts the cut there on purpose, so the part is
/// left with a half-programmed page or a half-erased sector (<see cref="IDriveFlash.PowerLoss"/>).
/// With <see cref="Nth"/> 0 it only counts the operations (a clean calibration run).
/// </summary>
public sealed class PowerLossDuring : IRegisterObserver
{
    private readonly VirtualChannel _channel;
    private readonly IDriveFlash _flash;
    private bool _inside;

    /// <param name="channel">The channel whose drives lose power.</param>
    /// <param name="flash">The part whose operations are watched.</param>
    /// <param name="operation">Which operation to interrupt.</param>
    /// <param name="nth">The 1-based operation of that kind during which the power goes; 0: never (count only).</param>
    public PowerLossDuring(VirtualChannel channel, IDriveFlash flash, FlashOperation operation, long nth)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nth);
        _channel = channel;
        _flash = flash;
        Operation = operation;
        Nth = nth;
    }

    public FlashOperation Operation { get; }

    public long Nth { get; }

    /// <summary>Operations of <see cref="Operation"/>'s kind seen so far (each counted once, when first seen busy).</summary>
    public long Seen { get; private set; }

    /// <summary>The power has been cut.</summary>
    public bool Fired { get; private set; }

    /// <summary>Virtual time at which the power went (null: not yet).</summary>
    public TimeSpan? FiredAt { get; private set; }

    public void OnRead(int port, byte value) => Check();

    public void OnWrite(int port, byte value) => Check();

    public void OnReadData(int port, ushort value) => Check();

    public void OnWriteData(int port, ushort value) => Check();

    private void Check()
    {
        if (Fired)
            return;
        var busy = _flash.Busy == Operation;
        if (busy && !_inside)
        {
            Seen++;
            if (Seen == Nth)
            {
                Fired = true;
                FiredAt = _channel.Clock.Now;
                _channel.PowerCycle();
                return;
            }
        }
        _inside = busy;
    }
}
