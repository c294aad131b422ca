using RecoveryKit.Discovery;

namespace RecoveryKit.Tests.Discovery;

public class OpticalDriveDiscoveryTests
{
    [Fact]
    public void Only_mmc_devices_are_listed_with_their_inquiry_strings_and_nodes()
    {
        using var sysfs = SysfsFixture.Load("scsi-generic");
        var drives = OpticalDriveDiscovery.Scan(sysfs.Root);

        Assert.Equal(
            [
                new OpticalDrive("/dev/sg1", "/dev/sr0", "1:0:0:0", "LITE-ON", "DVDRW SOHW-832S", "VS0C"),
                new OpticalDrive("/dev/sg10", null, "6:0:0:0", "BENQ", "DVD DD DW1640", "BSRB"),
            ],
            drives);
        Assert.Equal("/dev/sg1 (/dev/sr0) LITE-ON DVDRW SOHW-832S VS0C", drives[0].ToString());
    }

    [Fact]
    public void A_machine_without_the_sg_driver_has_no_drives()
    {
        using var sysfs = SysfsFixture.Load("piix-legacy");
        Assert.Empty(OpticalDriveDiscovery.Scan(sysfs.Root));
    }
}
