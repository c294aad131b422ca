using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.MediaTek;
using RecoveryKit.Profiles;
using RecoveryKit.Tests.TestSupport;

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

    /// <summary>A rig whose host records every register access; the target is acquired with <paramref name="profile"/>.</summary>
    private static (MtkRig Rig, RecordingRegisters Regs, VendorMode Vendor) Recorded(string scenario, DriveProfile? profile = null)
    {
        var rig = MtkRig.Scenario(scenario);
        var regs = new RecordingRegisters(rig.Channel);
        var target = FlashTarget.Acquire(new AtaHost(regs), rig.Device, profile ?? rig.Profile, rig.Where);
        return (rig, regs, new VendorMode(target));
    }

    /// <summary>Every (LBA low, command) pair the host wrote: the last LBA low before each command write.</summary>
    private static List<VendorTrigger> CommandsWithKey(IEnumerable<TestSupport.RegisterAccess> log)
    {
        byte key = 0;
        var pairs = new List<VendorTrigger>();
        foreach (var a in log)
        {
            if (a is { Kind: AccessKind.Write, Register: TaskFileRegister.LbaLow })
                key = (byte)a.Value;
            else if (a is { Kind: AccessKind.Write, Register: TaskFileRegister.StatusCommand })
                pairs.Add(new VendorTrigger(key, (byte)a.Value));
        }
        return pairs;
    }

    private static byte[] Commands(IEnumerable<TestSupport.RegisterAccess> log) =>
        log.Where(a => a is { Kind: AccessKind.Write, Register: TaskFileRegister.StatusCommand }).Select(a => (byte)a.Value).ToArray();

    [Fact]
    public void The_intro_writes_the_dialects_own_opcode_after_its_key_not_a_fixed_80h()
    {
        var slim = Assert.Single(ProfileCatalog.Dialects, d => d.Name == "slim");
        var profile = ProfileCatalog.FindDrive("LDW-411S")! with { Intro = new Graded<IReadOnlyList<IntroDialect>>([slim], "V-dec", "test") };
        var (rig, regs, vendor) = Recorded("dead-ldw411s", profile);
        using var _ = rig;
        var before = regs.Log.Count;

        Assert.Throws<RecoveryKitException>(() => vendor.Enter());

        var sent = CommandsWithKey(regs.Log.Skip(before));
        Assert.Contains(new VendorTrigger(0xD9, 0x89), sent);
        Assert.DoesNotContain(sent, p => p.Opcode == AtaCommand.MediaTekVendor);
    }

    [Theory]
    [InlineData("LDW-411S")]
    [InlineData("DG-16D2S")]
    public void An_erase_trigger_is_refused_before_a_single_register_write_whichever_profile_is_in_use(string profileName)
    {
        var (rig, regs, vendor) = Recorded("dead-ldw411s", ProfileCatalog.FindDrive(profileName));
        using var _ = rig;
        var before = regs.Log.Count;

        var failure = Assert.Throws<RecoveryKitException>(() => vendor.SendIntro(new VendorTrigger(0x2E, 0x80))).Failure;

        Assert.Contains("erase trigger", failure.Cause);
        Assert.Equal(before, regs.Log.Count);
        Assert.Equal(0, rig.Drive.IntrosReceived);
        // The byte-key overload takes the profile's opcode (80h for both): 2Eh is refused there too.
        Assert.Throws<RecoveryKitException>(() => vendor.SendIntro(0x2E));
        Assert.Equal(before, regs.Log.Count);
    }

    [Fact]
    public void Entering_with_the_DG_16D2S_profile_sends_2Ah_80h_and_never_2Bh_2Dh_or_2Eh()
    {
        var (rig, regs, vendor) = Recorded("dead-ldw411s", ProfileCatalog.FindDrive("DG-16D2S"));
        using var _ = rig;
        var before = regs.Log.Count;

        // The virtual drive here is an LDW-411S: it answers 70h, not the DG-16D2S's 72h, so the intro is refused.
        Assert.Throws<RecoveryKitException>(() => vendor.Enter((_, n) => n <= 2 && rig.Bench.TryPowerCycle(rig.Position)));

        var sent = CommandsWithKey(regs.Log.Skip(before));
        Assert.Contains(new VendorTrigger(0x2A, 0x80), sent);
        Assert.DoesNotContain(sent, p => p.Opcode == 0x80 && p.Key is 0x2B or 0x2D or 0x2E);
    }

    [Fact]
    public void The_outro_sends_81h_then_DEVICE_RESET_to_a_drive_in_vendor_mode_and_no_SRST_when_that_works()
    {
        var (rig, regs, vendor) = Recorded("update-ldw411s");
        using var _ = rig;
        vendor.Enter();
        var before = regs.Log.Count;

        var outro = vendor.Exit();

        var log = regs.Log.Skip(before).ToList();
        var commands = Commands(log);
        Assert.Equal([0x81, AtaCommand.DeviceReset], commands.Take(2));
        Assert.DoesNotContain(log, a => a.Kind == AccessKind.WriteDeviceControl && (a.Value & DeviceControl.SoftReset) != 0);
        Assert.Equal(["vendor-81h", "device-reset"], outro.Steps);
        Assert.Equal("device-reset", outro.Method);
        Assert.True(outro.CameBack);
    }

    [Fact]
    public void A_drive_already_out_of_vendor_mode_gets_no_vendor_opcode_from_the_outro()
    {
        // 'reset' on a drive that runs its main firmware: only the reset reaches it.
        var (rig, regs, vendor) = Recorded("update-ldw411s");
        using var _ = rig;
        Assert.Equal(MtkDriveMode.Firmware, rig.Drive.Mode);
        var before = regs.Log.Count;

        var outro = vendor.Exit();

        var commands = Commands(regs.Log.Skip(before));
        Assert.DoesNotContain((byte)0x81, commands);
        Assert.Equal(AtaCommand.DeviceReset, commands[0]);
        Assert.Equal(["device-reset"], outro.Steps);
    }

    [Fact]
    public void The_outro_follows_the_profiles_steps_an_srst_only_outro_sends_no_DEVICE_RESET()
    {
        var profile = ProfileCatalog.FindDrive("LDW-411S")! with
        {
            Outro = new Graded<IReadOnlyList<OutroStep>>([new OutroStep(OutroStepKind.SoftReset)], "R", "test"),
        };
        var (rig, regs, vendor) = Recorded("update-ldw411s", profile);
        using var _ = rig;
        vendor.Enter();
        var before = regs.Log.Count;

        var outro = vendor.Exit();

        var log = regs.Log.Skip(before).ToList();
        Assert.DoesNotContain(AtaCommand.DeviceReset, Commands(log));
        Assert.DoesNotContain((byte)0x81, Commands(log));
        Assert.Contains(log, a => a.Kind == AccessKind.WriteDeviceControl && (a.Value & DeviceControl.SoftReset) != 0);
        Assert.Equal("srst", outro.Method);
        Assert.Equal(["srst"], outro.Steps);
    }

    [Fact]
    public void A_drive_that_answers_another_profiles_vendor_status_is_reset_not_left_in_vendor_mode()
    {
        // The DG-16D2S profile waits for 72h; the virtual LDW-411S enters vendor mode with 70h.
        var (rig, regs, vendor) = Recorded("dead-ldw411s", ProfileCatalog.FindDrive("DG-16D2S"));
        using var _ = rig;
        var before = regs.Log.Count;

        var failure = Assert.Throws<RecoveryKitException>(() => vendor.Enter()).Failure;

        Assert.Equal(FailureKind.NotInVendorMode, failure.Kind);
        Assert.Contains("Status = 70 should be 72", failure.Cause);
        Assert.NotEqual(MtkDriveMode.Vendor, rig.Drive.Mode);
        var commands = Commands(regs.Log.Skip(before));
        Assert.Contains(AtaCommand.DeviceReset, commands);
        Assert.DoesNotContain((byte)0x81, commands); // the dialect's outro opcode is not for a drive that did not answer it
    }
}
