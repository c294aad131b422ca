using System.Diagnostics;
using System.Text;
using System.Text.Json;
using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Emulation.Spi;
using RecoveryKit.Emulation.Faults;
using RecoveryKit.Firmware;
using RecoveryKit.MediaTek;
using RecoveryKit.Profiles;

namespace RecoveryKit.Bench;

/// <summary>What one run of the campaign came to.</summary>
internal sealed record FaultRun(string Kind, int Seed, string Fault, string FirstOutcome, bool Crash, string? CrashText, bool KnownState, int SilentLossSectors,
    bool BackupExact, bool Recovered, string RecoveryOutcome, string Where)
{
    /// <summary>Which bench case (chip and plan) the run was on.</summary>
    public string Case { get; init; } = "";

    /// <summary>After the faulted run the boot block held neither its old nor its new content: a real drive would no longer answer the intro.</summary>
    public bool BootBlockBroken { get; init; }

    /// <summary>Sectors the failure reported as unknown (counted as not known).</summary>
    public int UnknownSectors { get; init; }

    /// <summary>The run stopped after reserving the backup file and before writing it: a 0-byte "backup" is left behind.</summary>
    public bool EmptyBackupLeft { get; init; }

    /// <summary>After the faulted run the drive's key block held the image's, another drive's (what FlashSession must never write without --take-image-key).</summary>
    public bool KeyBlockForeign { get; init; }

    /// <summary>After the recovery run the key block was not the drive's own.</summary>
    public bool KeyBlockLost { get; init; }

    /// <summary>After the recovery run the key block was the image's, another drive's (written without --take-image-key).</summary>
    public bool KeyBlockImagesAfterRecovery { get; init; }

    /// <summary>The next run was refused at 52h (the stopped run had written the head) and the Lite-On erase with the drive's backup, then 'flash', recovered it.</summary>
    public bool RecoveredViaLiteOnErase { get; init; }
}

/// <summary>
/// Fault campaign (issues 8 and 11): for each bench case (chip, size, sector layout, program model, with or without
/// --write-bootcode) and each fault kind, N seeded runs of a full flash session (FlashSession.Run, the same code
/// path as 'flash'), then a recovery run. Checks after each faulted run that every sector holds what the failure's
/// typed sector states (<see cref="Failure.SectorStates"/>) say — a sector reported unknown counts as not known —,
/// that no sector lost data silently, that the boot block is old or new, that nothing but RecoveryKitException
/// escaped, and that the next run (after a power cycle where the fault needs one) leaves the new image in the flash.
/// </summary>
internal static class FaultCampaign
{
    public static readonly string[] Kinds = ["power-loss", "power-loss-program", "power-loss-erase", "stuck-bsy", "read-bit-flip", "dropped-write", "erase-timeout", "intro-ignored", "cable-noise"];

    /// <summary>Kinds that only the issue-13 cases run (the parallel cases' tables stay comparable with earlier campaigns).</summary>
    private static readonly string[] DriveCaseOnlyKinds = ["power-loss-program", "power-loss-erase"];

    private static readonly TaskFileRegister[] NoisyRegisters =
        [TaskFileRegister.SectorCount, TaskFileRegister.LbaLow, TaskFileRegister.LbaMid, TaskFileRegister.LbaHigh, TaskFileRegister.Device, TaskFileRegister.StatusCommand];

    /// <summary>The bench cases: name, chip, and how the images are made.</summary>
    public static readonly string[] CaseNames = ["update-4k", "update-64k", "update-page", "update-2mib", "bootcode-4k", "update-spi",
        "dead-dg16d2s", "dead-dg16d4s", "blank-vad6038", "dead-ts-h943a"];

    /// <summary>Issue 13: the practice scenarios of the JungleFlasher-era drives, each with its own virtual drive (dialect, maker, key block).</summary>
    private static readonly string[] ScenarioCases = ["dead-dg16d2s", "dead-dg16d4s", "blank-vad6038", "dead-ts-h943a"];

    private static BenchCase MakeCase(string name) => name switch
    {
        "update-4k" => BenchCase.Update(Perf.Chip("SST39SF040"), 52327) with { Kind = "update-4k" },
        "update-64k" => BenchCase.Update(Perf.Chip("Am29F040B"), 52327) with { Kind = "update-64k" },
        "update-page" => PageWriteUpdate(Perf.Chip("W29C020"), 52327),
        "update-2mib" => BenchCase.Update(Perf.Chip("SST39VF016"), 52327) with { Kind = "update-2mib" },
        "bootcode-4k" => BootCodeUpdate(Perf.Chip("SST39SF040"), 52327),
        "update-spi" => SpiUpdate(Perf.Chip("MX25L2005"), 6038),
        _ when ScenarioCases.Contains(name) => ScenarioCase(name),
        _ => throw new ArgumentException($"no bench case {name}; use one of {string.Join(", ", CaseNames)}"),
    };

    /// <summary>
    /// A 256 KiB update on a page-write part. No parallel-flash family ships 256 KiB images, so the DG-16D2S family
    /// (256 KiB) holds the image: only its size, boot block and checksum rule matter to the session.
    /// </summary>
    private static BenchCase PageWriteUpdate(ChipSpec chip, int seed)
    {
        var family = ImageFamilies.Get("DG-16D2S");
        var old = SyntheticImage.Build(family, chip.SizeBytes, "R100", seed);
        var other = SyntheticImage.Build(family, chip.SizeBytes, "R101", seed);
        var image = (byte[])old.Clone();
        Array.Copy(other, FlashSize.Bank, image, FlashSize.Bank, FlashSize.Bank); // bank 1 replaced
        if (family.Validity.CanFix)
            family.Validity.Fix(image);
        return new BenchCase("update-page", chip, family, old, image, WriteBootCode: false);
    }

