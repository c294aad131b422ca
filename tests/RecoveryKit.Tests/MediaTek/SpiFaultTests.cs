using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;

namespace RecoveryKit.Tests.MediaTek;

/// <summary>
/// Faults of the campaign on an SPI drive (the spiemu drive side applies MtkFaultPlan to its buffer mailbox): a run
/// stopped by a fault fails with a typed failure within bounded time (the recovery run is not covered here).
/// </summary>
public sealed class SpiFaultTests
{
    [Theory]
    [InlineData(200)]
    [InlineData(5000)]
    public void A_controller_that_hangs_mid_flash_fails_typed_and_never_hangs_the_host(int commits)
    {
        using var rig = MtkRig.Scenario("dead-dg16d5s", new MtkFaultPlan { StuckBusyAfterCommits = commits });
        var request = rig.Request(writeBootCode: true);

        var failure = rig.Fails(request);

        Assert.Contains(failure.Kind, new[] { FailureKind.NotInVendorMode, FailureKind.DeviceTimeout, FailureKind.WriteFailed, FailureKind.VerifyFailed });
    }
}
