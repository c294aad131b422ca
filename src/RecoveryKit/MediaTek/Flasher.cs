using RecoveryKit.Diagnostics;
using RecoveryKit.Profiles;

namespace RecoveryKit.MediaTek;

/// <summary>What one sector holds at the end of a run (or when it stopped).</summary>
public enum SectorState
{
    /// <summary>Untouched: still holds what it held before the run.</summary>
    Old,
    /// <summary>Erased (all FFh), not yet programmed.</summary>
    Erased,
    /// <summary>Holds the image's bytes, verified by read-back.</summary>
    New,
    /// <summary>Was being erased or programmed when the run stopped: content unknown.</summary>
    Unknown,
}

/// <summary>Progress of a flash run, reported per sector (the core never prints).</summary>
/// <param name="Stage">"erase", "program", "verify", "retry".</param>
/// <param name="Bank">64 KiB bank of the sector.</param>
/// <param name="Sector">Sector index.</param>
/// <param name="SectorsDone">Planned sectors finished so far.</param>
/// <param name="SectorsTotal">Planned sectors in all.</param>
public readonly record struct FlashProgress(string Stage, int Bank, int Sector, int SectorsDone, int SectorsTotal);

/// <summary>The sector map after a run: exactly which sectors are old, new, erased or unknown.</summary>
public sealed class FlashReport
{
    private readonly SectorState[] _states;

    public FlashReport(ChipSpec chip)
    {
        Chip = chip;
        _states = new SectorState[chip.Sectors.Count];
    }

    public ChipSpec Chip { get; }

    public IReadOnlyList<SectorState> States => _states;

    public int Retries { get; internal set; }

    internal void Set(int sector, SectorState state) => _states[sector] = state;

    /// <summary>A copy of the states as they are now (for a <see cref="Diagnostics.Failure"/> to carry).</summary>
    public IReadOnlyList<SectorState> Snapshot() => (SectorState[])_states.Clone();

    /// <summary>"new: 0-15, 32; old: 16-31; unknown: 33" — ranges of sector indices per state.</summary>
    public string Summary()
    {
        var parts = new List<string>();
        foreach (var state in new[] { SectorState.New, SectorState.Erased, SectorState.Unknown, SectorState.Old })
        {
            var ranges = Ranges(state);
            if (ranges.Length > 0)
                parts.Add($"{state.ToString().ToLowerInvariant()}: {ranges}");
        }
        return $"sectors ({Chip.Sectors[0].Size / 1024.0:0.#} KiB) — " + string.Join("; ", parts);
    }

    private string Ranges(SectorState state)
    {
        var list = new List<string>();
        for (var i = 0; i < _states.Length; i++)
        {
            if (_states[i] != state)
                continue;
            var j = i;
            while (j + 1 < _states.Length && _states[j + 1] == state)
                j++;
            list.Add(i == j ? $"{i}" : $"{i}-{j}");
            i = j;
        }
        return string.Join(", ", list);
    }
}

/// <summary>
/// Executes a <see cref="FlashPlan"/>: erase where planned, program only what must change, verify every
/// written sector by reading it back, retry a failed sector a bounded number of times. Cancellation is
/// honoured between sectors, never inside one. On any failure it stops and says what each sector holds.
/// </summary>
public sealed class Flasher
{
    private readonly IFlashEngine _chip;

    /// <param name="chip">The engine, JEDEC or SPI: the flasher never knows which bus carries it.</param>
    public Flasher(IFlashEngine chip)
    {
        _chip = chip;
    }

    /// <summary>How many times a sector that fails verification is erased and written again.</summary>
    public int RetriesPerSector { get; init; } = 2;

    public FlashReport Execute(FlashPlan plan, ReadOnlySpan<byte> current, ReadOnlySpan<byte> image, IProgress<FlashProgress>? progress, CancellationToken cancel) =>
        Execute(plan, current, image, progress, cancel, new FlashReport(plan.Chip));

