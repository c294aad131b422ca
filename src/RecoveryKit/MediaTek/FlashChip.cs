using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Profiles;

namespace RecoveryKit.MediaTek;

/// <summary>The IDs a flash part answered with in software-ID mode (MtkFlash reads addresses 0, 1 and 3).</summary>
public readonly record struct ChipId(byte Manufacturer, byte Device, byte Third)
{
    /// <summary>00/00, FF/FF and 90/90 mean no part answered the ID sequence (PROTOCOL.md §5).</summary>
    public bool IsNoAnswer => (Manufacturer, Device) is (0x00, 0x00) or (0xFF, 0xFF) or (0x90, 0x90);

    public override string ToString() => $"{Manufacturer:X2}h/{Device:X2}h";
}

/// <summary>
/// The JEDEC/SST command engine over the mailbox (PROTOCOL.md §5): software ID, byte program, page write,
/// sector and chip erase, completion by DQ7 data# polling with a DQ6 toggle fallback, limits from the chip table.
/// </summary>
public sealed class FlashChip : IFlashEngine
{
    private readonly IFlashBus _mailbox;
    private readonly IClock _clock;

    public FlashChip(IFlashBus mailbox, ChipSpec spec, IClock clock)
    {
        _mailbox = mailbox;
        Spec = spec;
        _clock = clock;
        mailbox.UseChipSize(spec.SizeBytes);
    }

    public ChipSpec Spec { get; }

    /// <summary>
    /// Identification as MtkFlash 1.83c does it: ID exit/reset (5555←AA, 2AAA←55, 5555←F0), ID entry
    /// (5555←AA, 2AAA←55, 5555←90), reads at 0, 1 and 3. 5555h/2AAAh also reach 555h/2AAh parts, whose
    /// command decoders ignore the upper bits. The part is left in ID mode: call <see cref="ExitIdMode"/>.
    /// </summary>
    public static ChipId ReadId(IFlashBus mailbox)
    {
        mailbox.Write(0x5555, 0xAA);
        mailbox.Write(0x2AAA, 0x55);
        mailbox.Write(0x5555, 0xF0);
        mailbox.Write(0x5555, 0xAA);
        mailbox.Write(0x2AAA, 0x55);
        mailbox.Write(0x5555, 0x90);
        var manufacturer = mailbox.Read(0);
        var device = mailbox.Read(1);
        var third = mailbox.Read(3);
        return new ChipId(manufacturer, device, third);
    }

    /// <summary>Leaves software-ID mode (5555←AA, 2AAA←55, 5555←F0).</summary>
    public static void ExitIdMode(IFlashBus mailbox)
    {
        mailbox.Write(0x5555, 0xAA);
        mailbox.Write(0x2AAA, 0x55);
        mailbox.Write(0x5555, 0xF0);
    }

    /// <summary>A command-cycle address in the same 64 KiB bank as <paramref name="near"/>, so unlocking costs no bank switch.</summary>
    private uint Command(uint command, uint near) => (near & ~Spec.UnlockMask) | (command & Spec.UnlockMask);

    /// <summary>Where the first unlock cycle of a command aimed at <paramref name="near"/> goes (see <see cref="Command"/>).</summary>
    public uint UnlockAddressNear(uint near) => Command(Spec.UnlockFirst, near);

    /// <inheritdoc />
    public uint? CommandAddressNear(uint near) => UnlockAddressNear(near);

    /// <summary>Parallel parts have no protection register to clear.</summary>
    public void PrepareWrite()
    {
    }

