using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Tests.MediaTek;

public sealed class VendorModeTests
{
    [Theory]
    [InlineData(0x70, VendorStatusMeaning.ParallelFlash)]
    [InlineData(0x72, VendorStatusMeaning.SpiAccessible)]
    [InlineData(0x52, VendorStatusMeaning.SpiLocked)]
    [InlineData(0x73, VendorStatusMeaning.BenqSerialFlash)]
    [InlineData(0x50, VendorStatusMeaning.Invalid)]
    [InlineData(0xD0, VendorStatusMeaning.Invalid)]
    [InlineData(0x51, VendorStatusMeaning.Resend)]
    [InlineData(0x80, VendorStatusMeaning.NoVendorMode)]
    [InlineData(0x7F, VendorStatusMeaning.Dead)]
    [InlineData(0xFF, VendorStatusMeaning.Absent)]
    [InlineData(0x41, VendorStatusMeaning.Unexpected)]
    public void Each_intro_status_maps_to_its_meaning_with_advice(int status, VendorStatusMeaning meaning)
    {
        Assert.Equal(meaning, IntroResult.Classify((byte)status));
        var advice = IntroResult.AdviceFor(meaning, (byte)status, 0x70);
        Assert.False(string.IsNullOrWhiteSpace(advice));
    }

    [Fact]
    public void Status_80_advice_says_to_power_cycle()
    {
        Assert.Contains("power-cycle", IntroResult.AdviceFor(VendorStatusMeaning.NoVendorMode, 0x80, 0x70), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Serial_flash_statuses_say_nothing_was_changed_and_70_says_vendor_mode()
    {
        Assert.Contains("nothing was changed", IntroResult.AdviceFor(VendorStatusMeaning.SpiLocked, 0x52, 0x70));
        Assert.Contains("vendor mode", IntroResult.AdviceFor(VendorStatusMeaning.ParallelFlash, 0x70, 0x70));
    }

    private static (SimBench Bench, VirtualMtkDrive Drive, AtaHost Host, VendorMode Vendor) PowerCycleScenario()
    {
        var scenario = SimScenarios.Find("power-cycle-ldw411s")!;
        var bench = scenario.Create();
        var drive = (VirtualMtkDrive)bench.DeviceAt(DevicePosition.SecondaryMaster)!;
        var host = new AtaHost(bench.Secondary);
        var target = FlashTarget.Acquire(host, DeviceSelect.Master, drive.Profile, "secondary master");
        return (bench, drive, host, new VendorMode(target));
    }

    [Fact]
    public void Enter_power_cycles_through_the_callback_and_succeeds_after_one_cycle()
    {
        var (bench, drive, _, vendor) = PowerCycleScenario();
        var calls = new List<(byte Status, int Attempt)>();

        var result = vendor.Enter((last, attempt) =>
        {
            calls.Add((last.Status, attempt));
            return bench.TryPowerCycle(DevicePosition.SecondaryMaster);
        });

        Assert.True(result.Entered);
        Assert.Equal((byte)0x70, result.Status);
        Assert.Equal(VendorStatusMeaning.ParallelFlash, result.Meaning);
        Assert.Equal([((byte)0x80, 1)], calls);
        Assert.Equal(1, bench.PowerCycles);
        Assert.Equal(MtkDriveMode.Vendor, drive.Mode);
    }

    [Fact]
    public void Enter_without_a_power_cycle_callback_fails_with_status_80_should_be_70()
    {
        var (_, drive, _, vendor) = PowerCycleScenario();

        var failure = Assert.Throws<RecoveryKitException>(() => vendor.Enter()).Failure;

        Assert.Equal(FailureKind.NotInVendorMode, failure.Kind);
        Assert.Equal("vendor-intro", failure.Stage);
        Assert.Contains("Status = 80 should be 70", failure.Cause);
        Assert.Equal((byte)0x80, failure.Status);
        Assert.Contains("power-cycle", failure.Advice, StringComparison.OrdinalIgnoreCase);
        Assert.NotEqual(MtkDriveMode.Vendor, drive.Mode);
    }

    [Fact]
    public void Enter_gives_up_when_the_callback_does()
    {
        var (_, _, _, vendor) = PowerCycleScenario();
        var asked = 0;

        var failure = Assert.Throws<RecoveryKitException>(() => vendor.Enter((_, _) => ++asked < 0)).Failure;

        Assert.Equal(FailureKind.NotInVendorMode, failure.Kind);
        Assert.Equal(1, asked);
    }

    [Fact]
    public void Outro_brings_the_drive_back_answering_INQUIRY_with_the_new_revision()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        Assert.Null(rig.Inquiry());

        var outcome = rig.Run();

        Assert.Equal("device-reset", outcome.Outro.Method);
        Assert.True(outcome.Outro.Signature.IsAtapi);
        Assert.Equal("FS0J", outcome.Outro.Inquiry!.Revision);
        Assert.Equal(MtkDriveMode.Firmware, rig.Drive.Mode);
        Assert.Equal("FS0J", rig.Inquiry()!.Revision);
    }

    [Fact]
    public void Outro_of_a_drive_whose_flash_is_still_invalid_reports_boot_code_only()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        var (vendor, _) = rig.EnterVendorMode();

        var outro = vendor.Exit();

        Assert.False(outro.CameBack);
        Assert.True(outro.Signature.IsAtapi);
        Assert.Contains("boot code", outro.State);
        Assert.Equal(MtkDriveMode.BootCode, rig.Drive.Mode);
    }
}
