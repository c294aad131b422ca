using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using RecoveryKit.Ata;
using RecoveryKit.Discovery;
using RecoveryKit.Emulation;
using RecoveryKit.Firmware;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Bench;

/// <summary>/usr/bin/time -v of one CLI run.</summary>
internal sealed record TimedRun(string What, int ExitCode, double WallSeconds, double UserSeconds, double SystemSeconds, long PeakRssKib, string LastLine)
{
    public double CpuSeconds => UserSeconds + SystemSeconds;
}

internal sealed record HostResult(string Binary, TimedRun Flash, double FlashDeviceSeconds, IReadOnlyList<double> VersionRuns, TimedRun Scan, TimeSpan ScanVirtual, string ScanTimeouts)
{
    public string Markdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Host side, NativeAOT binary `{Binary}` (measured with /usr/bin/time -v):");
        sb.AppendLine();
        sb.AppendLine("| run | exit | wall s | CPU s (user+sys) | peak RSS MiB | target |");
        sb.AppendLine("|---|---|---|---|---|---|");
        sb.AppendLine($"| {Flash.What} | {Flash.ExitCode} | {Flash.WallSeconds:0.00} | {Flash.CpuSeconds:0.00} | {Flash.PeakRssKib / 1024.0:0.0} | CPU < 1 s beyond {FlashDeviceSeconds:0.0} s virtual device time (it never sleeps: all CPU is overhead): {(Flash.CpuSeconds < 1 ? "met" : "MISSED")}; RSS < 64 MiB: {(Flash.PeakRssKib < 64 * 1024 ? "met" : "MISSED")} |");
        sb.AppendLine($"| {Scan.What} | {Scan.ExitCode} | {Scan.WallSeconds:0.00} | {Scan.CpuSeconds:0.00} | {Scan.PeakRssKib / 1024.0:0.0} | virtual time of the scan {ScanVirtual.TotalSeconds:0.000} s; timeouts AtaTimeouts.Scan: {ScanTimeouts} |");
        var sorted = VersionRuns.Order().ToList();
        sb.AppendLine($"| `--version` × {VersionRuns.Count} | 0 | median {sorted[sorted.Count / 2] * 1000:0.0} ms, min {sorted[0] * 1000:0.0} ms, max {sorted[^1] * 1000:0.0} ms (Stopwatch around each process) | | | start-up |");
        return sb.ToString();
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject("host");
        w.WriteString("binary", Binary);
        Run(w, "flash", Flash);
        w.WriteNumber("flashDeviceSeconds", FlashDeviceSeconds);
        Run(w, "scan", Scan);
        w.WriteNumber("scanVirtualSeconds", ScanVirtual.TotalSeconds);
        w.WriteString("scanTimeouts", ScanTimeouts);
        w.WriteStartArray("versionWallSeconds");
        foreach (var v in VersionRuns)
            w.WriteNumberValue(v);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Run(Utf8JsonWriter w, string name, TimedRun r)
    {
        w.WriteStartObject(name);
        w.WriteString("command", r.What);
        w.WriteNumber("exitCode", r.ExitCode);
        w.WriteNumber("wallSeconds", r.WallSeconds);
        w.WriteNumber("userSeconds", r.UserSeconds);
        w.WriteNumber("systemSeconds", r.SystemSeconds);
        w.WriteNumber("peakRssKiB", r.PeakRssKib);
        w.WriteString("lastLine", r.LastLine);
        w.WriteEndObject();
    }
}

/// <summary>The in-process 2 MiB flash (no built-in 2 MiB scenario exists): CPU time, wall time and memory peaks of this process.</summary>
internal sealed record InProcessResult(string What, double DeviceSeconds, double WallSeconds, double CpuSeconds, long AllocatedBytes, long PeakWorkingSetBytes, long GcHeapAfterBytes, long PeakGcHeapBytes)
{
    /// <summary>/usr/bin/time -v of the whole child process (runtime start-up and JIT included).</summary>
    public TimedRun? Process { get; init; }

