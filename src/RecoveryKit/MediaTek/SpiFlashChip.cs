using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Profiles;

namespace RecoveryKit.MediaTek;

/// <summary>
/// The SPI NOR command engine (PROTOCOL.md §5b; opcodes from the datasheets [D] and JungleFlasher [V-dec]): REMS ID,
/// RDSR, WREN, EWSR (SST), WRSR, READ by 256-byte pages, PAGE PROGRAM, SECTOR ERASE, CHIP ERASE by manufacturer.
/// Program and erase: WREN, RDSR until WEL, the command, RDSR until WIP clears — deadlines from the chip table.
/// </summary>
public sealed class SpiFlashChip : IFlashEngine
{
    /// <summary>READ ID / REMS: 90h 00 00 00, then manufacturer and device.</summary>
    public const byte Rems = 0x90;
    public const byte ReadStatusRegister = 0x05;
    public const byte WriteEnable = 0x06;
    /// <summary>EWSR: SST parts want it before WRSR.</summary>
    public const byte EnableWriteStatus = 0x50;
    public const byte WriteStatusRegister = 0x01;
    public const byte ReadData = 0x03;
    public const byte PageProgram = 0x02;

    /// <summary>Status bits [D]: WIP (busy), WEL, BP0..BP2, SRWD (status register write disable, with WP#).</summary>
    public const byte Wip = 0x01;
    public const byte Wel = 0x02;
    public const byte BlockProtect = 0x1C;
    public const byte Srwd = 0x80;

    /// <summary>How many data bytes one READ transaction moves (PROTOCOL.md §5b: 256-byte pages).</summary>
    public const int ReadChunk = 256;

    /// <summary>RDSR reads after WREN before a WEL that never sets counts as refused (it sets at once on every part).</summary>
    private const int WelReads = 16;

    private readonly ISpiBus _bus;
    private readonly IClock _clock;
    // PAGE PROGRAM's command bytes (opcode, address, one page of data), reused for every page: an SST part programs
    // byte by byte, and a new array per command was an allocation per byte written.
    private readonly byte[] _program;
    private bool _writable;

    public SpiFlashChip(ISpiBus bus, ChipSpec spec, IClock clock)
    {
        if (spec.Bus != FlashBusKind.Spi || spec.Spi is null)
            throw new RecoveryKitException(FailureKind.ChipUnknown, "chip-id",
                $"{spec.Name} is a parallel part; this drive's flash sits on an SPI bus",
                "Give an SPI part with --flash-chip, or none: the ID read names it.");
        _bus = bus;
        Spec = spec;
        _clock = clock;
        _program = new byte[4 + Math.Max(1, spec.PageSize)];
    }

    public ChipSpec Spec { get; }

    private SpiChipCommands Commands => Spec.Spi!;

    /// <summary>REMS (90h 00 00 00): manufacturer and device ID [V-dec, D].</summary>
    public static ChipId ReadId(ISpiBus bus)
    {
        Span<byte> reply = stackalloc byte[2];
        bus.Transact([Rems, 0x00, 0x00, 0x00], reply);
        return new ChipId(reply[0], reply[1], 0);
    }

    /// <summary>RDSR (05h).</summary>
    public static byte ReadStatus(ISpiBus bus)
    {
        Span<byte> reply = stackalloc byte[1];
        bus.Transact([ReadStatusRegister], reply);
        return reply[0];
    }

    public byte ReadStatus() => ReadStatus(_bus);

    public uint? CommandAddressNear(uint near) => null;

    /// <summary>Reads by READ (03h) transactions of 256 bytes, each aligned to a 256-byte page.</summary>
    public void Read(uint address, Span<byte> buffer)
    {
        Span<byte> command = stackalloc byte[4];
        var done = 0;
        while (done < buffer.Length)
        {
            var at = address + (uint)done;
            var count = Math.Min(ReadChunk - (int)(at % ReadChunk), buffer.Length - done);
            command[0] = ReadData;
            WriteAddress(command[1..], at);
            _bus.Transact(command, buffer.Slice(done, count));
            done += count;
        }
    }

