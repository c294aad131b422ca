using RecoveryKit.Emulation;
using RecoveryKit.Emulation.Faults;
using RecoveryKit.Emulation.Spi;

namespace RecoveryKit.Tests.Emulation.Faults;

/// <summary>The campaign's aimed power cut: it sees each program and erase the part starts once, and cuts inside the chosen one.</summary>
public sealed class PowerLossDuringTests
{
    [Fact]
    public void Counting_sees_every_page_program_the_part_completes_in_a_clean_run()
    {
        using var rig = new ScenarioFaultRig("blank-vad6038");
        var count = new PowerLossDuring(rig.Channel, rig.Drive.Memory, FlashOperation.Program, 0);
        rig.Channel.Observer = count;

        rig.Flash();

        var part = (SpiChipModel)rig.Drive.Memory;
        Assert.True(part.PagePrograms > 0);
        Assert.Equal(part.PagePrograms, count.Seen);
        Assert.False(count.Fired);
    }

    [Fact]
    public void The_cut_falls_inside_the_chosen_program_which_never_completes()
    {
        using var rig = new ScenarioFaultRig("blank-vad6038");
        var cut = new PowerLossDuring(rig.Channel, rig.Drive.Memory, FlashOperation.Program, 100);
        rig.Channel.Observer = cut;

        Assert.Throws<RecoveryKit.Diagnostics.RecoveryKitException>(() => rig.Flash());

        var part = (SpiChipModel)rig.Drive.Memory;
        Assert.True(cut.Fired);
        Assert.Equal(99, part.PagePrograms); // programs 1..99 finished; the 100th was cut
        Assert.Equal(FlashOperation.None, part.Busy);
    }
}
