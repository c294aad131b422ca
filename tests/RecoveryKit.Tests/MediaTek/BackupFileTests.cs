using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Tests.MediaTek;

public class BackupFileTests
{
    [Fact]
    public void A_run_that_stops_before_the_backup_is_written_leaves_no_empty_backup_file()
    {
        using var bench = MtkScenarios.Build("power-cycle-ldw411s", new MtkFaultPlan { IntroIgnoredUntilPowerCycles = 1 });
        var setup = MtkScenarios.Setups["power-cycle-ldw411s"].Setup;
        var path = Path.Combine(Path.GetTempPath(), $"rk-nobackup-{Guid.NewGuid():N}.bin");

        var ex = Assert.Throws<RecoveryKitException>(() => FlashSession.Run(new AtaHost(bench.Secondary), DeviceSelect.Master, "position 3", new FlashRequest
        {
            Image = setup.RecoveryImage(),
            ImageName = "fw.bin",
            Profile = setup.DriveProfile,
            Family = setup.Family,
            BackupPath = path,
            PowerCycle = null, // nobody can power-cycle: the intro is never answered
        }));

        var leftBehind = File.Exists(path);
        File.Delete(path);
        Assert.Equal(FailureKind.NotInVendorMode, ex.Failure.Kind);
        Assert.False(leftBehind);
    }
}
