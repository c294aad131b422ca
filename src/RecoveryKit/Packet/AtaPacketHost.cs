using System.Runtime.InteropServices;
using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;

namespace RecoveryKit.Packet;

/// <summary>
/// The ATAPI PACKET protocol in PIO over the register seam (PROTOCOL.md §2): the same code drives real
/// ports and the emulator. CDB phase, data phases honouring the device's byte counts, completion, and
/// CHECK CONDITION followed by REQUEST SENSE.
/// </summary>
public sealed class AtaPacketHost : IPacketTransport
{
    private const byte ReasonCommand = 0x01; // CoD
    private const byte ReasonIn = 0x02;      // IO

    public AtaPacketHost(AtaHost host, DeviceSelect device)
    {
        Host = host;
        Device = device;
    }

    public AtaHost Host { get; }

    public DeviceSelect Device { get; }

    /// <summary>
    /// The byte-count limit written to LBA mid/high with each PACKET command (0 means: from the buffer size,
    /// at most FFFEh). Devices treat FFFFh as FFFEh.
    /// </summary>
    public int ByteCountLimit { get; set; }

    public string Describe => Host.Describe(Device);

    public PacketResult Execute(ReadOnlySpan<byte> cdb, Span<byte> data, DataDirection direction, TimeSpan timeout)
    {
        if (cdb.Length is 0 or > 12)
            throw new ArgumentException("ATAPI command blocks are 1..12 bytes", nameof(cdb));
        var regs = Host.Registers;
        Host.Select(Device);
        Host.WaitUntil("packet-select", Host.Timeouts.NotBusy, Device,
            static s => (s & (byte)(AtaStatus.Busy | AtaStatus.DataRequest)) == 0, "BSY or DRQ did not clear");

        var limit = ByteCountLimit != 0 ? ByteCountLimit : Math.Clamp(data.Length + (data.Length & 1), 2, 0xFFFE);
        regs.Write(TaskFileRegister.ErrorFeatures, 0x00); // PIO, no overlap
        regs.Write(TaskFileRegister.SectorCount, 0x00);
        regs.Write(TaskFileRegister.LbaMid, (byte)limit);
        regs.Write(TaskFileRegister.LbaHigh, (byte)(limit >> 8));
        regs.Write(TaskFileRegister.StatusCommand, AtaCommand.Packet);
        Host.Settle();

        var status = Host.WaitNotBusy("packet-command", Host.Timeouts.Command, Device);
        if ((status & (byte)AtaStatus.Error) != 0)
        {
            var error = regs.Read(TaskFileRegister.ErrorFeatures);
            regs.Read(TaskFileRegister.StatusCommand);
            throw new RecoveryKitException(new Failure(FailureKind.WrongDeviceClass, "packet-command",
                $"the {Describe} aborted the PACKET command (status {status:X2}h, error {error:X2}h)",
                "This is not an ATAPI device that answers packet commands; run 'scan' to see what is at this position.")
            { Status = status, Error = error });
        }
        var reason = regs.Read(TaskFileRegister.SectorCount);
        if ((status & (byte)AtaStatus.DataRequest) == 0 || (reason & (ReasonCommand | ReasonIn)) != ReasonCommand)
            throw Protocol("packet-cdb", $"the device did not ask for the command block (status {status:X2}h, interrupt reason {reason:X2}h)", status);

        Span<ushort> cdbWords = stackalloc ushort[6];
        cdbWords.Clear();
        Span<byte> padded = MemoryMarshal.AsBytes(cdbWords);
        cdb.CopyTo(padded);
        regs.WriteData(cdbWords);

        var transferred = 0;
        // A drive that holds DRQ must not keep the host looping: the whole data phase has a deadline (never shorter
        // than this command's own timeout) and may move at most the buffer plus the profile's byte cap.
        var clock = Host.Clock;
        var budget = timeout > Host.Timeouts.PacketDeadline ? timeout : Host.Timeouts.PacketDeadline;
        var deadline = clock.Now + budget;
        var byteCap = (long)data.Length + Host.Timeouts.PacketByteCap;
        long moved = 0;
        Span<ushort> spill = stackalloc ushort[64];
        while (true)
        {
            Host.Settle();
            var left = deadline - clock.Now;
            if (left <= TimeSpan.Zero)
                throw Overrun("packet-data", $"the data phase did not end within {AtaHost.FormatTime(budget)} ({moved} bytes moved, DRQ still set)", status);
            status = Host.WaitNotBusy("packet-data", timeout < left ? timeout : left, Device);
            status = regs.Read(TaskFileRegister.StatusCommand); // clears INTRQ
            if ((status & (byte)AtaStatus.DataRequest) == 0)
                break;
            reason = regs.Read(TaskFileRegister.SectorCount);
            var count = regs.Read(TaskFileRegister.LbaMid) | (regs.Read(TaskFileRegister.LbaHigh) << 8);
            if (count == 0)
                throw Protocol("packet-data", "the device asked for a data transfer of 0 bytes", status);
            moved += count + (count & 1);
            if (moved > byteCap)
                throw Overrun("packet-data", $"the device kept DRQ for {moved} bytes, more than the {data.Length}-byte buffer plus the {Host.Timeouts.PacketByteCap}-byte cap", status);
            var phase = reason & (ReasonCommand | ReasonIn);
            if (phase == ReasonIn)
            {
                if (direction != DataDirection.In)
                    throw Protocol("packet-data", $"the device offered {count} bytes for a command that reads none", status);
                transferred += ReadChunk(data, transferred, count, spill);
            }
            else if (phase == 0)
            {
                if (direction != DataDirection.Out)
                    throw Protocol("packet-data", $"the device asked for {count} bytes for a command that sends none", status);
                transferred += WriteChunk(data, transferred, count);
            }
            else
            {
                throw Protocol("packet-data", $"DRQ with interrupt reason {reason:X2}h in the data phase", status);
            }
        }

        if ((status & (byte)AtaStatus.Error) == 0)
            return new PacketResult(PacketOutcome.Good, transferred, null);

        var errorRegister = regs.Read(TaskFileRegister.ErrorFeatures);
        var key = (byte)(errorRegister >> 4);
        if (cdb[0] == ScsiOpcode.RequestSense)
            return new PacketResult(PacketOutcome.CheckCondition, transferred, new SenseData(key, 0, 0));
        Span<byte> senseBytes = stackalloc byte[18];
        var senseCdb = (ReadOnlySpan<byte>)[ScsiOpcode.RequestSense, 0, 0, 0, 18, 0, 0, 0, 0, 0, 0, 0];
        var senseResult = Execute(senseCdb, senseBytes, DataDirection.In, Host.Timeouts.Command);
        var sense = senseResult.IsGood ? SenseData.Parse(senseBytes[..senseResult.Transferred]) : null;
        return new PacketResult(PacketOutcome.CheckCondition, transferred, sense ?? new SenseData(key, 0, 0));
    }

