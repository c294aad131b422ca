using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Tests.MediaTek;

/// <summary>Item 10: seeded faults. Every run either recovers or fails typed; a second run after a power cycle recovers.</summary>
public sealed class FaultTests
{
    [Fact]
    public void A_dropped_program_write_is_caught_by_verify_and_the_retry_recovers()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        var armed = false;
        var progress = new InlineProgress<FlashProgress>(p =>
        {
            if (p.Stage == "program" && !armed)
            {
                armed = true;
                rig.Drive.Faults.DropWriteNumber = rig.Drive.MailboxWrites + 4; // the data cycle of the first byte program
            }
        });

        var outcome = rig.Run(rig.Request(progress: progress));

        Assert.True(armed);
        Assert.True(rig.Drive.MailboxWrites >= rig.Drive.Faults.DropWriteNumber);
        Assert.True(outcome.Report.Retries >= 1);
        Assert.True(rig.Flash.Contents.SequenceEqual(rig.Image));
        Assert.Equal("FS0J", outcome.Outro.Inquiry!.Revision);
    }

    [Fact]
    public void A_sector_that_never_finishes_erasing_fails_WriteFailed_naming_it_with_the_sector_report()
    {
        using var rig = MtkRig.Scenario("update-ldw411s");
        var plan = FlashPlan.Create(rig.Flash.Spec, rig.Flash.Contents, rig.Image, new(0, 0x10000), writeBootCode: false);
        var erased = plan.Sectors.Where(s => s.Action == SectorAction.EraseAndProgram).Select(s => s.Sector.Index).ToList();
        var stuck = erased[2];
        rig.Flash.StuckEraseSectors.Add(stuck);

        var failure = rig.Fails();

        Assert.Equal(FailureKind.WriteFailed, failure.Kind);
        Assert.Contains($"sector {stuck} ", failure.Cause);
        Assert.Contains($"{stuck * 0x1000:X6}h", failure.Cause);
        Assert.NotNull(failure.Detail);
        Assert.Contains($"unknown: {stuck}", failure.Detail);
        Assert.Contains($"new: {erased[0]}", failure.Detail);
        Assert.Contains("--flash-chip", failure.Advice);
    }

    [Fact]
    public void A_controller_stuck_busy_fails_typed_and_the_next_run_after_a_power_cycle_recovers()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        var armed = false;
        var progress = new InlineProgress<FlashProgress>(p =>
        {
            if (p.Stage == "program" && !armed)
            {
                armed = true;
                rig.Drive.Faults.StuckBusyAfterCommits = rig.Drive.MailboxWrites + 5000;
            }
        });

        var failure = rig.Fails(rig.Request(progress: progress));

        Assert.Contains(failure.Kind, new[] { FailureKind.WriteFailed, FailureKind.NotInVendorMode, FailureKind.DeviceTimeout });
        Assert.Equal((byte)0x80, failure.Status);
        Assert.Contains("Power-cycle", failure.Advice);

        rig.Bench.TryPowerCycle(rig.Position);
        var outcome = rig.Run();

        Assert.True(rig.Flash.Contents.SequenceEqual(rig.Image));
        Assert.Equal("FS0J", outcome.Outro.Inquiry!.Revision);
    }
}
