using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Firmware;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Tests.MediaTek;

/// <summary>
/// Power cut at every 1/50th of the write (counted in register operations): the interrupted run fails typed,
/// and the next run after the power cycle always brings the drive back, never touching the boot block.
/// </summary>
public sealed class PowerLossTests
{
    private static readonly MtkDriveSetup Setup = new("LTR-52327S", "SST39SF040", "QS0A", "QS0C", Corruption.HalfWritten, 52327);

    /// <summary>Register operations at the first and the last sector of a clean run (deterministic, so any run repeats it).</summary>
    private static readonly Lazy<(long First, long Last)> WriteSpan = new(() =>
    {
        using var rig = MtkRig.Create(Setup);
        var observer = new RecordingObserver();
        rig.Channel.Observer = observer;
        long first = -1, last = -1;
        var progress = new InlineProgress<FlashProgress>(p =>
        {
            if (first < 0 && p.Stage is "erase" or "program")
                first = observer.Operations;
            if (p.Stage == "done" && p.SectorsDone == p.SectorsTotal)
                last = observer.Operations;
        });
        rig.Run(rig.Request(progress: progress));
        return (first, last);
    });

    public static TheoryData<int> Fiftieths() => new(Enumerable.Range(0, 50));

    [Theory]
    [MemberData(nameof(Fiftieths))]
    public void A_power_cut_during_the_write_fails_typed_and_the_next_run_recovers(int fiftieth)
    {
        var (first, last) = WriteSpan.Value;
        Assert.True(first > 0 && last > first);
        using var rig = MtkRig.Create(Setup);
        var boot = rig.Flash.Contents[..0x10000].ToArray();
        var observer = new RecordingObserver
        {
            TriggerAt = first + ((last - first) * fiftieth / 50) + 1,
        };
        observer.Trigger = () => rig.Bench.TryPowerCycle(rig.Position);
        rig.Channel.Observer = observer;

        var failure = rig.Fails();

        Assert.Equal(1, rig.Bench.PowerCycles);
        Assert.True(Enum.IsDefined(failure.Kind));
        Assert.NotEqual(FailureKind.Internal, failure.Kind);
        Assert.False(string.IsNullOrWhiteSpace(failure.Advice));
        Assert.True(rig.Flash.Contents[..0x10000].SequenceEqual(boot));

        rig.Channel.Observer = null;
        var outcome = rig.Run();

        Assert.False(outcome.Plan.RewritesBootBlock);
        Assert.True(rig.Flash.Contents.SequenceEqual(rig.Image));
        Assert.True(rig.Flash.Contents[..0x10000].SequenceEqual(boot));
        Assert.True(outcome.Outro.CameBack, outcome.Outro.State);
        Assert.Equal("QS0C", outcome.Outro.Inquiry!.Revision);
    }
}
