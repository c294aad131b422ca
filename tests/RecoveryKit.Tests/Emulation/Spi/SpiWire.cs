using RecoveryKit.Ata;
using RecoveryKit.Emulation;
using RecoveryKit.Emulation.Spi;
using RecoveryKit.Profiles;

namespace RecoveryKit.Tests.Emulation.Spi;

/// <summary>
/// One vendor-mode register dialect as PROTOCOL.md §3 and §5b write it, typed into the tests by hand (never taken from
/// the emulator's SpiDialect or from the host's profiles), so a wrong constant on either side fails a test.
/// </summary>
internal sealed record WireDialect(string Name, byte Key, byte Opcode, byte Write, byte Read, byte Execute, byte? End, byte Outro, bool LowFirst, int Base)
{
    public static readonly WireDialect PhatLiteOn = new("phat Lite-On", 0x2A, 0x80, 0x01, 0x00, 0x04, 0x05, 0x81, true, 0x8800);
    public static readonly WireDialect PhatBenQ = new("phat BenQ", 0x2A, 0x80, 0x01, 0x00, 0x04, 0x05, 0x81, false, 0x0000);
    public static readonly WireDialect Slim = new("slim", 0xD9, 0x89, 0x68, 0x91, 0x1B, null, 0xF0, true, 0x0000);
    public static readonly WireDialect Slim2 = new("slim2", 0x79, 0x8D, 0x52, 0x1F, 0xC2, null, 0xBE, true, 0x0000);
}

/// <summary>A virtual SPI drive alone on a channel, and a host that speaks to it register by register from PROTOCOL.md §5b.</summary>
internal sealed class SpiWire
{
    private const byte Dev = 0xA0;

    public SpiWire(string part, WireDialect wire, SpiDialect dialect, SpiDriveMaker maker, byte[]? flash = null, MtkFaultPlan? faults = null)
    {
        Clock = new VirtualClock();
        Chip = new SpiChipModel(SpiParts.Find(part)!, Clock, flash ?? []);
        var profile = ProfileCatalog.FindDrive("DG-16D2S")!;
        Drive = new VirtualMtkDrive(profile, Chip, _ => false, _ => null, new DriveIdentityStrings("PLDS", "DG-16D2S", "    ", "SPI0001"), faults);
        Mailbox = Drive.UseSpiMailbox(dialect, maker);
        Channel = new VirtualChannel(Clock, ChannelAddress.Secondary, Drive);
        Wire = wire;
    }

    private SpiWire(VirtualChannel channel, VirtualClock clock, VirtualMtkDrive drive, WireDialect wire)
    {
        Clock = clock;
        Drive = drive;
        Chip = (SpiChipModel?)drive.Spi?.Chip ?? null!;
        Mailbox = drive.Spi ?? null!;
        Channel = channel;
        Wire = wire;
    }

    /// <summary>A wire onto a drive already on a bench (the drive at master of <paramref name="channel"/>).</summary>
    public static SpiWire Onto(VirtualChannel channel, VirtualClock clock, VirtualMtkDrive drive, WireDialect wire) => new(channel, clock, drive, wire);

    public static SpiWire PhatLiteOn(string part = "MX25L2005", byte[]? flash = null, MtkFaultPlan? faults = null) =>
        new(part, WireDialect.PhatLiteOn, SpiDialect.Phat, SpiDriveMaker.LiteOn, flash, faults);

    public VirtualClock Clock { get; }
    public SpiChipModel Chip { get; }
    public VirtualMtkDrive Drive { get; }
    public SpiBufferMailbox Mailbox { get; }
    public VirtualChannel Channel { get; }
    public WireDialect Wire { get; set; }

    public byte Status => Channel.Read(TaskFileRegister.StatusCommand);

    /// <summary>DEV ← dev, LBAL ← key, CMD ← opcode, then the status once BSY clears.</summary>
    public byte Intro(byte? key = null, byte? opcode = null)
    {
        Channel.Write(TaskFileRegister.Device, Dev);
        Channel.Write(TaskFileRegister.LbaLow, key ?? Wire.Key);
        Channel.Write(TaskFileRegister.StatusCommand, opcode ?? Wire.Opcode);
        return Poll();
    }

    /// <summary>Reads status until BSY clears (10 µs apart, 10 s at most).</summary>
    public byte Poll()
    {
        for (var i = 0; i < 1_000_000; i++)
        {
            var status = Status;
            if ((status & 0x80) == 0)
                return status;
            Clock.Advance(TimeSpan.FromMicroseconds(10));
        }
        return Status;
    }