    /// <summary>The same child with the JIT's tiered PGO off: what its instrumented code adds to the RSS.</summary>
    public TimedRun? ProcessWithoutPgo { get; init; }

    public string Markdown() =>
        $"In-process 2 MiB flash ({What}; a fresh harness process doing only this, JIT, same library code as the CLI, backup written to a temp file and read back): " +
        $"{DeviceSeconds:0.0} s virtual device time; the flash itself {WallSeconds:0.00} s wall, {CpuSeconds:0.00} s CPU, {AllocatedBytes / 1048576.0:0.0} MiB allocated, " +
        $"peak GC heap {PeakGcHeapBytes / 1048576.0:0.0} MiB; whole process (/usr/bin/time -v, runtime start-up and JIT included) {Process?.WallSeconds:0.00} s wall, {Process?.CpuSeconds:0.00} s CPU, peak RSS {Process?.PeakRssKib / 1024.0:0.0} MiB " +
        $"(the same child with the JIT's tiered PGO off, which the shipped NativeAOT binary does not have either: peak RSS {ProcessWithoutPgo?.PeakRssKib / 1024.0:0.0} MiB, so the difference is the JIT's instrumented code, not the flash's data) " +
        $"(targets: CPU < 1 s beyond device time: {(CpuSeconds < 1 ? "met" : "MISSED")} for the flash, {((Process?.CpuSeconds ?? 99) < 1 ? "met" : "MISSED")} for the whole process; peak < 64 MiB: {((Process?.PeakRssKib ?? long.MaxValue) < 64 * 1024 ? "met" : "MISSED")}).";

    public string ToLine() => FormattableString.Invariant($"inproc2m\t{What}\t{DeviceSeconds}\t{WallSeconds}\t{CpuSeconds}\t{AllocatedBytes}\t{PeakWorkingSetBytes}\t{GcHeapAfterBytes}\t{PeakGcHeapBytes}");

    public static InProcessResult? FromLine(string line)
    {
        var f = line.Split('\t');
        if (f.Length != 9 || f[0] != "inproc2m")
            return null;
        var ci = CultureInfo.InvariantCulture;
        return new InProcessResult(f[1], double.Parse(f[2], ci), double.Parse(f[3], ci), double.Parse(f[4], ci), long.Parse(f[5], ci), long.Parse(f[6], ci), long.Parse(f[7], ci), long.Parse(f[8], ci));
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject("inProcess2MiB");
        w.WriteString("what", What);
        w.WriteNumber("deviceSeconds", DeviceSeconds);
        w.WriteNumber("wallSeconds", WallSeconds);
        w.WriteNumber("cpuSeconds", CpuSeconds);
        w.WriteNumber("allocatedBytes", AllocatedBytes);
        w.WriteNumber("peakWorkingSetBytes", PeakWorkingSetBytes);
        w.WriteNumber("peakGcHeapBytes", PeakGcHeapBytes);
        if (Process is { } p)
        {
            w.WriteNumber("processWallSeconds", p.WallSeconds);
            w.WriteNumber("processCpuSeconds", p.CpuSeconds);
            w.WriteNumber("processPeakRssKiB", p.PeakRssKib);
        }
        w.WriteEndObject();
    }
}

