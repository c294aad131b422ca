using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Packet;
using RecoveryKit.Profiles;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Ata;

/// <summary>
/// Waits from the standard, as profile values: no status read before the post-reset delay after DEVICE RESET or
/// SRST (ATA: ≥ 2 ms after SRST; libata: 150 ms), a boot code gets the profile's window to abort IDENTIFY DEVICE,
/// and a PACKET data phase that never ends is cut by an overall deadline and a byte cap.
/// </summary>
public sealed class StandardWaitsTests
{
    /// <summary>Records when (virtual time) each access crossed the seam.</summary>
    private sealed class Stamped(IAtaRegisters inner) : IAtaRegisters
    {
        public List<(TimeSpan At, bool Write, bool Control, TaskFileRegister Register, byte Value)> Log { get; } = [];

        public ChannelAddress Address => inner.Address;
        public IClock Clock => inner.Clock;

        public byte Read(TaskFileRegister register)
        {
            var v = inner.Read(register);
            Log.Add((Clock.Now, false, false, register, v));
            return v;
        }

        public void Write(TaskFileRegister register, byte value)
        {
            Log.Add((Clock.Now, true, false, register, value));
            inner.Write(register, value);
        }

        public byte ReadAlternateStatus()
        {
            var v = inner.ReadAlternateStatus();
            Log.Add((Clock.Now, false, true, TaskFileRegister.StatusCommand, v));
            return v;
        }

        public void WriteDeviceControl(byte value)
        {
            Log.Add((Clock.Now, true, true, TaskFileRegister.StatusCommand, value));
            inner.WriteDeviceControl(value);
        }

        public ushort ReadData() => inner.ReadData();
        public void WriteData(ushort value) => inner.WriteData(value);
        public void ReadData(Span<ushort> words) => inner.ReadData(words);
        public void WriteData(ReadOnlySpan<ushort> words) => inner.WriteData(words);

        /// <summary>Time from the access at <paramref name="index"/> to the next status (or alternate status) read.</summary>
        public TimeSpan UntilNextStatusRead(int index)
        {
            for (var i = index + 1; i < Log.Count; i++)
            {
                if (!Log[i].Write && Log[i].Register == TaskFileRegister.StatusCommand)
                    return Log[i].At - Log[index].At;
            }
            throw new Xunit.Sdk.XunitException("no status read followed");
        }
    }

    private static (Stamped Regs, AtaHost Host) HealthyDrive(AtaTimeouts? timeouts = null)
    {
        var clock = new VirtualClock();
        var channel = new VirtualChannel(clock, ChannelAddress.Secondary, SimScenarios.HealthyLiteOn(), null);
        var regs = new Stamped(channel);
        return (regs, new AtaHost(regs, timeouts));
    }

    [Fact]
    public void After_DEVICE_RESET_no_status_is_read_before_the_150_ms_post_reset_delay()
    {
        var (regs, host) = HealthyDrive();

        host.DeviceReset(DeviceSelect.Master);

        var command = regs.Log.FindIndex(a => a is { Write: true, Control: false, Register: TaskFileRegister.StatusCommand, Value: AtaCommand.DeviceReset });
        Assert.True(regs.UntilNextStatusRead(command) >= TimeSpan.FromMilliseconds(150));
    }

    [Fact]
    public void After_SRST_no_status_is_read_before_the_150_ms_post_reset_delay()
    {
        var (regs, host) = HealthyDrive();

        host.SoftReset();

        var released = regs.Log.FindLastIndex(a => a is { Write: true, Control: true } && (a.Value & DeviceControl.SoftReset) == 0);
        Assert.True(released > 0);
        Assert.True(regs.UntilNextStatusRead(released) >= TimeSpan.FromMilliseconds(150));
    }

    [Fact]
    public void A_profiles_own_post_reset_delay_is_honoured()
    {
        var profile = ProfileCatalog.FindDrive("LDW-411S")! with
        {
            PostResetDelay = new Graded<TimeSpan>(TimeSpan.FromMilliseconds(600), "R", "a slow drive"),
        };
        var (regs, host) = HealthyDrive(profile.HostTimeouts(AtaTimeouts.Default));

        host.DeviceReset(DeviceSelect.Master);

        var command = regs.Log.FindIndex(a => a is { Write: true, Control: false, Register: TaskFileRegister.StatusCommand, Value: AtaCommand.DeviceReset });
        Assert.True(regs.UntilNextStatusRead(command) >= TimeSpan.FromMilliseconds(600));
    }

    /// <summary>
    /// A scripted device 0: reads 00h (no BSY, DRQ or ERR) after IDENTIFY DEVICE until <paramref name="abortAfter"/>,
    /// then aborts it (51h, error 04h) with the ATAPI signature — a boot code answering from firmware, slowly.
    /// For PACKET it can hold DRQ with a byte count for ever.
    /// </summary>
    private sealed class ScriptedDevice(VirtualClock clock, TimeSpan? abortAfter, int drqBytes = 0, TimeSpan? perWord = null) : IAtaRegisters
    {
        private TimeSpan _commandAt;
        private byte _command;
        private int _cdbWords;
        private readonly Dictionary<TaskFileRegister, byte> _latched = [];

        public ChannelAddress Address => ChannelAddress.Secondary;
        public IClock Clock => clock;

        private byte Status()
        {
            clock.Advance(TimeSpan.FromTicks(4)); // a port cycle
            return _command switch
            {
                AtaCommand.IdentifyDevice => abortAfter is { } t && clock.Now - _commandAt >= t ? (byte)0x51 : (byte)0x00,
                AtaCommand.Packet => 0x58, // DRDY DSC DRQ: for ever
                _ => 0x50,
            };
        }