    /// <summary>
    /// A 256 KiB update of a BenQ VAD6038 (MX25L2005 SPI NOR behind the phat SPI buffer mailbox, status 73h, counts high byte
    /// first): bank 1 differs. The virtual drive's SPI side is the emulator's own (Emulation/Spi), not the host's engine.
    /// </summary>
    private static BenchCase SpiUpdate(ChipSpec chip, int seed)
    {
        var family = ImageFamilies.Get("VAD6038");
        var old = SyntheticImage.Build(family, chip.SizeBytes, "R100", seed);
        var other = SyntheticImage.Build(family, chip.SizeBytes, "R101", seed);
        var image = (byte[])old.Clone();
        Array.Copy(other, FlashSize.Bank, image, FlashSize.Bank, FlashSize.Bank);
        return new BenchCase("update-spi", chip, family, old, image, WriteBootCode: false)
        {
            ProfileName = "VAD6038",
            Spi = (SpiDialect.Phat, SpiDriveMaker.BenQ),
            IsSpi = true,
        };
    }

    /// <summary>
    /// A practice scenario's drive (sim:NAME) and its practice image. What the flash must hold at the end is the image
    /// with the drive's own key block kept (FlashSession keeps it unless --take-image-key; a blank one takes the image's).
    /// </summary>
    private static BenchCase ScenarioCase(string scenario)
    {
        var setup = MtkScenarios.Setups[scenario].Setup;
        var chip = ProfileCatalog.FindChip(setup.Chip) ?? throw new InvalidOperationException($"no chip {setup.Chip}");
        var old = setup.InitialFlash();
        var image = setup.RecoveryImage();
        var expected = (byte[])image.Clone();
        FlashRange? keyRange = null;
        if (setup.Family.KeyBlock is { } key)
        {
            keyRange = new FlashRange((uint)key.Start, (uint)key.Length);
            if (!key.IsBlank(old))
                key.Of(old).CopyTo(expected.AsSpan(key.Start, key.Length));
        }
        return new BenchCase(scenario, chip, setup.Family, old, expected, WriteBootCode: false)
        {
            ProfileName = setup.Profile,
            Scenario = scenario,
            Image = image,
            KeyBlock = keyRange,
            IsSpi = setup.SpiDialect is not null,
        };
    }

    /// <summary>An update that also brings new boot code (two 4 KiB sectors of the boot block differ), written with --write-bootcode.</summary>
    private static BenchCase BootCodeUpdate(ChipSpec chip, int seed)
    {
        var update = BenchCase.Update(chip, seed);
        var image = (byte[])update.New.Clone();
        var otherBoot = SyntheticImage.Build(update.Family, chip.SizeBytes, "R100", seed + 1);
        Array.Copy(otherBoot, 0x2000, image, 0x2000, 0x2000);
        if (update.Family.Validity.CanFix)
            update.Family.Validity.Fix(image);
        return new BenchCase("bootcode-4k", chip, update.Family, update.Old, image, WriteBootCode: true);
    }

    public static int Run(string[] args)
    {
        var runs = int.Parse(Program.Option(args, "--runs") ?? "40", System.Globalization.CultureInfo.InvariantCulture);
        var seed0 = int.Parse(Program.Option(args, "--seed") ?? "1000", System.Globalization.CultureInfo.InvariantCulture);
        var outDir = Program.Option(args, "--out") ?? "bench/results";
        var only = Program.Option(args, "--kind");
        var onlyCase = Program.Option(args, "--case");
        var budget = TimeSpan.FromSeconds(double.Parse(Program.Option(args, "--budget-seconds") ?? "500", System.Globalization.CultureInfo.InvariantCulture));
        var wall = Stopwatch.StartNew();
        var cases = onlyCase is null ? CaseNames : onlyCase.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var kinds = only is null ? Kinds : only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // Each case-and-kind gets an even share of what is left, so time a fast one did not use goes to the slower ones.
        var combosLeft = cases.Sum(name => kinds.Count(k => Applies(k, name)));
        var all = new List<FaultRun>();
        var tables = new StringBuilder();
        var notes = new List<string>();
        foreach (var caseName in cases)
        {
            var benchCase = MakeCase(caseName);
            Calibration calibration;
            try
            {
                calibration = Calibrate(benchCase);
            }
            catch (RecoveryKitException ex)
            {
                Console.Error.WriteLine($"{caseName}: the clean run failed, case skipped: {ex.Failure}");
                tables.AppendLine($"{caseName}: the clean run failed ({ex.Failure.Kind} at {ex.Failure.Stage}): case skipped.").AppendLine();
                combosLeft -= kinds.Count(k => Applies(k, caseName));
                continue;
            }
            Console.Error.WriteLine($"{caseName}: clean run: {calibration.TotalOps:N0} register ops ({calibration.WriteStartOps:N0} before the first erase{(calibration.BootStartOps >= 0 ? $", {calibration.BootStartOps:N0} before the boot block" : "")}), {calibration.Commits:N0} mailbox {(benchCase.IsSpi ? "executes" : "commits")}, {calibration.Reads:N0} mailbox reads, {calibration.ErasedSectors.Count} sectors erased, {calibration.Programs:N0} programs and {calibration.Erases:N0} erases seen by the part");
            var caseRuns = new List<FaultRun>();
            foreach (var kind in kinds)
            {
                if (!Applies(kind, caseName))
                    continue;
                var perBudget = (budget - wall.Elapsed) / Math.Max(1, combosLeft);
                combosLeft--;
                if (kind == "erase-timeout" && benchCase.Chip.Program == ProgramModel.Page && !benchCase.IsSpi)
                {
                    Console.Error.WriteLine($"  {caseName} {kind}: not applicable (a page-write part erases each page itself; there is no sector erase to hang)");
                    continue;
                }
                if (kind == "erase-timeout" && calibration.ErasedSectors.Count == 0)
                {
                    Console.Error.WriteLine($"  {caseName} {kind}: not applicable (the flash is blank: the plan erases nothing; power-loss-erase covers an erase on the next run)");
                    notes.Add($"{caseName}: erase-timeout not applicable (the flash starts blank, so the plan erases no sector; power-loss-erase makes a stopped run first and cuts the power in the next run's erase).");
                    continue;
                }
                var kindWall = Stopwatch.StartNew();
                for (var i = 0; i < runs; i++)
                {
                    if (kindWall.Elapsed > perBudget)
                    {
                        Console.Error.WriteLine($"  {caseName} {kind}: time budget reached after {i} runs");
                        break;
                    }
                    var run = One(kind, seed0 + i, benchCase, calibration, i < runs / 2) with { Case = caseName };
                    caseRuns.Add(run);
                    if (Serious(run) || !(run.Recovered || run.RecoveredViaLiteOnErase))
                        Console.Error.WriteLine($"  BAD {caseName} {kind} seed {run.Seed}: {run.Fault} → {run.FirstOutcome}; known={run.KnownState} (unknown {run.UnknownSectors}) silent={run.SilentLossSectors} boot broken={run.BootBlockBroken} recovered={run.Recovered} ({run.RecoveryOutcome}) {run.CrashText}");
                }
                Console.Error.WriteLine($"  {caseName} {kind}: {caseRuns.Count(r => r.Kind == kind)} runs in {kindWall.Elapsed.TotalSeconds:0.0} s");
            }
            tables.AppendLine(Table(caseRuns, benchCase, calibration, notes.Where(n => n.StartsWith(caseName + ":", StringComparison.Ordinal)).ToList()));
            all.AddRange(caseRuns);
        }
        var table = tables.ToString();
        Console.WriteLine(table);
        Console.WriteLine($"(campaign wall time {wall.Elapsed.TotalSeconds:0.0} s)");
        Directory.CreateDirectory(outDir);
        var basePath = Path.Combine(outDir, $"{DateTime.UtcNow:yyyy-MM-dd}-{Environment.MachineName}-faults");
        File.WriteAllText(basePath + ".md", $"# RecoveryKit fault campaign — {DateTime.UtcNow:yyyy-MM-dd} on {Environment.MachineName}\n\ncommit {PerfCommand.Git("rev-parse --short HEAD")}; up to {runs} runs per kind and case, seeds {seed0}..{seed0 + runs - 1}\n\n{table}\n");
        File.WriteAllText(basePath + ".json", Json(all));
        Console.Error.WriteLine($"results: {basePath}.md, {basePath}.json");
        var bad = all.Count(Serious);
        return bad == 0 ? 0 : 3;
    }

