using System.Diagnostics;
using RecoveryKit.MediaTek;
using RecoveryKit.Profiles;

namespace RecoveryKit.Bench;

/// <summary>One row of the device-side table.</summary>
internal sealed record PerfRow(
    string Kind, string Chip, int SizeBytes, int SectorSize, int SectorsTotal, int SectorsWritten, int SectorsErased, long BytesProgrammed,
    Cost Setup, Cost Backup, Cost Write, Cost Verify, Cost Outro, int Retries, long NeedlessFF,
    Cost Baseline, long BaselineNeedlessFF, FloorCost Floor, double HostSeconds, bool Correct, bool BaselineCorrect)
{
    /// <summary>FlashPlan.Estimate at the rig's port cycle (the CLI uses the same 1 µs), what the CLI shows before asking; compare with write + verify.</summary>
    public double EstimateSeconds { get; init; }

    public double RecoveryKitSeconds => Setup.Seconds + Backup.Seconds + Write.Seconds + Verify.Seconds + Outro.Seconds;
    public long RecoveryKitOps => Setup.Ops + Backup.Ops + Write.Ops + Verify.Ops + Outro.Ops;
    public double WriteOverFloor => Write.Seconds / Floor.Seconds;
    public double BaselineOverRecoveryKit => Baseline.Seconds / RecoveryKitSeconds;
    public double BaselineOverWrite => Baseline.Seconds / Write.Seconds;
}

/// <summary>
/// The device-bound floor for a change: the typical erase time of every sector that has a bit going 0→1,
/// the typical program time of every byte that must be programmed (FFh after erase needs none), and the
/// fewest register operations the mailbox protocol allows for those cycles: 9 per mailbox write
/// (SC←15, LBAH, LBAM, status poll, LBAL, SC←20/40/42/01), 4 writes per byte program, 6 per sector erase,
/// no completion polling (its time is already counted as the typical program/erase time), no backup, no verify.
/// </summary>
internal sealed record FloorCost(int SectorsErased, long BytesProgrammed, long Ops, TimeSpan PortCycle, TimeSpan EraseTime, TimeSpan ProgramTime)
{
    public const int OpsPerMailboxWrite = 9;

    public TimeSpan Time => EraseTime + ProgramTime + (PortCycle * Ops);
    public double Seconds => Time.TotalSeconds;

    public static FloorCost Of(BenchCase c, TimeSpan portCycle)
    {
        var chip = c.Chip;
        var erased = 0;
        long bytes = 0;
        foreach (var sector in chip.Sectors)
        {
            var have = c.Old.AsSpan((int)sector.Start, sector.Size);
            var want = c.New.AsSpan((int)sector.Start, sector.Size);
            if (have.SequenceEqual(want))
                continue;
            if (!c.WriteBootCode && c.BootBlock.Overlaps(sector.Start, (uint)sector.Size))
                continue;
            var needsErase = false;
            for (var i = 0; i < have.Length && !needsErase; i++)
                needsErase = (have[i] & want[i]) != want[i];
            if (needsErase)
            {
                erased++;
                foreach (var b in want)
                    bytes += b == 0xFF ? 0 : 1;
            }
            else
            {
                for (var i = 0; i < have.Length; i++)
                    bytes += have[i] == want[i] ? 0 : 1;
            }
        }
        var ops = (bytes * 4 + erased * 6L) * OpsPerMailboxWrite;
        return new FloorCost(erased, bytes, ops, portCycle, chip.SectorEraseTime.Typical * erased, chip.ProgramTime.Typical * bytes);
    }
}

internal static class Perf
{
    public static readonly string[] Chips = ["SST39SF040", "Am29F040B", "SST39VF080", "Am29F080B", "SST39VF016", "Am29F016D"];

    public static PerfRow Run(BenchCase c, bool baseline)
    {
        var wall = Stopwatch.StartNew();
        var rig = Rig.Create(c.Chip, c.Old);
        var m0 = rig.Now();
        var (vendor, flash) = rig.Enter();
        var m1 = rig.Now();
        var current = new byte[c.Chip.SizeBytes];
        // The backup exactly as FlashSession reads it: the chip once, the sectors that differ from the image twice.
        var plan = FlashSession.ReadForBackup(flash, current, c.New, c.BootBlock, c.WriteBootCode);
        var m2 = rig.Now();
        var meter = new PhaseMeter(rig);
        var report = new Flasher(flash).Execute(plan, current, c.New, meter, CancellationToken.None);
        meter.Close();
        // FlashSession then reads the whole chip back once (a misdirected write shows only there).
        var r0 = rig.Now();
        flash.Read(0, new byte[c.Chip.SizeBytes]);
        var readBack = r0.To(rig.Now());
        var m3 = rig.Now();
        vendor.Exit();
        var m4 = rig.Now();
        var correct = rig.Drive.Flash.Contents.SequenceEqual(c.New);
        var needless = rig.Drive.Flash.NeedlessFFPrograms;
        var host = wall.Elapsed.TotalSeconds;

        var baseCost = default(Cost);
        long baseFF = 0;
        var baseCorrect = false;
        if (baseline)
            (baseCost, baseFF, baseCorrect) = MtkFlashWay(c);

        return new PerfRow(c.Kind, c.Chip.Name, c.Chip.SizeBytes, c.Chip.Sectors[0].Size, c.Chip.Sectors.Count, plan.SectorsToWrite, plan.SectorsToErase,
            plan.BytesToProgram, m0.To(m1), m1.To(m2), meter.Write, meter.Verify + readBack, m3.To(m4), report.Retries, needless,
            baseCost, baseFF, FloorCost.Of(c, rig.Channel.PortCycle), host, correct, baseCorrect)
        {
            EstimateSeconds = plan.Estimate(rig.Channel.PortCycle).TotalSeconds,
        };
    }

    /// <summary>
    /// What MtkFlash does: whole-chip erase, then every byte of the image — FFh included — through the full
    /// mailbox byte-program sequence, no differential skip. Same Mailbox/FlashChip primitives as RecoveryKit.
    /// Measured from after chip ID to the last program (no backup, no verify: MtkFlash had neither).
    /// </summary>
    public static (Cost Cost, long NeedlessFF, bool Correct) MtkFlashWay(BenchCase c)
    {
        var rig = Rig.Create(c.Chip, c.Old);
        var (_, flash) = rig.Enter();
        var start = rig.Now();
        flash.EraseChip();
        var image = c.New;
        for (var i = 0; i < image.Length; i++)
            flash.ProgramByte((uint)i, image[i]);
        var cost = start.To(rig.Now());
        return (cost, rig.Drive.Flash.NeedlessFFPrograms, rig.Drive.Flash.Contents.SequenceEqual(image));
    }

    public static ChipSpec Chip(string name) => ProfileCatalog.FindChip(name) ?? throw new InvalidOperationException($"no chip {name}");
}