        public byte Read(TaskFileRegister register) => register switch
        {
            TaskFileRegister.StatusCommand => Status(),
            TaskFileRegister.ErrorFeatures => 0x04,
            TaskFileRegister.SectorCount => _command == AtaCommand.Packet ? (byte)(_cdbWords < 6 ? 0x01 : 0x02) : (byte)0x01,
            TaskFileRegister.LbaLow => 0x01,
            TaskFileRegister.LbaMid => _command == AtaCommand.Packet ? (byte)drqBytes : (byte)0x14,
            TaskFileRegister.LbaHigh => _command == AtaCommand.Packet ? (byte)(drqBytes >> 8) : (byte)0xEB,
            _ => _latched.GetValueOrDefault(register),
        };

        public void Write(TaskFileRegister register, byte value)
        {
            clock.Advance(TimeSpan.FromTicks(4));
            _latched[register] = value;
            if (register == TaskFileRegister.StatusCommand)
            {
                _command = value;
                _commandAt = clock.Now;
                _cdbWords = 0;
            }
        }

        public byte ReadAlternateStatus() => Status();
        public void WriteDeviceControl(byte value) { }

        private long _words;

        public ushort ReadData()
        {
            // Without a deadline or cap the host would read for ever: fail the test instead of hanging the suite.
            if (++_words > 10_000_000)
                throw new Xunit.Sdk.XunitException("runaway PACKET data loop: more than 10 million words read");
            if (perWord is { } w)
                clock.Advance(w);
            return 0;
        }

        public void WriteData(ushort value) => _cdbWords++;
        public void ReadData(Span<ushort> words) { for (var i = 0; i < words.Length; i++) words[i] = ReadData(); }
        public void WriteData(ReadOnlySpan<ushort> words) { foreach (var w in words) WriteData(w); }
    }

    [Fact]
    public void A_boot_code_that_aborts_IDENTIFY_DEVICE_after_50_ms_is_seen_as_aborting_not_as_nothing_there()
    {
        var regs = new ScriptedDevice(new VirtualClock(), TimeSpan.FromMilliseconds(50));
        var host = new AtaHost(regs);

        var result = host.Identify(DeviceSelect.Master, AtaCommand.IdentifyDevice);

        Assert.Equal(IdentifyOutcome.Aborted, result.Outcome);
        Assert.Equal((byte)0x04, result.Error);
    }

    [Fact]
    public void The_IDENTIFY_response_window_is_the_profiles_value()
    {
        var profile = ProfileCatalog.FindDrive("LDW-411S")! with
        {
            IdentifyResponse = new Graded<TimeSpan>(TimeSpan.FromMilliseconds(20), "R", "a fast bench"),
        };
        var clock = new VirtualClock();
        var host = new AtaHost(new ScriptedDevice(clock, TimeSpan.FromMilliseconds(50)), profile.HostTimeouts(AtaTimeouts.Default));

        var result = host.Identify(DeviceSelect.Master, AtaCommand.IdentifyDevice);

        Assert.Equal(IdentifyOutcome.NoResponse, result.Outcome);
        Assert.InRange(clock.Now, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void A_device_that_never_reacts_to_IDENTIFY_is_reported_after_the_window_not_waited_on_for_ever()
    {
        var clock = new VirtualClock();
        var host = new AtaHost(new ScriptedDevice(clock, abortAfter: null));

        var result = host.Identify(DeviceSelect.Master, AtaCommand.IdentifyDevice);

        Assert.Equal(IdentifyOutcome.NoResponse, result.Outcome);
        Assert.True(clock.Now >= AtaTimeouts.Default.Response);
        Assert.True(clock.Now < AtaTimeouts.Default.Response + TimeSpan.FromMilliseconds(10));
    }

    [Fact]
    public void A_drive_that_holds_DRQ_is_stopped_by_the_byte_cap()
    {
        var regs = new ScriptedDevice(new VirtualClock(), null, drqBytes: 0x800);
        var host = new AtaHost(regs, AtaTimeouts.Default with { PacketByteCap = 8192 });
        var buffer = new byte[36];

        var failure = Assert.Throws<RecoveryKitException>(() =>
            new AtaPacketHost(host, DeviceSelect.Master).Execute([0x12, 0, 0, 0, 36, 0], buffer, DataDirection.In, TimeSpan.FromSeconds(5))).Failure;

        Assert.Equal(FailureKind.DeviceTimeout, failure.Kind);
        Assert.Equal("packet-data", failure.Stage);
        // 36 + 8192 bytes allowed; 2048-byte blocks: the fifth block (10240 bytes) is one too many.
        Assert.Contains("10240 bytes", failure.Cause);
    }

    [Fact]
    public void A_drive_that_holds_DRQ_slowly_is_stopped_by_the_overall_deadline()
    {
        var clock = new VirtualClock();
        // 1 ms per word: each 2048-byte block takes about a second; no single wait ever times out.
        var regs = new ScriptedDevice(clock, null, drqBytes: 0x800, perWord: TimeSpan.FromMilliseconds(1));
        var host = new AtaHost(regs, AtaTimeouts.Default with { PacketByteCap = int.MaxValue / 2, PacketDeadline = TimeSpan.FromSeconds(30) });
        var buffer = new byte[65536];

        var failure = Assert.Throws<RecoveryKitException>(() =>
            new AtaPacketHost(host, DeviceSelect.Master).Execute([0x28, 0, 0, 0, 0, 0, 0, 0, 32, 0], buffer, DataDirection.In, TimeSpan.FromSeconds(5))).Failure;

        Assert.Equal(FailureKind.DeviceTimeout, failure.Kind);
        Assert.Equal("packet-data", failure.Stage);
        Assert.Contains("30 s", failure.Cause);
        Assert.InRange(clock.Now, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(32));
    }
}