    /// <summary>
    /// Executes <paramref name="plan"/>, recording into an existing <paramref name="report"/> (a later pass of the same run).
    /// One loop does every sector's steps (erase, program, verify, retry) and then the recheck of the sectors the unlock
    /// cycles may have hit (<see cref="UnlockSuspects"/>), rewriting those that changed: the engine is called straight from
    /// here, so a register write is at most three calls below the flasher (engine, bus, channel) — issue 14's call depth.
    /// </summary>
    public FlashReport Execute(FlashPlan plan, ReadOnlySpan<byte> current, ReadOnlySpan<byte> image, IProgress<FlashProgress>? progress, CancellationToken cancel, FlashReport report)
    {
        var work = plan.Sectors.Where(s => s.Action != SectorAction.Keep).ToList();
        var done = 0;
        var readBack = new byte[plan.Chip.Sectors.Max(s => s.Size)];
        List<int>? suspects = null;
        HashSet<int>? written = null;
        for (var next = 0; ; next++)
        {
            SectorPlan step;
            var rewrite = next >= work.Count;
            if (!rewrite)
            {
                if (cancel.IsCancellationRequested)
                {
                    throw new RecoveryKitException(new Failure(FailureKind.Cancelled, "flash",
                        $"stopped on request after {done} of {work.Count} sectors; every sector is either old or verified new",
                        "Run the same command again to finish: only sectors that still differ are written.")
                    { Detail = report.Summary(), SectorMap = report.Summary(), SectorStates = report.Snapshot() });
                }
                step = work[next];
            }
            else
            {
                // Everything planned is written: a sector an unlock cycle may have hit is read again (twice, so a read glitch
                // is not a changed sector); one that changed is rewritten, or reported unknown where the plan may not write.
                suspects ??= UnlockSuspects(work);
                written ??= new HashSet<int>(work.Select(w => w.Sector.Index));
                if (next - work.Count >= suspects.Count)
                    return report;
                var index = suspects[next - work.Count];
                var suspect = _chip.Spec.Sectors[index];
                var planned = plan.Sectors.First(s => s.Sector.Index == index);
                var expected = (written.Contains(index) ? image : current).Slice((int)suspect.Start, suspect.Size);
                var seen = readBack.AsSpan(0, suspect.Size);
                var suspectBank = (int)(suspect.Start >> 16);
                progress?.Report(new FlashProgress("verify", suspectBank, index, work.Count, work.Count));
                _chip.Read(suspect.Start, seen);
                if (seen.SequenceEqual(expected))
                    continue;
                _chip.Read(suspect.Start, seen); // a second look: a read glitch is not a changed sector
                if (seen.SequenceEqual(expected))
                    continue;
                if (planned.BootBlockLeftAlone || (planned.InBootBlock && !plan.WriteBootCode))
                {
                    report.Set(index, SectorState.Unknown);
                    throw new RecoveryKitException(new Failure(FailureKind.VerifyFailed, "verify",
                        $"sector {index} at {suspect.Start:X6}h (boot block, not to be written) changed while other sectors were written: a bus cycle was lost",
                        "Reseat or replace the IDE cable. The backup holds the old boot block; with --write-bootcode the next run rewrites it.")
                    { Detail = report.Summary(), SectorMap = report.Summary(), SectorStates = report.Snapshot() });
                }
                report.Retries++;
                progress?.Report(new FlashProgress("retry", suspectBank, index, work.Count, work.Count));
                step = planned with { Action = SectorAction.EraseAndProgram };
            }

            var sector = step.Sector;
            var bank = (int)(sector.Start >> 16);
            var doneSoFar = rewrite ? work.Count : done;
            try
            {
                // The sector's steps: erase where planned, program what differs, verify by read-back, retry from a clean sector.
                var want = image.Slice((int)sector.Start, sector.Size);
                var erase = step.Action == SectorAction.EraseAndProgram;
                var autoErase = _chip.Spec.Bus == FlashBusKind.Parallel && _chip.Spec.Program == ProgramModel.Page;
                for (var attempt = 0; ; attempt++)
                {
                    var have = readBack.AsSpan(0, sector.Size);
                    if (autoErase)
                    {
                        // Page-write parts (W29C0x0) erase as they write: the whole sector goes as pages.
                        progress?.Report(new FlashProgress("program", bank, sector.Index, doneSoFar, work.Count));
                        report.Set(sector.Index, SectorState.Unknown);
                        _chip.ProgramSector(sector, want, have, erased: true);
                    }
                    else
                    {
                        if (erase)
                        {
                            progress?.Report(new FlashProgress("erase", bank, sector.Index, doneSoFar, work.Count));
                            report.Set(sector.Index, SectorState.Unknown);
                            _chip.EraseSector(sector);
                            report.Set(sector.Index, SectorState.Erased);
                        }
                        else if (attempt == 0)
                        {
                            // Program-only: the bytes the plan read tell which ones differ.
                            current.Slice((int)sector.Start, sector.Size).CopyTo(have);
                        }
                        progress?.Report(new FlashProgress("program", bank, sector.Index, doneSoFar, work.Count));
                        var needed = erase ? want.IndexOfAnyExcept((byte)0xFF) >= 0 : !have.SequenceEqual(want);
                        if (needed)
                        {
                            report.Set(sector.Index, SectorState.Unknown);
                            _chip.ProgramSector(sector, want, have, erase);
                        }
                    }
                    progress?.Report(new FlashProgress("verify", bank, sector.Index, doneSoFar, work.Count));
                    _chip.Read(sector.Start, have);
                    var mismatch = FirstMismatch(have, want);
                    if (mismatch < 0)
                    {
                        report.Set(sector.Index, SectorState.New);
                        break;
                    }
                    if (attempt >= RetriesPerSector)
                    {
                        throw new RecoveryKitException(FailureKind.VerifyFailed, "verify",
                            $"sector {sector.Index} still differs after {attempt + 1} attempts: {sector.Start + (uint)mismatch:X6}h holds {have[mismatch]:X2}h, the image has {want[mismatch]:X2}h",
                            "The flash may be worn or the cable noisy: reseat the IDE cable, power-cycle the drive and run again; sectors already verified are kept.");
                    }
                    report.Retries++;
                    progress?.Report(new FlashProgress("retry", bank, sector.Index, doneSoFar, work.Count));
                    erase = true; // a retry starts from a clean sector
                }
            }
            catch (RecoveryKitException ex) when (ex.Failure.Kind != FailureKind.Cancelled)
            {
                report.Set(sector.Index, SectorState.Unknown);
                throw new RecoveryKitException(ex.Failure with
                {
                    Kind = ex.Failure.Kind == FailureKind.VerifyFailed ? FailureKind.VerifyFailed : FailureKind.WriteFailed,
                    Cause = rewrite
                        ? $"{ex.Failure.Cause} (sector {sector.Index} at {sector.Start:X6}h, bank {bank}, rewritten after it changed)"
                        : $"{ex.Failure.Cause} (sector {sector.Index} at {sector.Start:X6}h, bank {bank})",
                    Detail = report.Summary(),
                    SectorMap = report.Summary(),
                    SectorStates = report.Snapshot(),
                }, ex);
            }
            if (!rewrite)
            {
                done++;
                progress?.Report(new FlashProgress("done", bank, sector.Index, done, work.Count));
            }
        }
    }

