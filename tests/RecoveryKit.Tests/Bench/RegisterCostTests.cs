using RecoveryKit.MediaTek;
using RecoveryKit.Tests.Emulation.Faults;

namespace RecoveryKit.Tests.Bench;

/// <summary>
/// The issue-8 optimisations, pinned by counting (never timing): the realistic 512 KiB update of scripts/bench.sh
/// programs no FFh, sends exactly four mailbox writes per programmed byte and six per erased sector, and polls
/// each byte program with about one mailbox read. Speed targets themselves live in scripts/bench.sh only.
/// </summary>
public sealed class RegisterCostTests
{
    [Fact]
    public void A_differential_update_sends_no_write_cycle_beyond_the_plan()
    {
        using var rig = new FaultRig();

        var outcome = rig.Flash();

        Assert.Equal(rig.New, rig.Drive.Flash.Contents.ToArray());
        Assert.Equal(0, rig.Drive.Flash.NeedlessFFPrograms);
        const int identification = 9; // ID exit, ID entry, ID exit: three commands of three cycles
        Assert.Equal(identification + (4 * outcome.Plan.BytesToProgram) + (6L * outcome.Plan.SectorsToErase), rig.Drive.MailboxWrites);
    }

    [Fact]
    public void Completion_polling_costs_about_one_mailbox_read_per_programmed_byte()
    {
        using var rig = new FaultRig();

        var outcome = rig.Flash();

        var size = rig.Chip.SizeBytes;
        var written = outcome.Plan.Sectors.Where(s => s.Action != SectorAction.Keep).Sum(s => (long)s.Sector.Size);
        var unlockSectorRechecks = 4L * 2 * 4096; // at most two unlock sectors in each of the (at most four) banks written
        // The backup reads the chip once, and a second time only the sectors that differ from the image (issue 11).
        var confirmed = outcome.Plan.Sectors.Where(s => s.Action != SectorAction.Keep || s.BootBlockLeftAlone).Sum(s => (long)s.Sector.Size);
        var polls = rig.Drive.MailboxReads - 3 /* chip ID */ - size - confirmed /* backup */ - written /* verify */ - size /* whole-flash read-back */;
        Assert.InRange(polls, outcome.Plan.BytesToProgram, outcome.Plan.BytesToProgram + unlockSectorRechecks + (100L * outcome.Plan.SectorsToErase));
    }
}