    /// <summary>
    /// What fails the campaign: a crash, silent loss, a sector whose reported definite state is wrong, or a boot block
    /// left broken where the plan never touched it. An honest "unknown" sector is not known, and shows in the table,
    /// but is what the report promises; a broken boot block in the --write-bootcode case is that window's known risk.
    /// </summary>
    private static bool Serious(FaultRun r) =>
        r.Crash || r.SilentLossSectors > 0 || (!r.KnownState && r.UnknownSectors == 0) || (r.BootBlockBroken && !r.Case.StartsWith("bootcode", StringComparison.Ordinal))
        || r.KeyBlockForeign || r.KeyBlockLost;

    /// <summary>Whether a kind runs on a case: the power cuts aimed at one operation run on the issue-13 drives and update-spi.</summary>
    private static bool Applies(string kind, string caseName) =>
        !DriveCaseOnlyKinds.Contains(kind) || ScenarioCases.Contains(caseName) || caseName == "update-spi";

    internal sealed record Calibration(long TotalOps, long WriteStartOps, long Commits, long Reads, IReadOnlyList<int> ErasedSectors,
        IReadOnlyDictionary<TaskFileRegister, long> RegisterAccesses)
    {
        /// <summary>Mailbox writes a dropped-write fault can hit: the commits on a parallel drive, the buffer writes on an SPI drive.</summary>
        public long Writes { get; init; } = Commits;

        /// <summary>Register operations before the first boot-block sector was erased or programmed (-1: the plan leaves the boot block alone).</summary>
        public long BootStartOps { get; init; } = -1;

        /// <summary>Programs (byte or page) and sector erases the part started, as the bus saw them busy.</summary>
        public long Programs { get; init; }

        public long Erases { get; init; }

        /// <summary>Where the flash starts blank: the sector erases of a run over <see cref="StoppedForeignWrite"/>.</summary>
        public long ForeignErases { get; init; }
    }

    /// <summary>A flash that holds another firmware (a revision no scenario uses) with its first 4 KiB blank: what a write of that firmware which stopped before its head leaves.</summary>
    private static byte[] StoppedForeignWrite(BenchCase c)
    {
        var foreign = SyntheticImage.Build(c.Family, c.Chip.SizeBytes, "X999", 999);
        foreign.AsSpan(0, Math.Min(0x1000, foreign.Length)).Fill(0xFF);
        return foreign;
    }

    /// <summary>Sector erases a clean run over <see cref="StoppedForeignWrite"/> makes (0 when it fails).</summary>
    private static long CountForeignErases(BenchCase c)
    {
        var rig = Rig.Create(c, StoppedForeignWrite(c));
        var erases = new PowerLossDuring(rig.Channel, rig.Drive.Memory, FlashOperation.SectorErase, 0);
        rig.Channel.Observer = erases;
        var dir = Directory.CreateTempSubdirectory("rk-faults-");
        try
        {
            return Attempt(rig, c, dir.FullName, new StageTracker(), out _, out _) == "ok" ? erases.Seen : 0;
        }
        finally
        {
            dir.Delete(true);
        }
    }