    /// <summary>
    /// A bus cycle lost on the way (a dropped mailbox commit) can leave the part waiting for program data, so
    /// the first cycle of the next command — AAh to the unlock address — is programmed as data there. Parts that
    /// decode only A14..A0 put that address in another sector than the one being written (x5555h: sector 5 or 13
    /// of the bank on 4 KiB parts), which that sector's own verify never sees. The sectors such cycles of
    /// <paramref name="work"/> land in (other than the one written), in ascending order, for <see cref="Execute(FlashPlan, ReadOnlySpan{byte}, ReadOnlySpan{byte}, IProgress{FlashProgress}?, CancellationToken, FlashReport)"/>
    /// to read again once everything is written.
    /// </summary>
    private List<int> UnlockSuspects(List<SectorPlan> work)
    {
        var spec = _chip.Spec;
        var suspects = new SortedSet<int>();
        foreach (var step in work)
        {
            foreach (var near in new[] { step.Sector.Start, step.Sector.End - 1 })
            {
                if (_chip.CommandAddressNear(near) is not { } unlock)
                    continue;
                var target = spec.SectorAt(unlock);
                if (target.Index != step.Sector.Index)
                    suspects.Add(target.Index);
            }
        }
        return [.. suspects];
    }

    private static int FirstMismatch(ReadOnlySpan<byte> have, ReadOnlySpan<byte> want)
    {
        var common = have.CommonPrefixLength(want);
        return common == want.Length ? -1 : common;
    }
}
