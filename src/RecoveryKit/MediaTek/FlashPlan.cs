using RecoveryKit.Profiles;

namespace RecoveryKit.MediaTek;

/// <summary>What the flasher will do with one sector.</summary>
public enum SectorAction
{
    /// <summary>Already holds the image's bytes (or is boot block left alone): nothing is written.</summary>
    Keep,
    /// <summary>Only 1→0 changes: program the differing bytes without erasing.</summary>
    Program,
    /// <summary>Erase, then program the bytes that are not FFh in the image.</summary>
    EraseAndProgram,
}

/// <summary>The plan for one sector.</summary>
/// <param name="Sector">Where it is.</param>
/// <param name="Action">Keep, program, or erase and program.</param>
/// <param name="BytesToProgram">Program cycles needed (never counts FFh after erase).</param>
/// <param name="InBootBlock">The sector overlaps the boot block.</param>
/// <param name="BootBlockLeftAlone">The boot block differs from the image's but is kept (no --write-bootcode).</param>
public sealed record SectorPlan(FlashSector Sector, SectorAction Action, int BytesToProgram, bool InBootBlock, bool BootBlockLeftAlone);

/// <summary>
/// The differential plan: compares the image with what the chip holds, erases only sectors that must
/// change, never programs FFh into erased bytes, and orders the work so the boot block comes last and
/// alone — and only when asked for and different (PROTOCOL.md §6).
/// </summary>
public sealed class FlashPlan
{
    private FlashPlan(ChipSpec chip, FlashRange bootBlock, bool writeBootCode, IReadOnlyList<SectorPlan> sectors)
    {
        Chip = chip;
        BootBlock = bootBlock;
        WriteBootCode = writeBootCode;
        Sectors = sectors;
    }

    public ChipSpec Chip { get; }

    public FlashRange BootBlock { get; }

    /// <summary>The drive's key block (families.json), when the session writes its sectors in a pass of their own: the estimate counts that pass's read-back.</summary>
    public FlashRange? KeyBlock { get; set; }

    /// <summary>The family keeps no boot block in its flash; <see cref="BootBlock"/> is only the head written last (SPI Lite-On: 72h/52h).</summary>
    public bool HeadLast { get; set; }

    /// <summary>
    /// SPI estimate: the mailbox's timing as the run meets it — whether each execute is followed by a second command the
    /// drive also answers busy (phat 05h), and the pause between status polls while it is busy (the profile's).
    /// </summary>
    public (bool ExecuteFollowUp, TimeSpan PollStep) SpiMailbox { get; set; }

    public bool WriteBootCode { get; }

    /// <summary>Every sector, in execution order: outside the boot block first, boot block last.</summary>
    public IReadOnlyList<SectorPlan> Sectors { get; }

    public int SectorsToErase => Sectors.Count(s => s.Action == SectorAction.EraseAndProgram && (Chip.Program == ProgramModel.Byte || Chip.Bus == FlashBusKind.Spi));

    public int SectorsToWrite => Sectors.Count(s => s.Action != SectorAction.Keep);

    public long BytesToProgram => Sectors.Sum(s => (long)s.BytesToProgram);

    /// <summary>The boot block in the chip differs from the image's.</summary>
    public bool BootBlockDiffers => Sectors.Any(s => s.InBootBlock && (s.BootBlockLeftAlone || s.Action != SectorAction.Keep));

    /// <summary>The plan rewrites boot code: the one window in which a power cut leaves nothing to talk to.</summary>
    public bool RewritesBootBlock => Sectors.Any(s => s.InBootBlock && s.Action != SectorAction.Keep);

    public bool NothingToDo => Sectors.All(s => s.Action == SectorAction.Keep);

    /// <summary>Register accesses of one mailbox flash-bus write: address (SC, LBA high, LBA mid, status poll), data, four SC codes.</summary>
    public const int AccessesPerBusWrite = 9;

    /// <summary>Register accesses of one mailbox flash-bus read: address (four), two SC codes, the data read.</summary>
    public const int AccessesPerBusRead = 7;

    /// <summary>Accesses of a read before the drive samples the flash: a completion poll is started that much early.</summary>
    private const int AccessesBeforeSample = 6;

