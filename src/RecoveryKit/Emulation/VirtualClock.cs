using RecoveryKit.Ata;

namespace RecoveryKit.Emulation;

/// <summary>
/// Emulated time. Register accesses, flash busy periods and host delays advance it; nothing sleeps,
/// so a 30-second timeout in a test costs microseconds of wall time.
/// </summary>
public sealed class VirtualClock : IClock
{
    private long _ticks;

    public TimeSpan Now => new(_ticks);

    /// <summary>The host waits: virtual time jumps forward.</summary>
    public void Delay(TimeSpan duration)
    {
        if (duration > TimeSpan.Zero)
            _ticks += duration.Ticks;
    }

    /// <summary>The device side spends time (a port cycle, a busy period).</summary>
    public void Advance(TimeSpan duration) => Delay(duration);

    /// <summary>Advances by a tick count (100 ns units); cheaper than building a TimeSpan on hot paths.</summary>
    internal void AdvanceTicks(long ticks) => _ticks += ticks;
}
