using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Tests.MediaTek;

public class SecondDeviceOnCableTests
{
    private static (SimBench Bench, VirtualMtkDrive Drive, MtkDriveSetup Setup) DeadDriveWithHealthySlave()
    {
        var setup = MtkScenarios.Setups["dead-ldw411s"].Setup;
        var clock = new VirtualClock();
        var drive = setup.Create(clock);
        var slave = SimScenarios.HealthyLiteOn();
        var bench = new SimBench("cable", clock,
            new VirtualChannel(clock, ChannelAddress.Primary),
            new VirtualChannel(clock, ChannelAddress.Secondary, drive, slave));
        return (bench, drive, setup);
    }

    private static FlashRequest Request(MtkDriveSetup setup, string backup) => new()
    {
        Image = setup.RecoveryImage(),
        ImageName = "fw.bin",
        Profile = setup.DriveProfile,
        Family = setup.Family,
        BackupPath = backup,
        // The healthy Lite-On on the cable is a MediaTek brand: these tests are about the wire, so the shared cable is accepted (issue 17).
        Neighbour = new RecoveryKit.Discovery.SharedChannelGuard(true, _ => true),
    };

    [Fact]
    public void Slave_driving_the_bus_on_master_select_ends_in_a_typed_failure_and_never_a_silent_write()
    {
        var (bench, drive, setup) = DeadDriveWithHealthySlave();
        bench.Secondary.SlaveAnswersMasterSelect = true;
        var before = drive.Flash.Contents.ToArray();
        var backup = Path.Combine(Path.GetTempPath(), $"rk-cable-{Guid.NewGuid():N}.bin");
        try
        {
            var ex = Assert.Throws<RecoveryKitException>(() => FlashSession.Run(new AtaHost(bench.Secondary), DeviceSelect.Master, "position 3", Request(setup, backup)));

            Assert.NotEqual(FailureKind.Internal, ex.Failure.Kind);
            Assert.False(string.IsNullOrWhiteSpace(ex.Failure.Advice));
            // Whatever stage stopped it, the boot block is as it was: the drive still answers the intro.
            Assert.True(drive.Flash.Contents[..0x10000].SequenceEqual(before.AsSpan(0, 0x10000)));
        }
        finally
        {
            File.Delete(backup);
        }
    }

    [Fact]
    public void The_same_bench_without_the_fault_recovers_the_drive_behind_which_a_healthy_slave_sits()
    {
        var (bench, _, setup) = DeadDriveWithHealthySlave();
        var backup = Path.Combine(Path.GetTempPath(), $"rk-cable-{Guid.NewGuid():N}.bin");
        try
        {
            var outcome = FlashSession.Run(new AtaHost(bench.Secondary), DeviceSelect.Master, "position 3", Request(setup, backup));

            Assert.True(outcome.Outro.CameBack);
            Assert.Equal("FS0J", outcome.Outro.Inquiry!.Revision);
        }
        finally
        {
            File.Delete(backup);
        }
    }
}
