using RecoveryKit.Diagnostics;

namespace RecoveryKit.Ata;

/// <summary>How an IDENTIFY (PACKET) DEVICE command ended.</summary>
public enum IdentifyOutcome
{
    /// <summary>The device returned its 512-byte block.</summary>
    Data,
    /// <summary>The device aborted the command (ERR, ABRT).</summary>
    Aborted,
    /// <summary>Nothing reacted to the command: no BSY, no DRQ, no ERR (an absent device 1 behind device 0).</summary>
    NoResponse,
}

/// <summary>The result of one IDENTIFY (PACKET) DEVICE command.</summary>
public sealed record IdentifyResult(IdentifyOutcome Outcome, IdentifyData? Data, byte Status, byte Error);

/// <summary>
/// The ATA/ATAPI host over the register seam, in the manner of libata's SFF layer: device select with the
/// 400 ns settle rule, BSY/DRQ waits with explicit timeouts, SRST, DEVICE RESET, EXECUTE DEVICE DIAGNOSTIC,
/// signatures and IDENTIFY. Every wait has a limit and ends in a typed failure naming the stage.
/// </summary>
public sealed class AtaHost
{
    private static readonly TimeSpan SrstHold = TimeSpan.FromMicroseconds(5);
    private static readonly TimeSpan ResponsePollStep = TimeSpan.FromMicroseconds(10);

    /// <summary>How long device 0 may read FFh after SRST before it counts as absent (libata's ATA_TMOUT_FF_WAIT).</summary>
    private static readonly TimeSpan FloatingBusGrace = TimeSpan.FromMilliseconds(800);

    public AtaHost(IAtaRegisters registers, AtaTimeouts? timeouts = null)
    {
        Registers = registers;
        Timeouts = timeouts ?? AtaTimeouts.Default;
    }

    public IAtaRegisters Registers { get; }

    public AtaTimeouts Timeouts { get; }

    /// <summary>The same channel with other limits (a drive profile's waits, see <see cref="Profiles.DriveProfile.HostTimeouts"/>).</summary>
    public AtaHost With(AtaTimeouts timeouts) => ReferenceEquals(timeouts, Timeouts) ? this : new AtaHost(Registers, timeouts);

    public IClock Clock => Registers.Clock;

    /// <summary>"secondary master (0x170)"-style words for messages.</summary>
    public string Describe(DeviceSelect device) =>
        $"{(device == DeviceSelect.Master ? "master" : "slave")} at 0x{Registers.Address.CommandBase:X3}";

    /// <summary>
    /// Writes the device register (A0h/B0h plus head bits) and waits the 400 ns the device needs to drive the
    /// bus: four alternate-status reads (ATA/ATAPI-6 §9.2).
    /// </summary>
    public void Select(DeviceSelect device, byte head = 0)
    {
        Registers.Write(TaskFileRegister.Device, device.RegisterValue(head));
        Settle();
    }

    /// <summary>The 400 ns pause: four reads of alternate status, which have no side effect.</summary>
    public void Settle()
    {
        Registers.ReadAlternateStatus();
        Registers.ReadAlternateStatus();
        Registers.ReadAlternateStatus();
        Registers.ReadAlternateStatus();
    }

    /// <summary>Polls alternate status until BSY clears; returns the status seen.</summary>
    public byte WaitNotBusy(string stage, TimeSpan timeout, DeviceSelect device) =>
        WaitUntil(stage, timeout, device, static s => (s & (byte)AtaStatus.Busy) == 0, "BSY did not clear");

    /// <summary>
    /// Polls alternate status until <paramref name="done"/> holds. Polls back-to-back for the first few
    /// hundred microseconds, then lets the clock pass in growing steps (at most 1 ms), so long waits cost few reads.
    /// </summary>
    public byte WaitUntil(string stage, TimeSpan timeout, DeviceSelect device, Func<byte, bool> done, string what)
    {
        var start = Clock.Now;
        var deadline = start + timeout;
        var polls = 0;
        while (true)
        {
            var status = Registers.ReadAlternateStatus();
            if (done(status))
                return status;
            var now = Clock.Now;
            if (now >= deadline)
                throw Timeout(stage, device, status, what, timeout);
            if (++polls > 256)
            {
                var step = TimeSpan.FromTicks(Math.Clamp((now - start).Ticks / 16, TimeSpan.TicksPerMicrosecond * 10, TimeSpan.TicksPerMillisecond));
                Clock.Delay(step < deadline - now ? step : deadline - now);
            }
        }
    }