    /// <summary>
    /// Device time of everything that follows the plan — erase, program, per-sector verify, the re-check of sectors an
    /// unlock cycle could reach, and the whole-flash read-back — counted the way <see cref="Flasher"/> and
    /// <see cref="FlashChip"/> spend it: each mailbox bus cycle at <paramref name="perRegisterAccess"/> per register
    /// access, each embedded operation its datasheet typical time (the first completion poll lands then).
    /// </summary>
    public TimeSpan Estimate(TimeSpan perRegisterAccess)
    {
        if (Chip.Bus == FlashBusKind.Spi)
            return EstimateSpi(perRegisterAccess);
        var write = perRegisterAccess * AccessesPerBusWrite;
        var read = perRegisterAccess * AccessesPerBusRead;
        TimeSpan Wait(TimeSpan typical) => (typical - (perRegisterAccess * AccessesBeforeSample) is var lead && lead > TimeSpan.Zero ? lead : TimeSpan.Zero) + read;
        var total = TimeSpan.Zero;
        var work = Sectors.Where(s => s.Action != SectorAction.Keep).ToList();
        foreach (var step in work)
        {
            var size = step.Sector.Size;
            if (Chip.Program == ProgramModel.Page)
            {
                total += (write * (3 + size)) + TimeSpan.FromMicroseconds(200) + Wait(Chip.ProgramTime.Typical);
            }
            else
            {
                if (step.Action == SectorAction.EraseAndProgram)
                    total += (write * 6) + Wait(Chip.SectorEraseTime.Typical);
                total += ((write * 4) + Wait(Chip.ProgramTime.Typical)) * step.BytesToProgram;
            }
            total += read * size;
        }
        var suspects = new HashSet<int>();
        foreach (var step in work)
        {
            foreach (var near in new[] { step.Sector.Start, step.Sector.End - 1 })
            {
                var target = Chip.SectorAt((near & ~Chip.UnlockMask) | (Chip.UnlockFirst & Chip.UnlockMask));
                if (target.Index != step.Sector.Index)
                    suspects.Add(target.Index);
            }
        }
        total += read * suspects.Sum(i => (long)Chip.Sectors[i].Size);
        return total + (work.Count == 0 ? TimeSpan.Zero : read * Chip.SizeBytes);
    }

    /// <summary>
    /// The SPI counterpart of <see cref="Estimate"/> (PROTOCOL.md §5b): every SPI command is one buffer transaction — per
    /// byte sent a buffer write (six register writes and a status poll), per byte received a buffer read (five writes,
    /// a poll, the data read), and the execute (eight writes, a poll) while the drive clocks the bytes out. Erase and page
    /// program are WREN, an RDSR for WEL, the command, the part's typical time, a last RDSR; the verify reads each written
    /// sector back by 256-byte READs, and the whole flash is read back once at the end.
    /// </summary>
    private TimeSpan EstimateSpi(TimeSpan a)
    {
        // The drive is busy about 20 µs plus a microsecond per byte clocked after an execute ([R]; the same after the phat
        // dialect's 05h), and the host sees the end of it on its poll grid: one read, then a read after every poll step.
        var (followUp, pollStep) = SpiMailbox;
        TimeSpan Busy(TimeSpan busy)
        {
            var grid = pollStep + a;
            if (pollStep <= TimeSpan.Zero || busy <= a)
                return busy > a ? busy : a;
            return a + (grid * Math.Ceiling((busy - a) / grid));
        }
        TimeSpan Transaction(int tx, int rx) => (a * ((7 * tx) + (7 * rx) + 9)) + Busy(TimeSpan.FromMicroseconds(20 + tx + rx))
            + (followUp ? (a * 2) + Busy(TimeSpan.FromMicroseconds(20)) : TimeSpan.Zero);
        var status = Transaction(1, 1);
        var enable = Transaction(1, 0) + status;
        var page = Math.Max(1, Chip.PageSize);
        // Reads go by 256-byte READs whatever the program unit (an SST part programs one byte per 02h).
        var chunk = SpiFlashChip.ReadChunk;
        var readPage = Transaction(4, chunk);
        var total = TimeSpan.Zero;
        var work = Sectors.Where(s => s.Action != SectorAction.Keep).ToList();
        foreach (var step in work)
        {
            var size = step.Sector.Size;
            if (step.Action == SectorAction.EraseAndProgram)
                total += enable + Transaction(4, 0) + Chip.SectorEraseTime.Typical + status;
            if (Chip.Program == ProgramModel.Page)
            {
                var pages = Math.Min(size / page, (step.BytesToProgram + page - 1) / page);
                total += (enable + Transaction(4 + page, 0) + Chip.ProgramTime.Typical + status) * pages;
            }
            else
            {
                total += (enable + Transaction(5, 0) + Chip.ProgramTime.Typical + status) * step.BytesToProgram;
            }
            total += readPage * ((size + chunk - 1) / chunk);
        }
        // FlashSession reads the whole flash back after each pass: everything else, the key block's sectors, the boot block (or head).
        bool InKey(SectorPlan s) => KeyBlock is { } k && k.Overlaps(s.Sector.Start, (uint)s.Sector.Size);
        var passes = (work.Any(s => !s.InBootBlock && !InKey(s)) ? 1 : 0) + (work.Any(s => !s.InBootBlock && InKey(s)) ? 1 : 0) + (RewritesBootBlock ? 1 : 0);
        return total + (readPage * ((Chip.SizeBytes + chunk - 1) / chunk) * passes);
    }