    /// <inheritdoc />
    /// <remarks>
    /// Every command sequence (the unlock cycles AAh/55h, the command, the data) is a run of bus writes made from the
    /// operation itself, not from nested helpers: a register write is one call (the bus) below the engine.
    /// </remarks>
    public int ProgramSector(FlashSector sector, ReadOnlySpan<byte> want, ReadOnlySpan<byte> have, bool erased)
    {
        var first = Command(Spec.UnlockFirst, sector.Start);
        var second = Command(Spec.UnlockSecond, sector.Start);
        if (Spec.Program == ProgramModel.Page)
        {
            // One page write of the whole sector (automatic erase; unloaded bytes become FFh), as ProgramPage.
            _mailbox.Write(first, 0xAA);
            _mailbox.Write(second, 0x55);
            _mailbox.Write(first, 0xA0);
            for (var i = 0; i < want.Length; i++)
                _mailbox.Write(sector.Start + (uint)i, want[i]);
            _clock.Delay(Spec.PageLoadWindow);
            WaitDone("page write", sector.Start + (uint)want.Length - 1, want[^1], Spec.ProgramTime);
            return 1;
        }
        var sent = 0;
        for (var i = 0; i < want.Length; i++)
        {
            var target = want[i];
            if (erased ? target == 0xFF : have[i] == target)
                continue;
            // As ProgramByte: the unlock cycles and A0h near the byte (the same bank), then the byte.
            var address = sector.Start + (uint)i;
            _mailbox.Write(Command(Spec.UnlockFirst, address), 0xAA);
            _mailbox.Write(Command(Spec.UnlockSecond, address), 0x55);
            _mailbox.Write(Command(Spec.UnlockFirst, address), 0xA0);
            _mailbox.Write(address, target);
            WaitDone("program", address, target, Spec.ProgramTime);
            sent++;
        }
        return sent;
    }

    /// <summary>Programs one byte (only clears bits: erase first where a bit must become 1).</summary>
    public void ProgramByte(uint address, byte value)
    {
        _mailbox.Write(Command(Spec.UnlockFirst, address), 0xAA);
        _mailbox.Write(Command(Spec.UnlockSecond, address), 0x55);
        _mailbox.Write(Command(Spec.UnlockFirst, address), 0xA0);
        _mailbox.Write(address, value);
        WaitDone("program", address, value, Spec.ProgramTime);
    }

    /// <summary>Writes one page of a page-write part (automatic erase; unloaded bytes become FFh).</summary>
    public void ProgramPage(uint pageStart, ReadOnlySpan<byte> data)
    {
        var first = Command(Spec.UnlockFirst, pageStart);
        _mailbox.Write(first, 0xAA);
        _mailbox.Write(Command(Spec.UnlockSecond, pageStart), 0x55);
        _mailbox.Write(first, 0xA0);
        for (var i = 0; i < data.Length; i++)
            _mailbox.Write(pageStart + (uint)i, data[i]);
        // The write cycle starts once no load has come for the byte-load window (chips.json: pageLoadWindowUs).
        _clock.Delay(Spec.PageLoadWindow);
        var last = pageStart + (uint)data.Length - 1;
        WaitDone("page write", last, data[^1], Spec.ProgramTime);
    }

    /// <summary>Sector erase: AAh 55h 80h AAh 55h to the unlock addresses (in the sector's bank), then 30h at the sector.</summary>
    public void EraseSector(FlashSector sector)
    {
        var first = Command(Spec.UnlockFirst, sector.Start);
        var second = Command(Spec.UnlockSecond, sector.Start);
        _mailbox.Write(first, 0xAA);
        _mailbox.Write(second, 0x55);
        _mailbox.Write(first, 0x80);
        _mailbox.Write(first, 0xAA);
        _mailbox.Write(second, 0x55);
        _mailbox.Write(sector.Start, 0x30);
        WaitDone("sector erase", sector.Start, 0xFF, Spec.SectorEraseTime);
    }

    /// <summary>Chip erase: AAh 55h 80h AAh 55h 10h to the unlock addresses of bank 0.</summary>
    public void EraseChip()
    {
        _mailbox.Write(Command(Spec.UnlockFirst, 0), 0xAA);
        _mailbox.Write(Command(Spec.UnlockSecond, 0), 0x55);
        _mailbox.Write(Spec.UnlockFirst, 0x80);
        _mailbox.Write(Command(Spec.UnlockFirst, 0), 0xAA);
        _mailbox.Write(Command(Spec.UnlockSecond, 0), 0x55);
        _mailbox.Write(Spec.UnlockFirst, 0x10);
        WaitDone("chip erase", 0, 0xFF, Spec.ChipEraseTime);
    }

