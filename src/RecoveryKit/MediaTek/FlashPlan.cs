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

    public bool WriteBootCode { get; }

    /// <summary>Every sector, in execution order: outside the boot block first, boot block last.</summary>
    public IReadOnlyList<SectorPlan> Sectors { get; }

    public int SectorsToErase => Sectors.Count(s => s.Action == SectorAction.EraseAndProgram && Chip.Program == ProgramModel.Byte);

    public int SectorsToWrite => Sectors.Count(s => s.Action != SectorAction.Keep);

    public long BytesToProgram => Sectors.Sum(s => (long)s.BytesToProgram);

    /// <summary>The boot block in the chip differs from the image's.</summary>
    public bool BootBlockDiffers => Sectors.Any(s => s.InBootBlock && (s.BootBlockLeftAlone || s.Action != SectorAction.Keep));

    /// <summary>The plan rewrites boot code: the one window in which a power cut leaves nothing to talk to.</summary>
    public bool RewritesBootBlock => Sectors.Any(s => s.InBootBlock && s.Action != SectorAction.Keep);

    public bool NothingToDo => Sectors.All(s => s.Action == SectorAction.Keep);

    /// <summary>Device time from the datasheet's typical times and the mailbox's register cost.</summary>
    public TimeSpan Estimate(TimeSpan perMailboxCycle)
    {
        var erase = Chip.SectorEraseTime.Typical * SectorsToErase;
        var programCycles = Chip.Program == ProgramModel.Byte ? 4 + 1 : 1; // four writes, one data# polling read
        var program = Chip.Program == ProgramModel.Byte
            ? Chip.ProgramTime.Typical * BytesToProgram
            : Chip.ProgramTime.Typical * SectorsToWrite;
        var verifyCycles = Sectors.Where(s => s.Action != SectorAction.Keep).Sum(s => (long)s.Sector.Size);
        var mailbox = perMailboxCycle * ((BytesToProgram * programCycles) + verifyCycles + (SectorsToErase * 8L));
        return erase + program + mailbox;
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
            else if (chip.Program == ProgramModel.Page)
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
