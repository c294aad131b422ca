using System.Diagnostics;

namespace RecoveryKit.Ata;

/// <summary>Time as seen by the host code: every timeout and settle delay goes through this.</summary>
public interface IClock
{
    /// <summary>Time since an arbitrary origin.</summary>
    TimeSpan Now { get; }

    /// <summary>Lets <paramref name="duration"/> pass.</summary>
    void Delay(TimeSpan duration);
}

/// <summary>Wall-clock time for real hardware: spins for sub-millisecond delays, sleeps for longer ones.</summary>
public sealed class SystemClock : IClock
{
    public static SystemClock Instance { get; } = new();

    private readonly Stopwatch _watch = Stopwatch.StartNew();

    public TimeSpan Now => _watch.Elapsed;

    public void Delay(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
            return;
        if (duration >= TimeSpan.FromMilliseconds(2))
        {
            Thread.Sleep(duration);
            return;
        }
        var until = _watch.Elapsed + duration;
        while (_watch.Elapsed < until)
            Thread.SpinWait(20);
    }
}