    /// <summary>A clean run: how many bus cycles, commits and reads a run takes, and where the write phase starts.</summary>
    private static Calibration Calibrate(BenchCase c)
    {
        var rig = Rig.Create(c, c.Old);
        var counters = NoisyRegisters.Select(r => new CableNoise(r, 0, 0)).ToArray();
        var chain = new ChainedWireFault(counters);
        rig.Channel.WireFault = chain;
        var programs = new PowerLossDuring(rig.Channel, rig.Drive.Memory, FlashOperation.Program, 0);
        var erases = new PowerLossDuring(rig.Channel, rig.Drive.Memory, FlashOperation.SectorErase, 0);
        rig.Channel.Observer = new ChainedObserver([programs, erases]);
        long writeStart = -1;
        long bootStart = -1;
        var boot = c.BootBlock;
        var dir = Directory.CreateTempSubdirectory("rk-faults-");
        try
        {
            var outcome = FlashSession.Run(rig.Host, DeviceSelect.Master, "bench", Request(c, dir.FullName, new ActionProgress(p =>
            {
                if (writeStart < 0 && p.Stage is "erase" or "program")
                    writeStart = rig.Channel.RegisterOperations;
                if (bootStart < 0 && p.Stage is "erase" or "program" && c.Chip.Sectors[p.Sector].Start < boot.Start + boot.Length)
                    bootStart = rig.Channel.RegisterOperations;
            })));
            if (!rig.Drive.Memory.Contents.SequenceEqual(c.New))
                throw new InvalidOperationException($"{c.Kind}: the clean calibration run did not leave the expected flash");
            var spi = rig.Drive.Spi;
            return new Calibration(rig.Channel.RegisterOperations, writeStart, spi?.Executes ?? rig.Drive.MailboxWrites, spi?.BufferReads ?? rig.Drive.MailboxReads,
                outcome.Plan.Sectors.Where(s => s.Action == SectorAction.EraseAndProgram).Select(s => s.Sector.Index).ToList(),
                counters.ToDictionary(n => n.Register, n => n.Accesses))
            {
                BootStartOps = bootStart, Writes = spi?.BufferWrites ?? rig.Drive.MailboxWrites, Programs = programs.Seen, Erases = erases.Seen,
                ForeignErases = erases.Seen == 0 && Applies("power-loss-erase", c.Kind) ? CountForeignErases(c) : 0,
            };
        }
        finally
        {
            dir.Delete(true);
        }
    }

    private static FlashRequest Request(BenchCase c, string dir, IProgress<FlashProgress>? progress, Func<IntroResult, int, bool>? powerCycle = null, bool tryLocked = false) => new()
    {
        Image = c.ImageToWrite,
        ImageName = "update.bin",
        SecondBackupPath = c.KeyBlock is null ? null : Path.Combine(dir, "backup-copy.bin"),
        // As the CLI: the key-block journal in the data folder, shared by the run and the one after it.
        KeyJournalFolder = c.KeyBlock is null ? null : Path.Combine(dir, "keys"),
        AcceptLocked = tryLocked,
        Profile = ProfileCatalog.FindDrive(c.ProfileName)!,
        Family = c.Family,
        BackupPath = Path.Combine(dir, "backup.bin"),
        Progress = progress,
        PowerCycle = powerCycle,
        WriteBootCode = c.WriteBootCode,
    };

