using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Emulation.Faults;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Tests.Emulation.Faults;

/// <summary>Bad outcomes of the issue-8 fault campaign (scripts/faults.sh, seeds 1000..1199) with bit flips on read, replayed with their seeds.</summary>
public sealed class ReadBitFlipRegressionTests
{
    [Theory]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(1002)]
    public void A_bit_flipped_on_read_never_reaches_the_backup_file(int seed)
    {
        // Found: ~4 flips per run over 679,000 mailbox reads; most land in the backup read, and the backup — the
        // technician's only copy of the old firmware — was saved with them while the run reported success.
        using var rig = new FaultRig(new MtkFaultPlan { Seed = seed, FlipReadProbability = 4.0 / 678_687 });

        var outcome = rig.Flash();

        Assert.Equal(rig.Old, File.ReadAllBytes(outcome.BackupPath));
        Assert.Equal(rig.New, rig.Drive.Flash.Contents.ToArray());
    }
}
