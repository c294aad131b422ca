using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Firmware;
using RecoveryKit.MediaTek;
using RecoveryKit.Profiles;

namespace RecoveryKit.Tests.MediaTek;

public sealed class CableNoiseTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Cable_noise_either_recovers_or_fails_typed_never_silently_corrupts(int seed)
    {
        using var rig = MtkRig.Create(new MtkDriveSetup("LTR-52327S", "SST39SF040", "QS0A", "QS0C", Corruption.HalfWritten, 52327));
        var noise = new NoisyCable(seed, 2e-6);
        rig.Channel.WireFault = noise;

        FlashOutcome? outcome = null;
        try
        {
            outcome = rig.Run();
        }
        catch (RecoveryKitException ex)
        {
            Assert.NotEqual(FailureKind.Internal, ex.Failure.Kind);
        }

        Assert.True(noise.Flips > 0);
        if (outcome is not null)
            Assert.True(rig.Flash.Contents.SequenceEqual(rig.Image), $"Run returned, but the flash differs at {rig.Flash.Contents.CommonPrefixLength(rig.Image):X6}h ({noise.Flips} flips)");
    }
}

/// <summary>
/// The bank travels in the device register, written only when it changes: one glitch on that write sends a whole
/// bank's erases and programs elsewhere, and the per-sector verify reads back through the same wrong bank.
/// A drive that echoes the device register lets the mailbox catch the glitch at once (see the last test); these
/// model a drive that does not, where only the whole-flash read-back after writing can find the damage.
/// </summary>
public sealed class BankGlitchTests
{
    private static MtkRig Rig(bool echoes = false)
    {
        var rig = MtkRig.Create(new MtkDriveSetup("LTR-52327S", "SST39SF040", "QS0A", "QS0C", Corruption.HalfWritten, 52327));
        rig.Drive.EchoesDeviceRegister = echoes;
        return rig;
    }

    /// <summary>Arms the glitch for the first bank change after the sectors of bank 1 were started.</summary>
    private static InlineProgress<FlashProgress> ArmInBank1(FlipNthWrite glitch) =>
        new(p =>
        {
            if (p.Stage == "program" && p.Bank == 1)
                glitch.Arm(1);
        });

    [Fact]
    public void A_bank_select_glitch_into_another_main_bank_is_found_by_the_whole_flash_read_back_and_repaired()
    {
        using var rig = Rig();
        var glitch = new FlipNthWrite(RecoveryKit.Ata.TaskFileRegister.Device, 0x01); // A2 → A3: bank 2's work lands in bank 3
        rig.Channel.WireFault = glitch;

        var outcome = rig.Run(rig.Request(progress: ArmInBank1(glitch)));

        Assert.True(glitch.Flipped);
        Assert.True(rig.Flash.Contents.SequenceEqual(rig.Image));
        Assert.True(outcome.Report.Retries >= 1);
        Assert.Equal("QS0C", outcome.Outro.Inquiry!.Revision);
    }

    [Fact]
    public void A_bank_select_glitch_into_the_boot_block_is_a_typed_failure_and_write_bootcode_restores_it()
    {
        using var rig = Rig();
        var glitch = new FlipNthWrite(RecoveryKit.Ata.TaskFileRegister.Device, 0x02); // A2 → A0: bank 2's work lands on the boot code
        rig.Channel.WireFault = glitch;

        var failure = rig.Fails(rig.Request(progress: ArmInBank1(glitch)));

        Assert.True(glitch.Flipped);
        Assert.Equal(FailureKind.VerifyFailed, failure.Kind);
        Assert.Contains("boot block", failure.Cause);
        Assert.Contains("--write-bootcode", failure.Advice);
        Assert.Contains("unknown: 0", failure.Detail);

        rig.Channel.WireFault = null;
        var outcome = rig.Run(rig.Request(writeBootCode: true));

        Assert.True(outcome.Plan.RewritesBootBlock);
        Assert.True(rig.Flash.Contents.SequenceEqual(rig.Image));
        Assert.Equal("QS0C", outcome.Outro.Inquiry!.Revision);
    }

    [Fact]
    public void On_a_drive_that_echoes_the_device_register_a_bank_select_glitch_is_rewritten_before_any_cycle_goes_astray()
    {
        using var rig = Rig(echoes: true);
        var before = rig.Flash.Contents[..0x10000].ToArray();
        var glitch = new FlipNthWrite(RecoveryKit.Ata.TaskFileRegister.Device, 0x02); // A2 → A0 would hit the boot code
        rig.Channel.WireFault = glitch;

        var outcome = rig.Run(rig.Request(progress: ArmInBank1(glitch)));

        Assert.True(glitch.Flipped);
        Assert.True(rig.Flash.Contents.SequenceEqual(rig.Image));
        Assert.True(rig.Flash.Contents[..0x10000].SequenceEqual(before));
        Assert.Equal(0, outcome.Report.Retries);
        Assert.Equal("QS0C", outcome.Outro.Inquiry!.Revision);
    }
}