    /// <summary>Reads one DRQ block of <paramref name="count"/> bytes (an odd count ends with a half-used word).</summary>
    private int ReadChunk(Span<byte> data, int offset, int count, Span<ushort> spill)
    {
        var regs = Host.Registers;
        var room = Math.Max(0, data.Length - offset);
        var useful = Math.Min(room, count);
        var wholeWords = useful / 2;
        if (wholeWords > 0)
            regs.ReadData(MemoryMarshal.Cast<byte, ushort>(data.Slice(offset, wholeWords * 2)));
        var wordsLeft = (count + 1) / 2 - wholeWords;
        if (useful > wholeWords * 2 && wordsLeft > 0)
        {
            var word = regs.ReadData();
            data[offset + useful - 1] = (byte)word;
            wordsLeft--;
        }
        while (wordsLeft > 0)
        {
            // More than the caller's buffer holds: drain it so the device can complete.
            var n = Math.Min(wordsLeft, spill.Length);
            regs.ReadData(spill[..n]);
            wordsLeft -= n;
        }
        return useful;
    }

    private int WriteChunk(ReadOnlySpan<byte> data, int offset, int count)
    {
        var regs = Host.Registers;
        var words = (count + 1) / 2;
        var sent = 0;
        for (var i = 0; i < words; i++)
        {
            var at = offset + (2 * i);
            var lo = at < data.Length ? data[at] : (byte)0;
            var hi = at + 1 < data.Length && 2 * i + 1 < count ? data[at + 1] : (byte)0;
            regs.WriteData((ushort)(lo | (hi << 8)));
            sent += Math.Min(2, count - (2 * i));
        }
        return Math.Min(sent, Math.Max(0, data.Length - offset));
    }

    private RecoveryKitException Overrun(string stage, string cause, byte status) =>
        new(new Failure(FailureKind.DeviceTimeout, stage, $"{cause} on the {Describe}",
            "The drive does not end the transfer: power-cycle it and try again; if it repeats it may be running only its boot code (use 'unbrick'). The limits are packetDeadlineMs and packetByteCap in drives.json.")
        { Status = status });

    private RecoveryKitException Protocol(string stage, string cause, byte status) =>
        new(new Failure(FailureKind.DeviceTimeout, stage, $"{cause} on the {Describe}",
            "The drive broke the ATAPI protocol: power-cycle it and try again; if it repeats it may be running only its boot code (use 'unbrick').")
        { Status = status });
}
