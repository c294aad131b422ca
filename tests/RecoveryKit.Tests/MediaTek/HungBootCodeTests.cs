using RecoveryKit.Ata;
using RecoveryKit.Discovery;
using RecoveryKit.Emulation;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Tests.MediaTek;

public class HungBootCodeTests
{
    [Fact]
    public void Boot_code_hung_by_a_scan_is_reset_with_device_reset_and_then_recovered()
    {
        using var bench = MtkScenarios.Build("dead-ldw411s", null);
        var drive = (VirtualMtkDrive)bench.DeviceAt(DevicePosition.SecondaryMaster)!;
        drive.BootCode = BootCodeBehaviour.Hangs;
        var disk = (VirtualHardDisk)bench.DeviceAt(DevicePosition.PrimaryMaster)!;

        // A scan leaves the boot code busy after IDENTIFY PACKET DEVICE.
        var scan = ChannelScanner.Scan(bench).Single(r => r.Position == DevicePosition.SecondaryMaster);
        Assert.Equal(DeviceClass.Atapi, scan.Probe.Class);
        Assert.Contains("hangs", scan.Probe.State, StringComparison.Ordinal);

        var setup = MtkScenarios.Setups["dead-ldw411s"].Setup;
        var host = new AtaHost(bench.Secondary);
        var path = Path.Combine(Path.GetTempPath(), $"rk-hung-{Guid.NewGuid():N}.bin");
        try
        {
            var outcome = FlashSession.Run(host, DeviceSelect.Master, "position 3", new FlashRequest
            {
                Image = setup.RecoveryImage(),
                ImageName = "fw.bin",
                Profile = setup.DriveProfile,
                Family = setup.Family,
                BackupPath = path,
            });

            Assert.True(outcome.Outro.CameBack);
            Assert.Equal("FS0J", outcome.Outro.Inquiry!.Revision);
            Assert.Contains(AtaCommand.DeviceReset, drive.CommandsReceived);
            Assert.DoesNotContain(AtaCommand.MediaTekVendor, disk.CommandsReceived);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