    /// <summary>
    /// Waits for the embedded algorithm. Nothing finishes before its datasheet typical time, so the first poll
    /// is timed to sample the part just then (the typical time less the read's own lead-in); after that it
    /// polls every tenth of the typical time. Done when DQ7 equals the data's bit 7 (data# polling); if DQ7
    /// does not, a second read tells whether DQ6 stopped toggling (the part is idle too). Gives up at ten times
    /// the datasheet maximum while the part still shows it is busy.
    /// </summary>
    private void WaitDone(string operation, uint address, byte expected, DatasheetTime time)
    {
        var start = _clock.Now;
        // A part that is still toggling DQ6 is still working: giving up then leaves the sector half-erased for certain
        // (the part finishes on its own), so a slow or worn part gets ten times its datasheet maximum, not two.
        var limit = time.Maximum * 10;
        var step = TimeSpan.FromTicks(Math.Clamp(time.Typical.Ticks / 10, TimeSpan.TicksPerMicrosecond, TimeSpan.TicksPerMillisecond));
        var lead = time.Typical - _mailbox.ReadSampleLatency;
        if (lead > TimeSpan.Zero)
            _clock.Delay(lead);
        while (true)
        {
            var first = _mailbox.Read(address);
            if (((first ^ expected) & 0x80) == 0)
                return; // data# polling: DQ7 shows the true data; any wrong bit shows up in verify
            var second = _mailbox.Read(address);
            if (((first ^ second) & 0x40) == 0)
                return; // DQ6 stopped toggling: the part is idle; verify decides
            if (_clock.Now - start > limit)
                throw new RecoveryKitException(new Failure(FailureKind.WriteFailed, operation,
                    $"the {Spec.Name} did not finish {operation} at {address:X6}h within {AtaHost.FormatTime(limit)} (datasheet maximum {AtaHost.FormatTime(time.Maximum)})",
                    "The flash part may be worn or misidentified: check --flash-chip, power-cycle the drive and run again; the sectors already written are kept."));
            _clock.Delay(step);
        }
    }

    /// <summary>
    /// Reads <paramref name="buffer"/>.Length bytes twice and keeps only values two reads agree on: where the
    /// passes differ, the byte is read again until two reads in a row agree. For the backup, which must be
    /// exactly what the flash holds: a bit flipped on the cable would otherwise be saved silently.
    /// </summary>
    public void ReadConfirmed(uint address, Span<byte> buffer)
    {
        Read(address, buffer);
        Span<byte> again = stackalloc byte[512];
        for (var offset = 0; offset < buffer.Length; offset += again.Length)
        {
            var chunk = again[..Math.Min(again.Length, buffer.Length - offset)];
            Read(address + (uint)offset, chunk);
            var first = buffer.Slice(offset, chunk.Length);
            var at = 0;
            while (at < chunk.Length && first[at..].CommonPrefixLength(chunk[at..]) is var same && at + same < chunk.Length)
            {
                at += same;
                first[at] = Settled(address + (uint)(offset + at));
                at++;
            }
        }
    }

    private byte Settled(uint address)
    {
        var previous = _mailbox.Read(address);
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var next = _mailbox.Read(address);
            if (next == previous)
                return next;
            previous = next;
        }
        throw new RecoveryKitException(FailureKind.DeviceTimeout, "read",
            $"flash address {address:X6}h reads differently every time (last {previous:X2}h)",
            "The IDE cable or the drive's power is unreliable: reseat or replace the cable, power-cycle the drive and run again. Nothing was written.");
    }

    /// <summary>Reads <paramref name="buffer"/>.Length bytes starting at <paramref name="address"/>.</summary>
    public void Read(uint address, Span<byte> buffer)
    {
        for (var i = 0; i < buffer.Length; i++)
            buffer[i] = _mailbox.Read(address + (uint)i);
    }
}