    public void BufferWrite(int offset, byte value)
    {
        Channel.Write(TaskFileRegister.Device, Dev);
        Channel.Write(TaskFileRegister.LbaMid, (byte)offset);
        Channel.Write(TaskFileRegister.LbaHigh, (byte)(offset >> 8));
        Channel.Write(TaskFileRegister.LbaLow, value);
        Channel.Write(TaskFileRegister.StatusCommand, Wire.Write);
        Channel.Write(TaskFileRegister.Device, Dev);
        Poll();
    }

    public byte BufferRead(int offset)
    {
        Channel.Write(TaskFileRegister.Device, Dev);
        Channel.Write(TaskFileRegister.LbaMid, (byte)offset);
        Channel.Write(TaskFileRegister.LbaHigh, (byte)(offset >> 8));
        Channel.Write(TaskFileRegister.StatusCommand, Wire.Read);
        Channel.Write(TaskFileRegister.Device, Dev);
        Poll();
        return Channel.Read(TaskFileRegister.LbaLow);
    }

    /// <summary>The execute: FEAT/SC carry tx, LBAM/LBAH rx, in the dialect's byte order; phat then sends 05h.</summary>
    public void Execute(int tx, int rx, bool lowFirst, bool sendEnd = true)
    {
        var (c0, c1, c2, c3) = lowFirst
            ? ((byte)tx, (byte)(tx >> 8), (byte)rx, (byte)(rx >> 8))
            : ((byte)(tx >> 8), (byte)tx, (byte)(rx >> 8), (byte)rx);
        Channel.Write(TaskFileRegister.Device, Dev);
        Channel.Write(TaskFileRegister.ErrorFeatures, c0);
        Channel.Write(TaskFileRegister.SectorCount, c1);
        Channel.Write(TaskFileRegister.LbaLow, 0);
        Channel.Write(TaskFileRegister.LbaMid, c2);
        Channel.Write(TaskFileRegister.LbaHigh, c3);
        Channel.Write(TaskFileRegister.StatusCommand, Wire.Execute);
        Channel.Write(TaskFileRegister.Device, Dev);
        Poll();
        if (Wire.End is { } end && sendEnd)
        {
            Channel.Write(TaskFileRegister.Device, Dev);
            Channel.Write(TaskFileRegister.StatusCommand, end);
            Poll();
        }
    }

    /// <summary>One SPI transaction: the command bytes into the buffer from its base, execute, the reply from base + tx.</summary>
    public byte[] Transaction(byte[] tx, int rx = 0, bool? lowFirst = null, int? bufferBase = null, bool sendEnd = true)
    {
        var at = bufferBase ?? Wire.Base;
        for (var i = 0; i < tx.Length; i++)
            BufferWrite(at + i, tx[i]);
        Execute(tx.Length, rx, lowFirst ?? Wire.LowFirst, sendEnd);
        var reply = new byte[rx];
        for (var i = 0; i < rx; i++)
            reply[i] = BufferRead(at + tx.Length + i);
        return reply;
    }

    public byte[] Rems() => Transaction([0x90, 0x00, 0x00, 0x00], 2);

    public byte Rdsr() => Transaction([0x05], 1)[0];

    public void Wren() => Transaction([0x06]);

    public void Wrsr(byte value) => Transaction([0x01, value]);

    public void PageProgram(int address, ReadOnlySpan<byte> data) =>
        Transaction([0x02, (byte)(address >> 16), (byte)(address >> 8), (byte)address, .. data]);

    public void SectorErase(int address) => Transaction([0x20, (byte)(address >> 16), (byte)(address >> 8), (byte)address]);

    public byte[] ReadFlash(int address, int count) => Transaction([0x03, (byte)(address >> 16), (byte)(address >> 8), (byte)address], count);

    /// <summary>Polls RDSR until WIP clears; returns the final status.</summary>
    public byte WaitReady(TimeSpan step)
    {
        for (var i = 0; i < 100_000; i++)
        {
            var status = Rdsr();
            if ((status & 0x01) == 0)
                return status;
            Clock.Advance(step);
        }
        return Rdsr();
    }

    /// <summary>The dialect's outro opcode, then DEVICE RESET (§6).</summary>
    public void Outro(bool sendOutroOpcode = true)
    {
        if (sendOutroOpcode)
        {
            Channel.Write(TaskFileRegister.Device, Dev);
            Channel.Write(TaskFileRegister.StatusCommand, Wire.Outro);
        }
        Channel.Write(TaskFileRegister.Device, Dev);
        Channel.Write(TaskFileRegister.StatusCommand, 0x08);
    }
}
