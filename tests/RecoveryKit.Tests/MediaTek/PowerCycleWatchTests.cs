using RecoveryKit.Ata;
using RecoveryKit.Emulation;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Tests.MediaTek;

public class PowerCycleWatchTests
{
    [Fact]
    public void Watcher_sees_the_drive_go_off_and_come_back_and_then_the_intro_is_honoured()
    {
        using var bench = MtkScenarios.Build("power-cycle-ldw411s", new MtkFaultPlan { IntroIgnoredUntilPowerCycles = 1 });
        var channel = bench.Secondary;
        var drive = (VirtualMtkDrive)channel[DeviceSelect.Master]!;
        var host = new AtaHost(channel);
        var setup = MtkScenarios.Setups["power-cycle-ldw411s"].Setup;
        var target = FlashTarget.Acquire(host, DeviceSelect.Master, setup.DriveProfile, "position 3");
        var first = new VendorMode(target).SendIntro(0x2A);
        Assert.Equal(VendorStatusMeaning.NoVendorMode, first.Meaning);

        var seen = new List<PowerPhase>();
        var polls = 0;
        var back = PowerCycleWatch.Watch(host, DeviceSelect.Master, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200), (status, phase) =>
        {
            seen.Add(phase);
            polls++;
        }, default);

        // The technician's hands, on the virtual clock: unplug after a second, plug back two seconds later.
        Assert.False(back); // nobody touched the drive: the watcher gives up at its timeout
        Assert.DoesNotContain(PowerPhase.Back, seen);

        seen.Clear();
        var unplugged = false;
        var watchStart = bench.Clock.Now;
        var backNow = PowerCycleWatch.Watch(host, DeviceSelect.Master, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200), (status, phase) =>
        {
            seen.Add(phase);
            if (!unplugged)
            {
                unplugged = true;
                channel.Attach(DeviceSelect.Master, null); // power plug out: the bus floats
            }
        }, default);
        Assert.False(backNow); // unplugged and never plugged back
        Assert.Contains(PowerPhase.Off, seen);

        seen.Clear();
        var replugged = false;
        var backAgain = PowerCycleWatch.Watch(host, DeviceSelect.Master, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200), (status, phase) =>
        {
            seen.Add(phase);
            if (phase == PowerPhase.Off && !replugged)
            {
                replugged = true;
                channel.Attach(DeviceSelect.Master, drive); // power back: the drive resets and posts its signature
            }
        }, default);

        Assert.True(backAgain);
        Assert.Equal(PowerPhase.Back, seen[^1]);
        Assert.True(bench.Clock.Now - watchStart < TimeSpan.FromSeconds(130));
        Assert.True(new VendorMode(target).SendIntro(0x2A).Entered);
    }
}