    private static FaultRun One(string kind, int seed, BenchCase c, Calibration cal, bool wholeRun)
    {
        var random = new Random(seed);
        var faults = new MtkFaultPlan { Seed = seed };
        var old = c.Old;
        string fault = "";
        if (kind == "power-loss-erase" && cal.Erases == 0)
        {
            // The flash starts blank, so the practice run erases nothing. The erase of such a drive comes when it is
            // flashed again after a run that stopped before its head: start from that (another firmware everywhere
            // but a blank first sector) and cut the power during one of the erases it needs.
            old = StoppedForeignWrite(c);
            fault = $"the flash holds another firmware with a blank first sector (a write of it stopped before its head); ";
        }
        var rig = Rig.Create(c, old, faults);
        PowerLossAt? power = null;
        PowerLossDuring? during = null;
        CableNoise? noise = null;
        switch (kind)
        {
            case "power-loss":
                // Half the runs anywhere; the other half in the write phase, or in the boot-block window when the plan rewrites it.
                power = wholeRun
                    ? PowerLossAt.Random(rig.Channel, 1, cal.TotalOps, seed)
                    : PowerLossAt.Random(rig.Channel, cal.BootStartOps >= 0 ? cal.BootStartOps : cal.WriteStartOps, cal.TotalOps, seed);
                rig.Channel.Observer = power;
                fault = $"power cut at bus cycle {power.AtOperation:N0} of {cal.TotalOps:N0}" + (power.AtOperation >= cal.WriteStartOps ? " (write phase)" : " (before the first erase)");
                break;
            case "power-loss-program":
                during = new PowerLossDuring(rig.Channel, rig.Drive.Memory, FlashOperation.Program, random.NextInt64(1, cal.Programs + 1));
                rig.Channel.Observer = during;
                fault = $"power cut during {(c.IsSpi ? "page program" : "byte program")} {during.Nth:N0} of {cal.Programs:N0}";
                break;
            case "power-loss-erase":
            {
                var erases = cal.Erases == 0 ? cal.ForeignErases : cal.Erases;
                during = new PowerLossDuring(rig.Channel, rig.Drive.Memory, FlashOperation.SectorErase, random.NextInt64(1, erases + 1));
                rig.Channel.Observer = during;
                fault += $"power cut during sector erase {during.Nth} of {erases}";
                break;
            }
            case "stuck-bsy":
                faults.StuckBusyAfterCommits = random.NextInt64(1, cal.Commits + 1);
                fault = c.IsSpi
                    ? $"the drive hangs (BSY) after execute {faults.StuckBusyAfterCommits} of {cal.Commits}"
                    : $"BSY stuck after commit {faults.StuckBusyAfterCommits} of {cal.Commits}";
                break;
            case "read-bit-flip":
                faults.FlipReadProbability = 4.0 / cal.Reads;
                fault = $"bit flip on each {(c.IsSpi ? "buffer" : "mailbox")} read with p={faults.FlipReadProbability:0.###e0} (~4 per run)";
                break;
            case "dropped-write":
                faults.DropWriteNumber = random.NextInt64(1, cal.Writes + 1);
                fault = $"mailbox {(c.IsSpi ? "buffer write" : "commit")} {faults.DropWriteNumber} of {cal.Writes} dropped";
                break;
            case "erase-timeout":
            {
                var sector = cal.ErasedSectors[random.Next(cal.ErasedSectors.Count)];
                rig.StuckEraseSectors.Add(sector);
                fault = $"sector {sector} never finishes erasing";
                break;
            }
            case "intro-ignored":
                faults.IntroIgnoredUntilPowerCycles = 1;
                fault = "intro ignored until one power cycle";
                break;
            case "cable-noise":
            {
                var register = NoisyRegisters[random.Next(NoisyRegisters.Length)];
                noise = new CableNoise(register, 2.0 / Math.Max(1, cal.RegisterAccesses[register]), seed);
                rig.Channel.WireFault = noise;
                fault = $"noise on {register} (p={noise.Probability:0.###e0} per access, ~2 per run)";
                break;
            }
            default:
                throw new ArgumentException(kind);
        }

        var dir = Directory.CreateTempSubdirectory("rk-faults-");
        try
        {
            var tracker = new StageTracker();
            var first = Attempt(rig, c, dir.FullName, tracker, out var crash, out var failure);
            var where = tracker.Describe();
            if (noise is not null)
                fault += $", {noise.Flips} flip(s)";
            // What the run said each sector holds, against what the flash holds.
            var states = ReportedStates(failure, tracker, c);
            var (known, silent) = Check(rig, c, states, old);
            var unknown = states.Count(s => s == SectorState.Unknown);
            var flashNow = rig.Drive.Memory.Contents;
            var bootRange = ((int)c.BootBlock.Start, (int)c.BootBlock.Length);
            var bootNow = flashNow.Slice(bootRange.Item1, bootRange.Item2);
            var bootBroken = !bootNow.SequenceEqual(old.AsSpan(bootRange.Item1, bootRange.Item2)) && !bootNow.SequenceEqual(c.New.AsSpan(bootRange.Item1, bootRange.Item2));
            var backupExact = BackupExact(dir.FullName, old, out var emptyBackup);
            var firstBackup = Directory.GetFiles(dir.FullName, "backup.bin").Select(File.ReadAllBytes).FirstOrDefault(b => b.Length > 0);
            var afterFirst = flashNow.ToArray();
            // The drive's identity: after the fault its key block may be its own, what it held before, or erased/half
            // erased (its sector honestly reported), but never the image's when that is another drive's.
            var keyForeign = false;
            if (c.KeyBlock is { } keyRange)
            {
                var keyNow = flashNow.Slice((int)keyRange.Start, (int)keyRange.Length);
                var imageKey = c.ImageToWrite.AsSpan((int)keyRange.Start, (int)keyRange.Length);
                keyForeign = !imageKey.SequenceEqual(c.New.AsSpan((int)keyRange.Start, (int)keyRange.Length)) && keyNow.SequenceEqual(imageKey);
            }

            // Recovery: the fault goes away (a power cycle where it needs one), then the same command again.
            var recoveryNote = "";
            switch (kind)
            {
                case "stuck-bsy":
                    faults.StuckBusyAfterCommits = 0;
                    rig.Channel.PowerCycle();
                    break;
                case "read-bit-flip":
                    faults.FlipReadProbability = 0;
                    break;
                case "erase-timeout":
                {
                    // "Recovered" here: it failed typed, and the drive still answers the intro without a power cycle.
                    var answers = AnswersIntro(rig, out var how);
                    recoveryNote = answers ? "answers the intro; " : $"does NOT answer the intro ({how}); ";
                    rig.StuckEraseSectors.Clear();
                    rig.Channel.PowerCycle();
                    if (!answers)
                        first = first + " / no intro";
                    break;
                }
                case "intro-ignored":
                    rig.Channel.PowerCycle();
                    break;
                case "cable-noise":
                    rig.Channel.WireFault = null;
                    break;
                case "power-loss":
                    rig.Channel.Observer = null;
                    if (!power!.Fired)
                        recoveryNote = "power never cut (the run ended first); ";
                    break;
                case "power-loss-program" or "power-loss-erase":
                    rig.Channel.Observer = null;
                    if (!during!.Fired)
                        recoveryNote = "power never cut (no such operation in the run); ";
                    break;
            }
            var second = Attempt(rig, c, dir.FullName, new StageTracker(), out var crash2, out _);
            var recovered = second == "ok" && rig.Drive.Memory.Contents.SequenceEqual(c.New);
            var viaErase = false;
            if (second == "FlashProtected at vendor-intro")
            {
                if (afterFirst.AsSpan().SequenceEqual(c.New) && rig.Drive.Memory.Contents.SequenceEqual(c.New))
                {
                    // A Lite-On drive whose first 200h bytes are written answers 52h: once the image is in (the run
                    // finished, or stopped after writing its last page), a second run is refused before anything is
                    // touched, which is right.
                    recovered = true;
                    recoveryNote += "the image was in after the first run; the second is refused at 52h (nothing touched); ";
                }
                else if (ProfileCatalog.FindDrive(c.ProfileName)!.EraseTriggers.Value.Count == 0)
                {
                    // A slim drive has no known erase trigger: its documented way back is --try-locked (52h is [R] there).
                    second = Attempt(rig, c, dir.FullName, new StageTracker(), out crash2, out _, tryLocked: true);
                    recovered = second == "ok" && rig.Drive.Memory.Contents.SequenceEqual(c.New);
                    recoveryNote += "refused at 52h, then recovered with --try-locked; ";
                }
                else
                {
                    // The run stopped after the head (the first 200h, written last) was in, so the drive answers 52h:
                    // the documented way back is the Lite-On erase with the drive's backup, then 'flash' again.
                    var (erased, note) = LiteOnEraseBack(rig, c, dir.FullName, firstBackup);
                    recoveryNote += note;
                    if (erased)
                    {
                        second = Attempt(rig, c, dir.FullName, new StageTracker(), out crash2, out _);
                        viaErase = second == "ok" && rig.Drive.Memory.Contents.SequenceEqual(c.New);
                    }
                }
            }
            var finalFlash = rig.Drive.Memory.Contents;
            if (kind == "erase-timeout")
                recovered &= first.StartsWith("WriteFailed", StringComparison.Ordinal) && !first.Contains("no intro", StringComparison.Ordinal);
            var keyLost = c.KeyBlock is { } k && !finalFlash.Slice((int)k.Start, (int)k.Length).SequenceEqual(c.New.AsSpan((int)k.Start, (int)k.Length));
            var keyImages = keyLost && c.KeyBlock is { } ki && finalFlash.Slice((int)ki.Start, (int)ki.Length).SequenceEqual(c.ImageToWrite.AsSpan((int)ki.Start, (int)ki.Length));
            return new FaultRun(kind, seed, fault, first, crash is not null || crash2 is not null, crash ?? crash2, known, silent, backupExact, recovered, recoveryNote + second, where)
            {
                EmptyBackupLeft = emptyBackup,
                BootBlockBroken = bootBroken,
                UnknownSectors = unknown,
                KeyBlockForeign = keyForeign,
                KeyBlockLost = keyLost,
                KeyBlockImagesAfterRecovery = keyImages,
                RecoveredViaLiteOnErase = viaErase,
            };
        }
        finally
        {
            dir.Delete(true);
        }
    }