    /// <summary>
    /// Everything outside the boot block, with the boot block's sectors kept as they are: the first pass, written,
    /// verified, rechecked and read back before the boot block is touched (PROTOCOL.md §6, "last and alone").
    /// </summary>
    public FlashPlan OutsideBootBlock() => new(Chip, BootBlock, false,
        Sectors.Select(s => s.InBootBlock ? s with { Action = SectorAction.Keep, BytesToProgram = 0, BootBlockLeftAlone = s.BootBlockLeftAlone || s.Action != SectorAction.Keep } : s).ToArray());

    /// <summary>Only the boot block's sectors that this plan rewrites: the last pass, alone.</summary>
    public FlashPlan BootBlockOnly() => new(Chip, BootBlock, WriteBootCode,
        Sectors.Select(s => s.InBootBlock ? s : s with { Action = SectorAction.Keep, BytesToProgram = 0 }).ToArray());

    /// <summary>This plan with the sectors overlapping <paramref name="range"/> kept as they are (written in a later pass).</summary>
    public FlashPlan Without(FlashRange range) => new(Chip, BootBlock, WriteBootCode,
        Sectors.Select(s => range.Overlaps(s.Sector.Start, (uint)s.Sector.Size) ? s with { Action = SectorAction.Keep, BytesToProgram = 0 } : s).ToArray());

    /// <summary>Only the sectors overlapping <paramref name="range"/>: a pass of their own.</summary>
    public FlashPlan Within(FlashRange range) => new(Chip, BootBlock, WriteBootCode,
        Sectors.Select(s => range.Overlaps(s.Sector.Start, (uint)s.Sector.Size) ? s : s with { Action = SectorAction.Keep, BytesToProgram = 0 }).ToArray());

    public static FlashPlan Create(ChipSpec chip, ReadOnlySpan<byte> current, ReadOnlySpan<byte> image, FlashRange bootBlock, bool writeBootCode)
    {
        if (current.Length != chip.SizeBytes || image.Length != chip.SizeBytes)
            throw new ArgumentException("current contents and image must both be the chip's size");
        var outside = new List<SectorPlan>();
        var boot = new List<SectorPlan>();
        foreach (var sector in chip.Sectors)
        {
            var have = current.Slice((int)sector.Start, sector.Size);
            var want = image.Slice((int)sector.Start, sector.Size);
            var inBoot = bootBlock.Overlaps(sector.Start, (uint)sector.Size);
            SectorPlan plan;
            if (have.SequenceEqual(want))
            {
                plan = new SectorPlan(sector, SectorAction.Keep, 0, inBoot, false);
            }
            else if (inBoot && !writeBootCode)
            {
                plan = new SectorPlan(sector, SectorAction.Keep, 0, inBoot, true);
            }
            else if (chip.Program == ProgramModel.Page && chip.Bus == FlashBusKind.Parallel)
            {
                plan = new SectorPlan(sector, SectorAction.EraseAndProgram, sector.Size, inBoot, false);
            }
            else if (OnlyClearsBits(have, want))
            {
                plan = new SectorPlan(sector, SectorAction.Program, CountDifferent(have, want), inBoot, false);
            }
            else
            {
                plan = new SectorPlan(sector, SectorAction.EraseAndProgram, CountNotErased(want), inBoot, false);
            }
            (inBoot ? boot : outside).Add(plan);
        }
        outside.AddRange(boot);
        return new FlashPlan(chip, bootBlock, writeBootCode, outside);
    }

    private static bool OnlyClearsBits(ReadOnlySpan<byte> have, ReadOnlySpan<byte> want)
    {
        for (var i = 0; i < have.Length; i++)
        {
            if ((have[i] & want[i]) != want[i])
                return false;
        }
        return true;
    }

    private static int CountDifferent(ReadOnlySpan<byte> have, ReadOnlySpan<byte> want)
    {
        var n = 0;
        for (var i = 0; i < have.Length; i++)
        {
            if (have[i] != want[i])
                n++;
        }
        return n;
    }

    private static int CountNotErased(ReadOnlySpan<byte> want)
    {
        var n = 0;
        foreach (var b in want)
        {
            if (b != 0xFF)
                n++;
        }
        return n;
    }
}