    private RecoveryKitException Timeout(string stage, DeviceSelect device, byte status, string what, TimeSpan timeout)
    {
        var advice = status switch
        {
            0x80 => "The device is stuck busy: power-cycle the drive (or the PC) and try again; a drive that stays busy after power-on needs the vendor-mode intro, which 'unbrick' sends.",
            0xFF => "Nothing drives the bus here: check the cable, the jumper (master/slave) and the drive's power.",
            0x7F => "The bus reads 7Fh, typical of a dead drive or a missing one on a pulled-down cable: power-cycle the drive and check the cable.",
            _ => "Power-cycle the drive and try again; if it repeats, move the drive to its own cable as master.",
        };
        return new RecoveryKitException(new Failure(FailureKind.DeviceTimeout, stage,
            $"{what} within {FormatTime(timeout)} on the {Describe(device)} (status {status:X2}h)", advice) { Status = status });
    }

    /// <summary>"1.5 s", "20 ms", "400 µs".</summary>
    public static string FormatTime(TimeSpan t) =>
        t.TotalSeconds >= 1 ? $"{t.TotalSeconds:0.##} s" : t.TotalMilliseconds >= 1 ? $"{t.TotalMilliseconds:0.##} ms" : $"{t.TotalMicroseconds:0.##} µs";

    /// <summary>Reads the four signature registers.</summary>
    public Signature ReadSignature() => new(
        Registers.Read(TaskFileRegister.SectorCount),
        Registers.Read(TaskFileRegister.LbaLow),
        Registers.Read(TaskFileRegister.LbaMid),
        Registers.Read(TaskFileRegister.LbaHigh));

    /// <summary>
    /// Whether anything holds values written to the channel's registers with <paramref name="device"/> selected
    /// (libata's devchk: 55h/AAh patterns in sector count and LBA low). A floating bus holds nothing.
    /// </summary>
    public bool RegistersHoldValues(DeviceSelect device)
    {
        Select(device);
        Registers.Write(TaskFileRegister.SectorCount, 0x55);
        Registers.Write(TaskFileRegister.LbaLow, 0xAA);
        Registers.Write(TaskFileRegister.SectorCount, 0xAA);
        Registers.Write(TaskFileRegister.LbaLow, 0x55);
        Registers.Write(TaskFileRegister.SectorCount, 0x55);
        Registers.Write(TaskFileRegister.LbaLow, 0xAA);
        return Registers.Read(TaskFileRegister.SectorCount) == 0x55 && Registers.Read(TaskFileRegister.LbaLow) == 0xAA;
    }

    /// <summary>
    /// Software reset of both devices on the channel: SRST set for at least 5 µs, released, then no status read
    /// before the post-reset delay (<see cref="AtaTimeouts.PostReset"/>: ATA asks 2 ms, libata waits 150 ms), then BSY must clear on device 0 within the reset limit (on device 1 when device 0 floats at FFh, i.e. is absent).
    /// Interrupts stay disabled (nIEN): RecoveryKit polls.
    /// </summary>
    public void SoftReset(bool waitForMaster = true)
    {
        Registers.WriteDeviceControl(DeviceControl.InterruptsDisabled | DeviceControl.SoftReset);
        Clock.Delay(SrstHold);
        Registers.WriteDeviceControl(DeviceControl.InterruptsDisabled);
        Clock.Delay(Timeouts.PostReset);
        if (waitForMaster)
        {
            Select(DeviceSelect.Master);
            var start = Clock.Now;
            var status = WaitUntil("soft-reset", Timeouts.Reset, DeviceSelect.Master,
                s => (s & (byte)AtaStatus.Busy) == 0 || (s == 0xFF && Clock.Now - start >= FloatingBusGrace), "BSY did not clear");
            if (status == 0xFF)
            {
                // Device 0 is absent (the bus floats): a lone device 1 is the one to wait for, as libata does.
                Select(DeviceSelect.Slave);
                WaitNotBusy("soft-reset", Timeouts.Reset - (Clock.Now - start), DeviceSelect.Slave);
            }
        }
    }