    /// <summary>
    /// The way back for a Lite-On drive locked at 52h by a stopped run (its head written): 'erase --liteon-erase' with
    /// the drive's own backup — the faulted run's backup when it holds the key block, else the practice image when
    /// it is the drive's own backup — and the power cycle the technician gives when asked.
    /// </summary>
    private static (bool Erased, string Note) LiteOnEraseBack(Rig rig, BenchCase c, string dir, byte[]? firstBackup)
    {
        var key = c.Family.KeyBlock;
        byte[]? backup = firstBackup is not null && (key is null || !key.IsBlank(firstBackup)) ? firstBackup
            : c.Scenario is { } s && MtkScenarios.Setups[s].Setup.ImageIsOwnBackup ? c.ImageToWrite : null;
        if (backup is null)
            return (false, "52h after the stopped run and no backup with the drive's key block: NOT recoverable here; ");
        var path = Path.Combine(dir, "drive-backup.bin");
        File.WriteAllBytes(path, backup);
        try
        {
            var target = FlashTarget.Acquire(new AtaHost(rig.Channel), DeviceSelect.Master, rig.Profile, "bench");
            var outcome = LiteOnErase.Run(target, c.Family, new LiteOnEraseRequest
            {
                BackupPath = path,
                Confirm = _ => true,
                PowerCycle = () =>
                {
                    rig.Channel.PowerCycle();
                    return true;
                },
            });
            return (outcome.Erased, outcome.Erased ? "52h after the stopped run: Lite-On erase with the drive's backup, then flash: " : $"52h; the Lite-On erase left {outcome.StatusAfter:X2}h; ");
        }
        catch (RecoveryKitException ex)
        {
            return (false, $"52h; the Lite-On erase failed ({ex.Failure.Kind} at {ex.Failure.Stage}); ");
        }
    }

    /// <summary>One FlashSession run; returns "ok", a FailureKind name, or "crash".</summary>
    /// <summary>
    /// One run. Earlier runs' backups stay (each run gets new names, as the CLI's): the key-block journal of a stopped run
    /// names the backup that holds the drive's key, as it would on the stick's data partition.
    /// </summary>
    private static string Attempt(Rig rig, BenchCase c, string dir, StageTracker tracker, out string? crash, out Failure? failure, bool tryLocked = false)
    {
        crash = null;
        failure = null;
        try
        {
            var host = new AtaHost(rig.Channel);
            FlashSession.Run(host, DeviceSelect.Master, "bench", Request(c, dir, tracker, tryLocked: tryLocked));
            tracker.Finished = true;
            return "ok";
        }
        catch (RecoveryKitException ex)
        {
            failure = ex.Failure;
            return $"{ex.Failure.Kind} at {ex.Failure.Stage}";
        }
#pragma warning disable CA1031 // the campaign counts crashes: anything that is not a RecoveryKitException
        catch (Exception ex)
#pragma warning restore CA1031
        {
            crash = $"{ex.GetType().Name}: {ex.Message} @ {ex.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}";
            return "crash";
        }
    }

    private static bool AnswersIntro(Rig rig, out string how)
    {
        try
        {
            var host = new AtaHost(rig.Channel);
            var target = FlashTarget.Acquire(host, DeviceSelect.Master, rig.Profile, "bench");
            var intro = new VendorMode(target).Enter(null);
            how = $"status {intro.Status:X2}h";
            return intro.Entered;
        }
        catch (RecoveryKitException ex)
        {
            how = ex.Failure.ToString();
            return false;
        }
    }

    /// <summary>Exact: no backup was written (the run stopped before), or it holds exactly what the flash held. An empty reserved file counts as "not written".</summary>
    private static bool BackupExact(string dir, byte[] old, out bool emptyLeftBehind)
    {
        var file = Directory.GetFiles(dir, "backup*.bin").FirstOrDefault();
        emptyLeftBehind = file is not null && new FileInfo(file).Length == 0;
        return file is null || emptyLeftBehind || File.ReadAllBytes(file).AsSpan().SequenceEqual(old);
    }

