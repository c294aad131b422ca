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

/// <summary>
/// Issue 13 follow-up: a run stopped by a write failure leaves an SPI drive in vendor mode (no outro at the failure, as on
/// parallel drives); the next run must bring it out with the profile's outro steps (the dialect's outro opcode before
/// DEVICE RESET, PROTOCOL.md §6) and recover it, rather than fail to recognise the drive.
/// </summary>
public sealed class SpiRecoveryAfterFailureTests
{
    private const int SlimKeySector = 0x3E000; // PROTOCOL.md §5b: 4 KiB

    [Theory]
    [InlineData("dead-dg16d4s")]
    [InlineData("dead-dg16d5s")]
    [InlineData("dead-dg16d2s")]
    public void After_a_write_that_never_finished_the_next_run_leaves_vendor_mode_and_recovers_the_drive(string scenario)
    {
        using var rig = MtkRig.Scenario(scenario);
        var chip = Assert.IsType<RecoveryKit.Emulation.Spi.SpiChipModel>(rig.Drive.Memory);
        var before = rig.Drive.Memory.Contents.ToArray();
        var armed = false;
        var progress = new InlineProgress<RecoveryKit.MediaTek.FlashProgress>(p =>
        {
            if (p.Stage is "erase" or "program" && !armed)
            {
                armed = true;
                chip.SetTimeFactor(100_000, 100_000, 1); // every erase/program now runs far past the datasheet maximum
            }
        });

        var failure = rig.Fails(rig.Request(writeBootCode: true, progress: progress));
        Assert.True(armed);
        Assert.Contains(failure.Kind, new[] { FailureKind.WriteFailed, FailureKind.DeviceTimeout, FailureKind.VerifyFailed });
        Assert.Equal(MtkDriveMode.Vendor, rig.Drive.Mode); // the failed run left it in vendor mode

        // The part finishes its operation in the end; no power cycle: the drive is still in vendor mode.
        chip.SetTimeFactor(1, 1, 1);
        rig.Clock.Advance(TimeSpan.FromDays(30)); // past the slowest stretched operation (a 64 KiB erase: 800 ms x 100 000)
        var outcome = rig.Run(rig.Request(writeBootCode: true));

        Assert.True(outcome.Outro.CameBack);
        var after = rig.Drive.Memory.Contents.ToArray();
        var expected = rig.Image.ToArray();
        if (scenario != "dead-dg16d2s") // the slim drives keep their own key sector (the image carries another drive's)
            before.AsSpan(SlimKeySector, 0x1000).CopyTo(expected.AsSpan(SlimKeySector));
        Assert.Equal(expected, after);
    }
}

/// <summary>The outro counts a reset step only when the drive has left vendor mode; otherwise it falls back to the next step.</summary>
public sealed class OutroFallbackTests
{
    [Fact]
    public void A_drive_that_still_shows_its_vendor_status_after_DEVICE_RESET_gets_SRST()
    {
        using var rig = MtkRig.Scenario("dead-dg16d5s");
        rig.Drive.Variant = rig.Drive.Variant with { IgnoresOutro = true }; // DEVICE RESET leaves it in vendor mode (not busy)
        var target = RecoveryKit.MediaTek.FlashTarget.Acquire(rig.Host, rig.Device, rig.Profile, rig.Where);
        var vendor = new RecoveryKit.MediaTek.VendorMode(target);
        Assert.True(vendor.Enter().Entered);

        var outro = vendor.Exit();

        Assert.Equal(new[] { "vendor-BEh", "device-reset", "srst" }, outro.Steps);
        Assert.Equal("srst", outro.Method);
        Assert.NotEqual(MtkDriveMode.Vendor, rig.Drive.Mode);
    }
}