public sealed class StatusGlitchTests
{
    [Fact]
    public void One_glitched_status_read_in_the_middle_of_the_write_does_not_abort_the_flash()
    {
        using var rig = MtkRig.Create(new MtkDriveSetup("LTR-52327S", "SST39SF040", "QS0A", "QS0C", Corruption.HalfWritten, 52327));
        var glitch = new FlipNthRead(RecoveryKit.Ata.TaskFileRegister.StatusCommand, 0x04); // 70h read as 74h once
        rig.Channel.WireFault = glitch;
        var armed = false;
        var progress = new InlineProgress<FlashProgress>(p =>
        {
            if (p.Stage == "program" && !armed)
            {
                armed = true;
                glitch.Arm(50);
            }
        });

        var outcome = rig.Run(rig.Request(progress: progress));

        Assert.True(glitch.Flipped);
        Assert.True(rig.Flash.Contents.SequenceEqual(rig.Image));
        Assert.Equal("QS0C", outcome.Outro.Inquiry!.Revision);
    }

    [Fact]
    public void A_drive_that_really_left_vendor_mode_is_still_reported_at_once()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        var (_, mailbox) = rig.EnterVendorMode();
        rig.Bench.TryPowerCycle(rig.Position);
        var start = rig.Clock.Now;

        var failure = Assert.Throws<RecoveryKitException>(() => mailbox.Write(0x5555, 0xAA)).Failure;

        Assert.Equal(FailureKind.NotInVendorMode, failure.Kind);
        Assert.Equal(0, rig.Drive.MailboxWrites);
        Assert.True(rig.Clock.Now - start < rig.Profile.MailboxTimeout.Value);
    }
}

public sealed class LargeFlashTests
{
    public static TheoryData<string> TwoMiBChips() => new("SST39VF016", "Am29F016D");

    [Theory]
    [MemberData(nameof(TwoMiBChips))]
    public void A_dead_2_MiB_MT1939_drive_is_recovered_through_A20(string chipName)
    {
        var profile = ProfileCatalog.FindDrive("LDW-411S")! with { Name = "MT1939-test", Family = "MT1939" };
        Assert.True(profile.Banking.Value.FeaturesBit0ForA20);
        var family = ImageFamilies.Find("MT1939")!;
        var chip = ProfileCatalog.FindChip(chipName)!;
        using var rig = MtkRig.Custom(profile, family, chip, "OLD1", "NEW2", 1939);
        Assert.Equal(MtkDriveMode.BootCode, rig.Drive.Mode);
        Assert.NotEqual(rig.Image.AsSpan(0x100000, 0x100000).ToArray(), rig.Image.AsSpan(0, 0x100000).ToArray());

        var outcome = rig.Run();

        Assert.Equal(chipName, outcome.Chip.Name);
        Assert.True(rig.Flash.Contents.SequenceEqual(rig.Image));
        Assert.Equal("NEW2", outcome.Outro.Inquiry!.Revision);
        Assert.Equal(0, rig.Drive.MailboxProtocolErrors);
        Assert.Equal(0, rig.Flash.NeedlessFFPrograms);
        Assert.Contains(outcome.Plan.Sectors, s => s.Sector.Start >= 0x100000 && s.Action != SectorAction.Keep);
    }

    [Fact]
    public void A_profile_without_A20_refuses_a_2_MiB_part_before_writing()
    {
        var profile = ProfileCatalog.FindDrive("LDW-411S")! with
        {
            Name = "MT1939-noA20",
            Family = "MT1939",
            Banking = new Graded<BankAddressing>(new BankAddressing(true, false), "R", "test"),
        };
        var family = ImageFamilies.Find("MT1939")!;
        using var rig = MtkRig.Custom(profile, family, ProfileCatalog.FindChip("SST39VF016")!, "OLD1", "NEW2", 1939);
        var before = rig.Flash.Contents.ToArray();

        var failure = rig.Fails();

        Assert.Equal(FailureKind.ChipUnknown, failure.Kind);
        Assert.Contains("A20", failure.Cause);
        Assert.True(rig.Flash.Contents.SequenceEqual(before));
    }
}