    /// <summary>
    /// The sector states the run reported: the failure's typed sector states (<see cref="Failure.SectorStates"/>) when
    /// the flash stopped; all old when it stopped before the first erase; the plan's sectors new when it finished
    /// writing (outro failures). Null for a sector means "the run said nothing that covers it" (not known).
    /// </summary>
    private static SectorState?[] ReportedStates(Failure? failure, StageTracker tracker, BenchCase c)
    {
        var n = c.Chip.Sectors.Count;
        var states = new SectorState?[n];
        if (failure?.SectorStates is { } typed)
        {
            for (var i = 0; i < n && i < typed.Count; i++)
                states[i] = typed[i];
            return states;
        }
        if (!tracker.Started)
        {
            Array.Fill(states, SectorState.Old);
            return states;
        }
        if (tracker.Done == tracker.Total)
        {
            // The write finished (every planned sector verified); a later stage failed or all went well.
            Array.Fill(states, SectorState.Old);
            foreach (var i in tracker.Written)
                states[i] = SectorState.New;
            return states;
        }
        return states; // started, not finished, no sector map: not known
    }

    /// <summary>Known state: every sector holds what its state says. Silent loss: neither old nor new, nor erased as reported, nor reported unknown.</summary>
    private static (bool Known, int Silent) Check(Rig rig, BenchCase c, SectorState?[] states, byte[] old)
    {
        var flash = rig.Drive.Memory.Contents;
        var known = true;
        var silent = 0;
        foreach (var sector in c.Chip.Sectors)
        {
            var have = flash.Slice((int)sector.Start, sector.Size);
            var isOld = have.SequenceEqual(old.AsSpan((int)sector.Start, sector.Size));
            var isNew = have.SequenceEqual(c.New.AsSpan((int)sector.Start, sector.Size));
            var isErased = have.IndexOfAnyExcept((byte)0xFF) < 0;
            var state = states[sector.Index];
            // Unknown is honest but not known: the technician cannot tell what that sector holds.
            var matches = state switch
            {
                SectorState.Old => isOld,
                SectorState.New => isNew,
                SectorState.Erased => isErased,
                _ => false,
            };
            if (!matches)
                known = false;
            if (state != SectorState.Unknown && !isOld && !isNew && !(state == SectorState.Erased && isErased))
            {
                silent++;
                if (Program.Flag(Environment.GetCommandLineArgs(), "--explain"))
                {
                    var oldS = old.AsSpan((int)sector.Start, sector.Size);
                    var newS = c.New.AsSpan((int)sector.Start, sector.Size);
                    var d = have.CommonPrefixLength(newS);
                    var o = have.CommonPrefixLength(oldS);
                    Console.Error.WriteLine($"    silent: sector {sector.Index} reported {state}; first byte differing from new at +{d:X} (have {have[Math.Min(d, have.Length - 1)]:X2} new {newS[Math.Min(d, have.Length - 1)]:X2} old {oldS[Math.Min(d, have.Length - 1)]:X2}), from old at +{o:X}; old==new: {oldS.SequenceEqual(newS)}");
                }
            }
        }
        return (known, silent);
    }

