using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Emulation.Faults;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Tests.Emulation.Faults;

/// <summary>Bad outcomes of the issue-8 fault campaign (scripts/faults.sh, seeds 1000..1199) with a dropped mailbox commit, replayed with their seeds.</summary>
public sealed class DroppedWriteRegressionTests
{
    [Theory]
    [InlineData(1056, 103539)]
    [InlineData(1061, 103359)]
    [InlineData(1064, 128777)]
    [InlineData(1099, 123861)]
    public void A_dropped_program_data_cycle_does_not_leave_aah_programmed_at_the_unlock_address_of_a_verified_sector(int seed, long dropped)
    {
        // Found: the part, still waiting for program data, took the next command's first cycle (AAh to x5555h) as
        // data. On SST parts x5555h is in sector 5 or 13 of the bank — not the sector being written, so its verify
        // did not see it and the run ended "done" with sector 21 holding A0h instead of A5h at 15555h.
        using var rig = new FaultRig(new MtkFaultPlan { Seed = seed, DropWriteNumber = dropped });

        var outcome = rig.Flash();

        Assert.Equal(rig.New, rig.Drive.Flash.Contents.ToArray());
        Assert.True(outcome.Report.Retries >= 1, "the dropped cycle should have cost a rewrite");
    }
}