    /// <summary>Reads twice; a 256-byte chunk whose passes differ is read until two reads in a row agree.</summary>
    public void ReadConfirmed(uint address, Span<byte> buffer)
    {
        Read(address, buffer);
        Span<byte> again = stackalloc byte[ReadChunk];
        Span<byte> third = stackalloc byte[ReadChunk];
        for (var offset = 0; offset < buffer.Length; offset += ReadChunk)
        {
            var length = Math.Min(ReadChunk, buffer.Length - offset);
            var first = buffer.Slice(offset, length);
            var second = again[..length];
            Read(address + (uint)offset, second);
            if (second.SequenceEqual(first))
                continue;
            for (var attempt = 0; ; attempt++)
            {
                Read(address + (uint)offset, third[..length]);
                if (third[..length].SequenceEqual(second))
                {
                    second.CopyTo(first);
                    break;
                }
                if (attempt >= 8)
                    throw new RecoveryKitException(FailureKind.DeviceTimeout, "read",
                        $"flash address {address + (uint)offset:X6}h reads differently every time",
                        "The IDE cable or the drive's power is unreliable: reseat or replace the cable, power-cycle the drive and run again. Nothing was written.");
                third[..length].CopyTo(second);
            }
        }
    }

    /// <summary>
    /// Clears the status register's protection (WRSR 00h, after EWSR on SST parts) when any BP bit or SRWD is set.
    /// If the bits stay set — SRWD with WP# held low on the board — no command can clear them: a typed refusal
    /// naming the cause and the remedy, before any erase, never a retry loop.
    /// </summary>
    public void PrepareWrite()
    {
        if (_writable)
            return;
        var status = WaitIdle("status read", TimeSpan.FromMilliseconds(1), Commands.StatusWriteTime.Maximum);
        if ((status & (BlockProtect | Srwd)) != 0)
        {
            if (Commands.NeedsEwsr)
                _bus.Transact([EnableWriteStatus], []);
            else
                _bus.Transact([WriteEnable], []);
            _bus.Transact([WriteStatusRegister, 0x00], []);
            status = WaitIdle("status register write", Commands.StatusWriteTime.Typical, Commands.StatusWriteTime.Maximum);
            if ((status & (BlockProtect | Srwd)) != 0)
                throw Protected(status);
        }
        _writable = true;
    }

    private RecoveryKitException Protected(byte status)
    {
        var hardware = (status & Srwd) != 0;
        return new RecoveryKitException(new Failure(FailureKind.FlashProtected, "unlock",
            hardware
                ? $"the SPI status register is protected: it still reads {status:X2}h after WRSR 00h — SRWD (bit 7) is set and the chip's WP# pin holds the lock in hardware, so no command can clear the block protection"
                : $"the {Spec.Name}'s block-protection bits stay set (status {status:X2}h) after WRSR 00h",
            hardware
                ? "Nothing was erased. The lock is in the drive's hardware: the chip's WP# pin must be released (pulled high) on the board before the flash can be written — the 'SPI unlock' procedure of the repair guides — then run again. The backup already saved is kept."
                : "Nothing was erased. Power-cycle the drive and run again; if the bits still stay set the part may be misidentified (check --flash-chip).")
        { Status = status });
    }

    public void EraseSector(FlashSector sector)
    {
        PrepareWrite();
        Span<byte> command = stackalloc byte[4];
        command[0] = Commands.SectorEraseOpcode;
        WriteAddress(command[1..], sector.Start);
        EnableWrite();
        _bus.Transact(command, []);
        WaitIdle("sector erase", Spec.SectorEraseTime.Typical, Spec.SectorEraseTime.Maximum, sector.Start);
    }

    public void EraseChip()
    {
        PrepareWrite();
        EnableWrite();
        _bus.Transact([Commands.ChipEraseOpcode], []);
        WaitIdle("chip erase", Spec.ChipEraseTime.Typical, Spec.ChipEraseTime.Maximum);
    }