    private static string Table(List<FaultRun> all, BenchCase c, Calibration cal, IReadOnlyList<string> notes)
    {
        var chip = c.Chip;
        var sb = new StringBuilder();
        var what = c.WriteBootCode
            ? "update with new boot code, written with --write-bootcode (half the power cuts fall in the boot-block window)"
            : "realistic update (old → new revision, boot block identical so no boot-block rewrite window)";
        var layout = c.IsSpi
            ? $"SPI, {chip.Sectors[0].Size / 1024} KiB erase sectors, 256-byte page program"
            : chip.Program == ProgramModel.Page ? $"{chip.PageSize}-byte page write" : $"{chip.Sectors[0].Size / 1024} KiB sectors";
        sb.AppendLine($"### {c.Kind}: {chip.Name} ({chip.SizeBytes / 1024} KiB, {layout})");
        sb.AppendLine();
        if (c.Scenario is { } scenario)
        {
            var setup = MtkScenarios.Setups[scenario].Setup;
            var drive = setup.SpiDialect is { } d
                ? $"{setup.Profile}, {d.Name} dialect, {(setup.SpiMaker == SpiDriveMaker.BenQ ? "BenQ: counts high byte first, 73h" : "Lite-On: counts low byte first, 72h/52h")}"
                : $"{setup.Profile}, {setup.Framing} framing";
            what = $"the practice drive sim:{scenario} ({drive}) given its practice image{(c.KeyBlock is { } kb ? $"; its key block ({kb.Length} bytes at {kb.Start:X}h) must be the drive's own after the recovery run and never the image's (another drive's) after the faulted one" : "")}";
        }
        sb.AppendLine($"FlashSession.Run (the 'flash' code path), {what}, differential plan. A clean run: {cal.TotalOps:N0} register ops, {cal.Commits:N0} mailbox {(c.IsSpi ? "executes" : "commits")}, {cal.ErasedSectors.Count} sectors erased, {cal.Programs:N0} {(c.IsSpi ? "page" : "byte")} programs and {cal.Erases:N0} sector erases seen by the part. Judged from the virtual drive's flash: known state = every sector's typed state (Failure.SectorStates) matches the flash; a sector reported unknown counts as not known.");
        foreach (var note in notes)
            sb.AppendLine().AppendLine(note);
        sb.AppendLine();
        sb.AppendLine("| fault kind | runs | first run: ok / typed failure / crash | recovered on the next run | drive left in a known state | runs with unknown sectors | silent data loss (sectors) | boot block neither old nor new | key block: image's after the fault / not the drive's after recovery | backup written but ≠ flash (silent) | 0-byte backup left | crashes | typed outcomes of the faulted run |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var kind in Kinds)
        {
            var runs = all.Where(r => r.Kind == kind).ToList();
            if (runs.Count == 0)
                continue;
            var ok = runs.Count(r => r.FirstOutcome == "ok");
            var crashes = runs.Count(r => r.Crash);
            var typed = runs.Count - ok - runs.Count(r => r.FirstOutcome == "crash");
            var outcomes = string.Join(", ", runs.GroupBy(r => r.FirstOutcome).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} ×{g.Count()}"));
            sb.AppendLine($"| {kind} | {runs.Count} | {ok} / {typed} / {runs.Count(r => r.FirstOutcome == "crash")} | {runs.Count(r => r.Recovered)}{(runs.Any(r => r.RecoveredViaLiteOnErase) ? $" (+{runs.Count(r => r.RecoveredViaLiteOnErase)} after the Lite-On erase)" : "")} | {runs.Count(r => r.KnownState)} | {runs.Count(r => r.UnknownSectors > 0)} | {runs.Sum(r => r.SilentLossSectors)} | {runs.Count(r => r.BootBlockBroken)} | {(c.KeyBlock is null ? "—" : $"{runs.Count(r => r.KeyBlockForeign)} / {runs.Count(r => r.KeyBlockLost)}{(runs.Any(r => r.KeyBlockImagesAfterRecovery) ? $" ({runs.Count(r => r.KeyBlockImagesAfterRecovery)} the image's)" : "")}")} | {runs.Count(r => !r.BackupExact)} | {runs.Count(r => r.EmptyBackupLeft)} | {crashes} | {outcomes} |");
        }
        var bad = all.Where(r => r.Crash || !r.KnownState || r.SilentLossSectors > 0 || !(r.Recovered || r.RecoveredViaLiteOnErase) || !r.BackupExact || r.KeyBlockForeign || r.KeyBlockLost).Take(20).ToList();
        if (bad.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Bad outcomes (first 20):");
            sb.AppendLine();
            foreach (var r in bad)
                sb.AppendLine($"- {r.Kind} seed {r.Seed}: {r.Fault} → {r.FirstOutcome} [{r.Where}]; known={r.KnownState}, silent={r.SilentLossSectors}, backup exact={r.BackupExact}{(r.KeyBlockForeign ? ", KEY BLOCK = IMAGE'S" : "")}{(r.KeyBlockLost ? (r.KeyBlockImagesAfterRecovery ? ", KEY BLOCK = THE IMAGE'S (ANOTHER DRIVE'S) AFTER RECOVERY" : ", KEY BLOCK NOT THE DRIVE'S AFTER RECOVERY") : "")}, recovered={r.Recovered} ({r.RecoveryOutcome}){(r.CrashText is null ? "" : "; " + r.CrashText)}");
        }
        return sb.ToString();
    }

    private static string Json(List<FaultRun> all)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartArray();
            foreach (var r in all)
            {
                w.WriteStartObject();
                w.WriteString("case", r.Case);
                w.WriteString("kind", r.Kind);
                w.WriteNumber("seed", r.Seed);
                w.WriteString("fault", r.Fault);
                w.WriteString("firstOutcome", r.FirstOutcome);
                w.WriteString("stage", r.Where);
                w.WriteBoolean("crash", r.Crash);
                if (r.CrashText is not null)
                    w.WriteString("crashText", r.CrashText);
                w.WriteBoolean("knownState", r.KnownState);
                w.WriteNumber("silentLossSectors", r.SilentLossSectors);
                w.WriteNumber("unknownSectors", r.UnknownSectors);
                w.WriteBoolean("bootBlockBroken", r.BootBlockBroken);
                w.WriteBoolean("backupExact", r.BackupExact);
                w.WriteBoolean("emptyBackupLeft", r.EmptyBackupLeft);
                w.WriteBoolean("keyBlockForeign", r.KeyBlockForeign);
                w.WriteBoolean("keyBlockLost", r.KeyBlockLost);
                w.WriteBoolean("keyBlockImagesAfterRecovery", r.KeyBlockImagesAfterRecovery);
                w.WriteBoolean("recovered", r.Recovered);
                w.WriteBoolean("recoveredViaLiteOnErase", r.RecoveredViaLiteOnErase);
                w.WriteString("recovery", r.RecoveryOutcome);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}

/// <summary>Follows the Flasher's progress: whether writing began, which sectors were finished.</summary>
internal sealed class StageTracker : IProgress<FlashProgress>
{
    public bool Started { get; private set; }
    public bool Finished { get; set; }
    public int Done { get; private set; }
    public int Total { get; private set; } = -1;
    public List<int> Written { get; } = [];
    private string _last = "before writing";

    public void Report(FlashProgress value)
    {
        Started = true;
        Total = value.SectorsTotal;
        Done = value.SectorsDone;
        _last = $"{value.Stage} sector {value.Sector}";
        if (value.Stage == "done")
            Written.Add(value.Sector);
    }

    public string Describe() => Finished ? "finished" : Started ? $"last: {_last}, {Done}/{Total} sectors done" : "before writing";
}

internal sealed class ActionProgress(Action<FlashProgress> action) : IProgress<FlashProgress>
{
    public void Report(FlashProgress value) => action(value);
}

/// <summary>Several register observers on one channel (the calibration counts programs and erases at once).</summary>
internal sealed class ChainedObserver(IReadOnlyList<IRegisterObserver> observers) : IRegisterObserver
{
    public void OnRead(int port, byte value)
    {
        foreach (var o in observers)
            o.OnRead(port, value);
    }

    public void OnWrite(int port, byte value)
    {
        foreach (var o in observers)
            o.OnWrite(port, value);
    }

    public void OnReadData(int port, ushort value)
    {
        foreach (var o in observers)
            o.OnReadData(port, value);
    }

    public void OnWriteData(int port, ushort value)
    {
        foreach (var o in observers)
            o.OnWriteData(port, value);
    }
}

/// <summary>Several wire faults in a row (used to count accesses per register in the calibration run).</summary>
internal sealed class ChainedWireFault(IReadOnlyList<IWireFault> faults) : IWireFault
{
    public byte OnRead(ChannelAddress channel, TaskFileRegister register, byte value)
    {
        foreach (var f in faults)
            value = f.OnRead(channel, register, value);
        return value;
    }

    public byte OnWrite(ChannelAddress channel, TaskFileRegister register, byte value)
    {
        foreach (var f in faults)
            value = f.OnWrite(channel, register, value);
        return value;
    }
}