    /// <summary>
    /// DEVICE RESET (08h) to an ATAPI device — the one command it accepts while BSY, reaching only that device —
    /// then, after the post-reset delay with no status read (<see cref="AtaTimeouts.PostReset"/>), waits for BSY to
    /// clear (the reset limit unless <paramref name="timeout"/> is given).
    /// </summary>
    public void DeviceReset(DeviceSelect device, TimeSpan? timeout = null, string stage = "device-reset")
    {
        Select(device);
        Registers.Write(TaskFileRegister.StatusCommand, AtaCommand.DeviceReset);
        Clock.Delay(Timeouts.PostReset);
        WaitNotBusy(stage, timeout ?? Timeouts.Reset, device);
    }

    /// <summary>EXECUTE DEVICE DIAGNOSTIC (90h): both devices reset; returns device 0's diagnostic code (01h = passed).</summary>
    public byte ExecuteDeviceDiagnostic()
    {
        Select(DeviceSelect.Master);
        WaitNotBusy("diagnostic", Timeouts.NotBusy, DeviceSelect.Master);
        Registers.Write(TaskFileRegister.StatusCommand, AtaCommand.ExecuteDeviceDiagnostic);
        Settle();
        WaitNotBusy("diagnostic", Timeouts.Reset, DeviceSelect.Master);
        return Registers.Read(TaskFileRegister.ErrorFeatures);
    }

    /// <summary>
    /// Issues IDENTIFY DEVICE (ECh) or IDENTIFY PACKET DEVICE (A1h) and reads the 512-byte block.
    /// A device that does not react at all (no BSY, DRQ or ERR) is reported as <see cref="IdentifyOutcome.NoResponse"/>.
    /// </summary>
    public IdentifyResult Identify(DeviceSelect device, byte command)
    {
        if (command is not (AtaCommand.IdentifyDevice or AtaCommand.IdentifyPacketDevice))
            throw new ArgumentOutOfRangeException(nameof(command), "only ECh and A1h are IDENTIFY commands");
        var stage = command == AtaCommand.IdentifyDevice ? "identify-device" : "identify-packet-device";
        Select(device);
        WaitNotBusy(stage, Timeouts.NotBusy, device);
        Registers.Write(TaskFileRegister.StatusCommand, command);
        Settle();

        // A present device is BSY, or already has DRQ/ERR, within microseconds of the command write.
        var responded = Clock.Now + Timeouts.Response;
        byte status;
        var polls = 0;
        while (true)
        {
            status = Registers.ReadAlternateStatus();
            if ((status & (byte)(AtaStatus.Busy | AtaStatus.DataRequest | AtaStatus.Error)) != 0)
                break;
            if (Clock.Now >= responded)
                return new IdentifyResult(IdentifyOutcome.NoResponse, null, status, 0);
            // Let time pass ourselves: a fast port (or a zero-cost virtual one) must not spin here forever.
            if (++polls > 16)
                Clock.Delay(ResponsePollStep);
        }

        status = WaitNotBusy(stage, Timeouts.Command, device);
        if ((status & (byte)AtaStatus.DataRequest) != 0)
        {
            Span<ushort> words = stackalloc ushort[256];
            Registers.ReadData(words);
            Settle();
            status = Registers.Read(TaskFileRegister.StatusCommand);
            return new IdentifyResult(IdentifyOutcome.Data, IdentifyData.Parse(words), status, 0);
        }
        status = Registers.Read(TaskFileRegister.StatusCommand);
        var error = Registers.Read(TaskFileRegister.ErrorFeatures);
        return new IdentifyResult((status & (byte)AtaStatus.Error) != 0 ? IdentifyOutcome.Aborted : IdentifyOutcome.NoResponse, null, status, error);
    }
}
