using System.CommandLine;
using RecoveryKit.Discovery;

namespace RecoveryKit.Cli;

/// <summary>Options every command accepts (declared once on the root, recursive).</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Device { get; } = new("--device")
    {
        Description = "Backend: sim:SCENARIO (a built-in virtual bench), ports (every raw IDE channel, root), port:BASE (one channel), or auto (default: raw ports).",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print results as JSON.",
        Recursive = true,
    };

    public Option<string?> Log { get; } = new("--log")
    {
        Description = "Session log file (default: a new file in ./recoverykit-logs/ or the recovery stick's data folder).",
        Recursive = true,
    };

    public Option<string?> Transcript { get; } = new("--transcript")
    {
        Description = "Record every register access to FILE (a new file), folded: repeats counted, one line per run of flash reads or programs (docs/transcript.md); 'replay FILE' runs it again.",
        Recursive = true,
    };

    public Option<bool> TranscriptRaw { get; } = new("--transcript-raw")
    {
        Description = "Write the --transcript one register access per line, unfolded (docs/transcript.md).",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Add register and status detail to errors.",
        Recursive = true,
    };

    public Option<bool> Yes { get; } = new("--yes", "-y")
    {
        Description = "Answer yes to confirmations (for scripts; the safe default is taken at every choice).",
        Recursive = true,
    };

    public Option<bool> ForceKernelOwned { get; } = new("--force-kernel-owned")
    {
        Description = "Use raw ports on a channel a kernel driver owns (only when you know it is idle: racing the driver corrupts both).",
        Recursive = true,
    };

    public Option<string?> Variant { get; } = new("--variant")
    {
        Description = "With --device sim:SCENARIO: make the virtual MediaTek drives differ from the profiles as FILE.json says (README: 'Practise first').",
        Recursive = true,
    };

    public Option<string?> SimDump { get; } = new("--sim-dump")
    {
        Description = "With --device sim:SCENARIO: at the end, write each virtual MediaTek drive's flash to DIR/POSITION.bin (DIR must be empty or new).",
        Recursive = true,
    };

    public Option<string?> SimLoad { get; } = new("--sim-load")
    {
        Description = "With --device sim:SCENARIO: start each virtual MediaTek drive from DIR/POSITION.bin, the flash an earlier run's --sim-dump wrote (to go on from where that run left the drive).",
        Recursive = true,
    };

    /// <summary>
    /// How this run opens benches, resolved once from --force-kernel-owned, --variant and --sim-dump before the
    /// command runs (each run builds its own GlobalOptions, so a run inside another keeps its own).
    /// </summary>
    public ChannelOptions Bench { get; set; } = ChannelOptions.Default;

    /// <summary>This run's transcript format, command line and file warnings (set with <see cref="Bench"/>; passed on, never global).</summary>
    public SessionFiles Files { get; set; } = SessionFiles.None;

    public Option<bool> SharedChannel { get; } = new("--shared-channel")
    {
        Description = "Enter vendor mode even though another MediaTek-brand drive (or a device that cannot say what it is) shares the cable: asks you to type that drive's model (--yes never does). Two such drives were bad-flashed together in the field.",
        Recursive = true,
    };

    public Option<bool> TryLocked { get; } = new("--try-locked")
    {
        Description = "A Lite-On SPI drive that answers 52h ('flash locked', forum evidence only): go on in vendor mode instead of refusing. The flash is read before anything is erased and the run stops there if it reads blank; the chip's block protection is cleared before writing.",
        Recursive = true,
    };

    public void AddTo(RootCommand root)
    {
        root.Add(SharedChannel);
        root.Add(TryLocked);
        root.Add(Variant);
        root.Add(SimDump);
        root.Add(SimLoad);
        root.Add(ForceKernelOwned);
        root.Add(Device);
        root.Add(Json);
        root.Add(Log);
        root.Add(Transcript);
        root.Add(TranscriptRaw);
        root.Add(Verbose);
        root.Add(Yes);
    }
}
