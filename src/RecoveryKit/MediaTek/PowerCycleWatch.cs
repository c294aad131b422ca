using RecoveryKit.Ata;

namespace RecoveryKit.MediaTek;

/// <summary>What the watcher has seen of a power cycle so far.</summary>
public enum PowerPhase
{
    /// <summary>The drive still has power (its old status).</summary>
    WaitingForOff,
    /// <summary>The bus floats (FFh/7Fh): the drive is off.</summary>
    Off,
    /// <summary>The drive is back: busy with its power-on reset, or showing the ATAPI signature.</summary>
    Back,
}

/// <summary>
/// Watches a position while the technician power-cycles the drive (PROTOCOL.md §3: some boot code honours the
/// intro only shortly after power-on, so the intro is resent the moment the drive is back). Reads only the
/// alternate status and the signature registers: nothing is sent to the drive.
/// </summary>
public static class PowerCycleWatch
{
    /// <summary>
    /// Polls every <paramref name="interval"/> until the drive is seen going off and coming back (true), or
    /// <paramref name="timeout"/> passes or <paramref name="cancel"/> fires (false). <paramref name="onChange"/>
    /// hears every change of status or phase, for a live display.
    /// </summary>
    public static bool Watch(AtaHost host, DeviceSelect device, TimeSpan timeout, TimeSpan interval,
        Action<byte, PowerPhase>? onChange = null, CancellationToken cancel = default)
    {
        var regs = host.Registers;
        var clock = host.Clock;
        host.Select(device);
        var start = clock.Now;
        var phase = PowerPhase.WaitingForOff;
        var last = regs.ReadAlternateStatus();
        onChange?.Invoke(last, phase);
        while (clock.Now - start < timeout && !cancel.IsCancellationRequested)
        {
            clock.Delay(interval);
            var status = regs.ReadAlternateStatus();
            var next = phase;
            var floating = status is 0xFF or 0x7F;
            if (phase == PowerPhase.WaitingForOff && floating)
            {
                next = PowerPhase.Off;
            }
            else if (!floating && (phase == PowerPhase.Off || status != last))
            {
                // Back: busy with its reset, or done and showing the packet-device signature.
                if ((status & (byte)AtaStatus.Busy) != 0 && phase == PowerPhase.Off)
                    next = PowerPhase.Back;
                else if (host.ReadSignature().IsAtapi)
                    next = PowerPhase.Back;
            }
            if (status != last || next != phase)
                onChange?.Invoke(status, next);
            last = status;
            phase = next;
            if (phase == PowerPhase.Back)
            {
                // Let the power-on reset finish before the intro is sent (bounded by the same timeout).
                try
                {
                    host.WaitNotBusy("power-cycle", timeout, device);
                }
                catch (Diagnostics.RecoveryKitException)
                {
                    return false;
                }
                return true;
            }
        }
        return false;
    }
}