    /// <summary>PAGE PROGRAM (02h) + address + up to one page of data, inside one page.</summary>
    public void ProgramPage(uint address, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty || (address % (uint)Spec.PageSize) + (uint)data.Length > (uint)Spec.PageSize)
            throw new ArgumentException("a page program stays inside one page");
        PrepareWrite();
        var command = _program.AsSpan(0, 4 + data.Length);
        command[0] = PageProgram;
        WriteAddress(command[1..], address);
        data.CopyTo(command[4..]);
        EnableWrite();
        _bus.Transact(command, []);
        WaitIdle("page program", Spec.ProgramTime.Typical, Spec.ProgramTime.Maximum, address);
    }

    /// <summary>
    /// Programs page by page, skipping every page that is already right (or all FFh after an erase). Each page is
    /// WREN (and WEL), PAGE PROGRAM sent from here, then WIP polled: as <see cref="ProgramPage"/>, whose transaction is
    /// not nested a call deeper (issue 14's call depth).
    /// </summary>
    public int ProgramSector(FlashSector sector, ReadOnlySpan<byte> want, ReadOnlySpan<byte> have, bool erased)
    {
        var page = Spec.PageSize;
        var sent = 0;
        for (var offset = 0; offset < want.Length; offset += page)
        {
            var length = Math.Min(page, want.Length - offset);
            var target = want.Slice(offset, length);
            if (erased ? target.IndexOfAnyExcept((byte)0xFF) < 0 : target.SequenceEqual(have.Slice(offset, length)))
                continue;
            var address = sector.Start + (uint)offset;
            if ((address % (uint)page) + (uint)length > (uint)page)
                throw new ArgumentException("a page program stays inside one page");
            PrepareWrite();
            var command = _program.AsSpan(0, 4 + length);
            command[0] = PageProgram;
            WriteAddress(command[1..], address);
            target.CopyTo(command[4..]);
            EnableWrite();
            _bus.Transact(command, []);
            WaitIdle("page program", Spec.ProgramTime.Typical, Spec.ProgramTime.Maximum, address);
            sent++;
        }
        return sent;
    }

    /// <summary>WREN, then RDSR until WEL is set.</summary>
    private void EnableWrite()
    {
        _bus.Transact([WriteEnable], []);
        byte status = 0;
        Span<byte> reply = stackalloc byte[1];
        for (var i = 0; i < WelReads; i++)
        {
            _bus.Transact([ReadStatusRegister], reply); // RDSR, sent from here (not through ReadStatus): one call to the bus
            status = reply[0];
            if ((status & Wel) != 0)
                return;
        }
        throw new RecoveryKitException(new Failure(FailureKind.WriteFailed, "write-enable",
            $"the {Spec.Name} does not set WEL after WREN (status {status:X2}h)",
            "The part refuses writes or is misidentified: check --flash-chip, power-cycle the drive and run again; sectors already verified are kept.")
        { Status = status });
    }

    /// <summary>
    /// RDSR until WIP clears. The first read comes at the typical time; then every tenth of it. A part still busy at
    /// ten times the datasheet maximum (the same margin as the parallel engine) is a typed failure.
    /// </summary>
    private byte WaitIdle(string operation, TimeSpan typical, TimeSpan maximum, uint address = 0)
    {
        var start = _clock.Now;
        var limit = maximum * 10;
        var step = TimeSpan.FromTicks(Math.Clamp(typical.Ticks / 10, TimeSpan.TicksPerMicrosecond, TimeSpan.TicksPerMillisecond * 10));
        if (typical > TimeSpan.Zero)
            _clock.Delay(typical);
        Span<byte> reply = stackalloc byte[1];
        while (true)
        {
            _bus.Transact([ReadStatusRegister], reply); // RDSR, sent from here: one call to the bus
            var status = reply[0];
            if ((status & Wip) == 0)
                return status;
            if (_clock.Now - start > limit)
                throw new RecoveryKitException(new Failure(FailureKind.WriteFailed, operation,
                    $"the {Spec.Name} stayed busy (WIP) in {operation} at {address:X6}h beyond {AtaHost.FormatTime(limit)} (datasheet maximum {AtaHost.FormatTime(maximum)})",
                    "The flash part may be worn or misidentified: check --flash-chip, power-cycle the drive and run again; the sectors already written are kept.")
                { Status = status });
            _clock.Delay(step);
        }
    }

    private static void WriteAddress(Span<byte> to, uint address)
    {
        to[0] = (byte)(address >> 16);
        to[1] = (byte)(address >> 8);
        to[2] = (byte)address;
    }
}