internal static class HostMeasure
{
    public static HostResult Run(string binary)
    {
        var dir = Directory.CreateTempSubdirectory("rk-bench-");
        try
        {
            var image = Path.Combine(dir.FullName, "fw.bin");
            var made = Time(binary, ["sim-image", "dead-ldw411s", "-o", image], "sim-image");
            if (made.ExitCode != 0)
                throw new InvalidOperationException($"sim-image failed: {made.LastLine}");
            // Warm the page cache once so the timed run measures the program, not the first disk read of the binary.
            Time(binary, ["--version"], "--version");
            var flash = Time(binary, ["flash", "--device", "sim:dead-ldw411s", image, "--yes", "--backup", Path.Combine(dir.FullName, "backup.bin"), "--log", Path.Combine(dir.FullName, "logs")],
                "flash --device sim:dead-ldw411s (1 MiB) --yes");
            var device = ParseDeviceSeconds(flash.LastLine);
            var versions = new List<double>();
            for (var i = 0; i < 20; i++)
            {
                var sw = Stopwatch.StartNew();
                var r = Time(binary, ["--version"], "--version", withTime: false);
                versions.Add(sw.Elapsed.TotalSeconds);
                if (r.ExitCode != 0)
                    throw new InvalidOperationException("--version failed");
            }
            var scan = Time(binary, ["scan", "--device", "sim:lite-on-secondary-slave", "--log", Path.Combine(dir.FullName, "logs")], "scan --device sim:lite-on-secondary-slave");
            var bench = SimScenarios.Find("lite-on-secondary-slave")!.Create();
            ChannelScanner.Scan(bench);
            var t = AtaTimeouts.Scan;
            var timeouts = $"not-busy {t.NotBusy.TotalSeconds:0.#} s, reset {t.Reset.TotalSeconds:0.#} s, command {t.Command.TotalSeconds:0.#} s, packet {t.Packet.TotalSeconds:0.#} s, response {t.Response.TotalMilliseconds:0.#} ms";
            return new HostResult(binary, flash, device, versions, scan, bench.Clock.Now, timeouts);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>"Done in 12.3 s of drive time." in the flash output.</summary>
    private static double ParseDeviceSeconds(string text)
    {
        var at = text.IndexOf("Done in ", StringComparison.Ordinal);
        if (at < 0)
            return double.NaN;
        var rest = text[(at + 8)..];
        var parts = rest.Split(' ');
        if (parts.Length < 2 || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            return double.NaN;
        return parts[1] switch
        {
            "ms" => value / 1000,
            "min" => value * 60,
            _ => value,
        };
    }

    /// <summary>Runs "inproc2m" in a fresh harness process under /usr/bin/time -v.</summary>
    public static InProcessResult InProcess2MChild() => InProcess2MChild(pgo: true) with { ProcessWithoutPgo = InProcess2MChild(pgo: false).Process };

    private static InProcessResult InProcess2MChild(bool pgo)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "RecoveryKit.Bench.dll");
        var psi = new ProcessStartInfo("/usr/bin/time") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["DOTNET_TieredPGO"] = pgo ? "1" : "0";
        foreach (var a in new[] { "-v", "dotnet", dll, "inproc2m" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        var stdout = stdoutTask.Result;
        p.WaitForExit();
        var result = stdout.Split('\n').Select(l => InProcessResult.FromLine(l.Trim())).FirstOrDefault(r => r is not null)
            ?? throw new InvalidOperationException($"inproc2m gave no result: {stdout} {stderr}");
        return result with { Process = ParseTime("dotnet RecoveryKit.Bench.dll inproc2m", stderr, p.ExitCode, stdout) };
    }

    public static TimedRun Time(string binary, string[] args, string what, bool withTime = true)
    {
        var psi = new ProcessStartInfo(withTime ? "/usr/bin/time" : binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (withTime)
        {
            psi.ArgumentList.Add("-v");
            psi.ArgumentList.Add(binary);
        }
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        var stdout = stdoutTask.Result;
        p.WaitForExit();
        return ParseTime(what, stderr, p.ExitCode, stdout, withTime);
    }

    private static TimedRun ParseTime(string what, string stderr, int exitCode, string stdout, bool withTime = true)
    {
        double wall = 0, user = 0, sys = 0;
        long rss = 0;
        foreach (var line in stderr.Split('\n'))
        {
            var l = line.Trim();
            if (l.StartsWith("User time (seconds):", StringComparison.Ordinal))
                user = double.Parse(l[(l.IndexOf(':') + 1)..], CultureInfo.InvariantCulture);
            else if (l.StartsWith("System time (seconds):", StringComparison.Ordinal))
                sys = double.Parse(l[(l.IndexOf(':') + 1)..], CultureInfo.InvariantCulture);
            else if (l.StartsWith("Maximum resident set size (kbytes):", StringComparison.Ordinal))
                rss = long.Parse(l[(l.IndexOf("):", StringComparison.Ordinal) + 2)..], CultureInfo.InvariantCulture);
            else if (l.StartsWith("Elapsed (wall clock) time", StringComparison.Ordinal))
                wall = ParseClock(l[(l.IndexOf("):", StringComparison.Ordinal) + 2)..].Trim());
        }
        var exit = exitCode;
        if (withTime && stderr.Contains("Command exited with non-zero status", StringComparison.Ordinal))
        {
            var m = stderr[(stderr.IndexOf("status", StringComparison.Ordinal) + 7)..].Split('\n')[0];
            _ = int.TryParse(m, CultureInfo.InvariantCulture, out exit);
        }
        var last = (stdout + "\n" + stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(s => s.StartsWith("Done in ", StringComparison.Ordinal) || s.StartsWith("error:", StringComparison.Ordinal))
            ?? stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        return new TimedRun(what, exit, wall, user, sys, rss, last.Trim());
    }

    private static double ParseClock(string text)
    {
        // h:mm:ss or m:ss.ss
        var parts = text.Split(':');
        double seconds = 0;
        foreach (var part in parts)
            seconds = (seconds * 60) + double.Parse(part, CultureInfo.InvariantCulture);
        return seconds;
    }

    /// <summary>
    /// A dead 2 MiB drive (SST39VF016, the MT1939 family's size): half-written flash → new revision, through the same
    /// library path as 'flash' (target, intro, ID, backup written and read back, plan, write, verify, outro).
    /// </summary>
    public static InProcessResult InProcess2M()
    {
        var chip = Perf.Chip("SST39VF016");
        var family = BenchCase.FamilyFor(chip.SizeBytes);
        var old = SyntheticImage.Corrupt(SyntheticImage.Build(family, chip.SizeBytes, "R100", 16), Corruption.HalfWritten, 16, family.BootBlock);
        var image = SyntheticImage.Build(family, chip.SizeBytes, "R101", 16);
        var c = new BenchCase("dead-2m", chip, family, old, image, false);
        GC.Collect();
        var dir = Directory.CreateTempSubdirectory("rk-bench-");
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var alloc0 = GC.GetTotalAllocatedBytes(precise: true);
        var wall = Stopwatch.StartNew();
        var rig = Rig.Create(chip, old);
        var (vendor, flash) = rig.Enter();
        var current = new byte[chip.SizeBytes];
        flash.ReadConfirmed(0, current); // as FlashSession does for the backup
        var path = BackupStore.Reserve(Path.Combine(dir.FullName, "backup.bin"), current.Length);
        BackupStore.Write(path, current);
        var plan = FlashPlan.Create(chip, current, image, c.BootBlock, false);
        new Flasher(flash).Execute(plan, current, image, null, CancellationToken.None);
        vendor.Exit();
        var elapsed = wall.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
        var alloc = GC.GetTotalAllocatedBytes(precise: true) - alloc0;
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        var peakHeap = info.HeapSizeBytes;
        for (var i = 0; i < info.GenerationInfo.Length; i++)
            peakHeap = Math.Max(peakHeap, info.GenerationInfo[i].SizeBeforeBytes);
        var ok = rig.Drive.Flash.Contents.SequenceEqual(image);
        dir.Delete(recursive: true);
        if (!ok)
            throw new InvalidOperationException("the 2 MiB in-process flash did not leave the image in the flash");
        return new InProcessResult($"SST39VF016 half-written → new revision, {plan.SectorsToWrite} sectors written", rig.Clock.Now.TotalSeconds, elapsed, cpu,
            alloc, process.PeakWorkingSet64, GC.GetTotalMemory(false), Math.Max(peakHeap, GC.GetTotalMemory(false)));
    }
}
