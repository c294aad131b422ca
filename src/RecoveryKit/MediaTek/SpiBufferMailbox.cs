using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Profiles;

namespace RecoveryKit.MediaTek;

/// <summary>
/// The SPI master of the Xbox 360 drives (PROTOCOL.md §5b, JungleFlasher 0.1.96 [V-dec]): the host fills the drive's
/// byte buffer through the task file, then an execute command makes the drive clock one SPI transaction (send N bytes
/// from the buffer, receive M bytes back into it, right after the sent ones). The dialect — buffer write/read/execute
/// opcodes, the byte order of the counts, the buffer base — comes from the drive profile.
/// </summary>
public sealed class SpiBufferMailbox : ISpiBus
{
    private readonly IAtaRegisters _regs;
    private readonly DeviceSelect _device;
    private readonly SpiBufferDialect _dialect;
    private readonly VendorStatusPoll _poll;

    /// <param name="readyStatus">The status the drive answers while ready in this session: the one it entered vendor mode
    /// with (the profile's vendor status, or its locked status under --try-locked). Null: the profile's vendor status.</param>
    public SpiBufferMailbox(IAtaRegisters regs, DeviceSelect device, DriveProfile profile, byte? readyStatus = null)
    {
        _regs = regs;
        _device = device;
        _dialect = profile.SpiBuffer?.Value ?? throw new RecoveryKitException(FailureKind.Internal, "profile",
            $"drive profile {profile.Name} has no spiBuffer dialect", "Check drives.json: an SPI drive needs spiBuffer.");
        _poll = new VendorStatusPoll(regs, profile, readyStatus);
    }

    public SpiBufferDialect Dialect => _dialect;

    public long Transactions { get; private set; }

    /// <summary>
    /// Fills the buffer with <paramref name="command"/>, executes, and reads the reply from just after it. The three phases
    /// are written here, not in helpers: the transaction is the one call that touches the registers (issue 14's call depth).
    /// </summary>
    public void Transact(ReadOnlySpan<byte> command, Span<byte> reply)
    {
        if (command.IsEmpty || command.Length > 0xFFFF || reply.Length > 0xFFFF)
            throw new ArgumentException("an SPI transaction sends 1 to 65535 bytes and receives at most 65535");
        var at = _dialect.BufferBase;
        var select = _device.RegisterValue();

        // Buffer writes, one per byte sent: DEV ← dev; LBAM ← off[7:0]; LBAH ← off[15:8]; LBAL ← byte; CMD ← W; DEV ← dev; poll.
        for (var i = 0; i < command.Length; i++)
        {
            var offset = (ushort)(at + i);
            _regs.Write(TaskFileRegister.Device, select);
            _regs.Write(TaskFileRegister.LbaMid, (byte)offset);
            _regs.Write(TaskFileRegister.LbaHigh, (byte)(offset >> 8));
            _regs.Write(TaskFileRegister.LbaLow, command[i]);
            _regs.Write(TaskFileRegister.StatusCommand, _dialect.WriteOpcode);
            _regs.Write(TaskFileRegister.Device, select);
            _poll.Wait($"SPI buffer offset {offset:X4}h");
        }

        // The execute: DEV ← dev; FEAT ← c0; SC ← c1; LBAL ← 0; LBAM ← c2; LBAH ← c3; CMD ← X; DEV ← dev; poll — then, in
        // the phat dialect, DEV ← dev; CMD ← 05h; poll. Lite-On: c0/c1 = tx low/high, c2/c3 = rx low/high; BenQ the other way round.
        var tx = (ushort)command.Length;
        var rx = (ushort)reply.Length;
        var (c0, c1, c2, c3) = _dialect.CountsLowByteFirst
            ? ((byte)tx, (byte)(tx >> 8), (byte)rx, (byte)(rx >> 8))
            : ((byte)(tx >> 8), (byte)tx, (byte)(rx >> 8), (byte)rx);
        _regs.Write(TaskFileRegister.Device, select);
        _regs.Write(TaskFileRegister.ErrorFeatures, c0);
        _regs.Write(TaskFileRegister.SectorCount, c1);
        _regs.Write(TaskFileRegister.LbaLow, 0);
        _regs.Write(TaskFileRegister.LbaMid, c2);
        _regs.Write(TaskFileRegister.LbaHigh, c3);
        _regs.Write(TaskFileRegister.StatusCommand, _dialect.ExecuteOpcode);
        _regs.Write(TaskFileRegister.Device, select);
        _poll.Wait($"SPI execute (send {tx}, receive {rx})");
        if (_dialect.ExecuteFollowUp is { } followUp)
        {
            _regs.Write(TaskFileRegister.Device, select);
            _regs.Write(TaskFileRegister.StatusCommand, followUp);
            _poll.Wait("SPI execute follow-up");
        }

        // Buffer reads, one per byte received: DEV ← dev; LBAM ← off[7:0]; LBAH ← off[15:8]; CMD ← R; DEV ← dev; poll; read LBAL.
        for (var i = 0; i < reply.Length; i++)
        {
            var offset = (ushort)(at + command.Length + i);
            _regs.Write(TaskFileRegister.Device, select);
            _regs.Write(TaskFileRegister.LbaMid, (byte)offset);
            _regs.Write(TaskFileRegister.LbaHigh, (byte)(offset >> 8));
            _regs.Write(TaskFileRegister.StatusCommand, _dialect.ReadOpcode);
            _regs.Write(TaskFileRegister.Device, select);
            _poll.Wait($"SPI buffer offset {offset:X4}h");
            reply[i] = _regs.Read(TaskFileRegister.LbaLow);
        }
        Transactions++;
    }
}
