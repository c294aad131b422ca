using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Firmware;
using RecoveryKit.MediaTek;
using RecoveryKit.Profiles;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.MediaTek;

/// <summary>Passes every access through to <paramref name="inner"/>; a fault overrides the register accesses it changes.</summary>
internal abstract class WireBetween(IAtaRegisters inner) : IAtaRegisters
{
    protected IAtaRegisters Inner => inner;

    public ChannelAddress Address => inner.Address;

    public IClock Clock => inner.Clock;

    public virtual byte Read(TaskFileRegister register) => inner.Read(register);

    public virtual void Write(TaskFileRegister register, byte value) => inner.Write(register, value);

    public byte ReadAlternateStatus() => inner.ReadAlternateStatus();

    public void WriteDeviceControl(byte value) => inner.WriteDeviceControl(value);

    public ushort ReadData() => inner.ReadData();

    public void WriteData(ushort value) => inner.WriteData(value);

    public void ReadData(Span<ushort> words) => inner.ReadData(words);

    public void WriteData(ReadOnlySpan<ushort> words) => inner.WriteData(words);
}

/// <summary>
/// A drive whose bank bits are not wired to the flash: the device register latches and echoes what is written (so
/// the mailbox's read-back sees its bank), but the flash is always addressed in bank 0 — the first way reality may
/// differ from rule R1 (PROTOCOL.md §4). Built as a wire fault, independent of the emulator's own rules.
/// </summary>
internal sealed class UnwiredBankBits(IAtaRegisters inner) : WireBetween(inner)
{
    private byte _latched = 0xA0;

    public override byte Read(TaskFileRegister register) => register == TaskFileRegister.Device ? _latched : Inner.Read(register);

    public override void Write(TaskFileRegister register, byte value)
    {
        if (register == TaskFileRegister.Device)
        {
            _latched = value;
            value &= 0xF0; // the head bits never reach the flash's address lines
        }
        Inner.Write(register, value);
    }
}

/// <summary>A 2 MiB drive whose A20 line (features bit 0, rule R1b) is not wired: the upper half reads as the lower.</summary>
internal sealed class UnwiredA20(IAtaRegisters inner) : WireBetween(inner)
{
    public override void Write(TaskFileRegister register, byte value) =>
        Inner.Write(register, register == TaskFileRegister.ErrorFeatures ? (byte)(value & 0xFE) : value);
}

/// <summary>Issue 11: the flasher stays safe when the drive differs from our reconstruction.</summary>
public sealed class RealityDiffersTests
{
    [Fact]
    public void A_drive_that_ignores_the_bank_bits_is_refused_after_the_backup_with_nothing_erased()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        var before = rig.Flash.Contents.ToArray();
        var host = new AtaHost(new UnwiredBankBits(rig.Channel));
        var request = rig.Request();

        var failure = Assert.Throws<RecoveryKitException>(() => FlashSession.Run(host, rig.Device, rig.Where, request)).Failure;

        Assert.Equal(FailureKind.AddressingUnproven, failure.Kind);
        Assert.Contains("bank 1", failure.Cause);
        Assert.Contains("bankRegister", failure.Cause);
        Assert.Equal(0, rig.Flash.SectorErases);
        Assert.True(rig.Flash.Contents.SequenceEqual(before));
        // The backup is kept: it is what a developer needs to see what the drive returned.
        Assert.Equal(before.Length, new FileInfo(request.BackupPath).Length);
    }

    [Fact]
    public void A_2_MiB_drive_that_ignores_A20_is_refused_before_the_first_erase()
    {
        var profile = ProfileCatalog.FindDrive("LDW-411S")! with { Name = "MT1939-test", Family = "MT1939" };
        var family = ImageFamilies.Find("MT1939")!;
        using var rig = MtkRig.Custom(profile, family, ProfileCatalog.FindChip("SST39VF016")!, "OLD1", "NEW2", 1939);
        var before = rig.Flash.Contents.ToArray();
        var host = new AtaHost(new UnwiredA20(rig.Channel));

        var failure = Assert.Throws<RecoveryKitException>(() => FlashSession.Run(host, rig.Device, rig.Where, rig.Request())).Failure;

        Assert.Equal(FailureKind.AddressingUnproven, failure.Kind);
        Assert.Contains("A20", failure.Cause);
        Assert.Equal(0, rig.Flash.SectorErases);
        Assert.True(rig.Flash.Contents.SequenceEqual(before));
    }

    [Fact]
    public void Addressing_check_refuses_a_bank_that_mirrors_bank_0_and_accepts_distinct_banks()
    {
        var profile = ProfileCatalog.FindDrive("LDW-411S")!;
        var flash = new byte[0x40000];
        new Random(1).NextBytes(flash);
        Assert.Equal(AddressingVerdict.Proven, AddressingCheck.Check(flash, profile).Verdict);

        flash.AsSpan(0, 0x10000).CopyTo(flash.AsSpan(0x30000));
        var failure = Assert.Throws<RecoveryKitException>(() => AddressingCheck.Check(flash, profile)).Failure;
        Assert.Equal(FailureKind.AddressingUnproven, failure.Kind);
        Assert.Contains("bank 3", failure.Cause);
    }

    [Fact]
    public void Addressing_check_is_inconclusive_not_refused_when_bank_0_is_blank()
    {
        var flash = new byte[0x20000];
        flash.AsSpan().Fill(0xFF);

        var result = AddressingCheck.Check(flash, ProfileCatalog.FindDrive("LDW-411S")!);

        Assert.Equal(AddressingVerdict.Inconclusive, result.Verdict);
    }

    [Fact]
    public void Addressing_check_refuses_an_upper_half_that_mirrors_the_lower_half_of_a_2_MiB_part()
    {
        var flash = new byte[0x200000];
        new Random(2).NextBytes(flash.AsSpan(0, 0x100000));
        flash.AsSpan(0, 0x100000).CopyTo(flash.AsSpan(0x100000));

        var failure = Assert.Throws<RecoveryKitException>(() => AddressingCheck.Check(flash, ProfileCatalog.FindDrive("LDW-411S")!)).Failure;

        Assert.Contains("A20", failure.Cause);
    }

    [Fact]
    public void The_mailbox_writes_bank_0_before_its_first_cycle_instead_of_assuming_it()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        var (vendor, _) = rig.EnterVendorMode();
        // An earlier session left bank 5 in the device register.
        rig.Channel.Write(TaskFileRegister.Device, (byte)(rig.Device.RegisterValue() | 5));
        var recording = new RecordingRegisters(rig.Channel);
        var mailbox = new Mailbox(recording, rig.Device, rig.Profile);

        var id = FlashChip.ReadId(mailbox);

        var firstAddressCycle = recording.Log.FindIndex(a => a is { Kind: AccessKind.Write, Register: TaskFileRegister.SectorCount, Value: 0x15 });
        var bankWrite = recording.Log.FindIndex(a => a is { Kind: AccessKind.Write, Register: TaskFileRegister.Device } && a.Value == rig.Device.RegisterValue());
        Assert.InRange(bankWrite, 0, firstAddressCycle);
        Assert.Equal(0xBF, id.Manufacturer);
        vendor.Exit();
    }

    [Fact]
    public void The_boot_block_is_written_only_after_every_other_sector_is_written_and_read_back()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        // An image with a new boot block and new main firmware: both passes have work.
        var image = rig.Image.ToArray();
        image[0x100] ^= 0xFF;
        rig.Family.Validity.Fix(image);
        var sectors = rig.Flash.Spec.Sectors;
        var boot = new FlashRange((uint)rig.Family.BootBlock.Start, (uint)rig.Family.BootBlock.Length);
        bool InBoot(int index) => boot.Overlaps(sectors[index].Start, (uint)sectors[index].Size);
        var plan = FlashPlan.Create(rig.Flash.Spec, rig.Flash.Contents, image, boot, writeBootCode: true);
        var otherWork = plan.Sectors.Count(s => s.Action != SectorAction.Keep && !InBoot(s.Sector.Index));
        // A kept sector outside the boot block and away from the unlock addresses, changed behind the writer's back
        // once the last other sector is written: only a whole-flash read-back finds it.
        var victim = plan.Sectors.First(s => s.Action == SectorAction.Keep && !InBoot(s.Sector.Index) && (s.Sector.Index % 16) is not (2 or 5 or 10 or 13)).Sector;
        var events = new List<FlashProgress>();
        var corrupted = false;
        var progress = new Callback<FlashProgress>(p =>
        {
            events.Add(p);
            if (!corrupted && p.Stage == "done" && !InBoot(p.Sector) && events.Count(e => e.Stage == "done" && !InBoot(e.Sector)) == otherWork)
            {
                rig.Flash.Corrupt(victim.Start + 7, 0x01);
                corrupted = true;
            }
        });

        var outcome = FlashSession.Run(rig.Host, rig.Device, rig.Where, rig.Request(image, writeBootCode: true, progress: progress));

        Assert.True(corrupted);
        Assert.True(outcome.Plan.RewritesBootBlock);
        Assert.True(rig.Flash.Contents.SequenceEqual(image));
        var firstBoot = events.FindIndex(p => p.Stage is "erase" or "program" && InBoot(p.Sector));
        var lastOther = events.FindLastIndex(p => p.Stage is "erase" or "program" && !InBoot(p.Sector));
        var repaired = events.FindIndex(p => p.Stage is "erase" or "program" && p.Sector == victim.Index);
        Assert.True(firstBoot > lastOther, $"a boot sector was written (event {firstBoot}) before the last other sector (event {lastOther})");
        Assert.True(repaired >= 0 && repaired < firstBoot, $"the read-back's repair of sector {victim.Index} (event {repaired}) came after the boot block was written (event {firstBoot})");
    }

    [Fact]
    public void A_failure_before_the_boot_pass_leaves_the_boot_block_as_it_was()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        var image = rig.Image.ToArray();
        image[0x100] ^= 0xFF;
        rig.Family.Validity.Fix(image);
        var bootBefore = rig.Flash.Contents[..rig.Family.BootBlock.Length].ToArray();
        // A sector outside the boot block that never erases: the first pass fails.
        var victim = rig.Flash.Spec.Sectors.First(s => s.Start >= 0x10000 && !rig.Flash.Contents.Slice((int)s.Start, s.Size).SequenceEqual(image.AsSpan((int)s.Start, s.Size)));
        rig.Flash.StuckEraseSectors.Add(victim.Index);

        var failure = rig.Fails(rig.Request(image, writeBootCode: true));

        Assert.NotEqual(FailureKind.Internal, failure.Kind);
        Assert.True(rig.Flash.Contents[..bootBefore.Length].SequenceEqual(bootBefore));
        Assert.NotNull(failure.SectorStates);
        Assert.Equal(SectorState.Unknown, failure.SectorStates![victim.Index]);
    }

    [Fact]
    public void A_reconstructed_checksum_rule_refuses_until_its_flag_is_given_then_warns()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        var image = rig.Image.ToArray();
        image[^1] ^= 0x01; // the stored sum no longer matches
        Assert.Equal(EvidenceGrade.Reconstructed, rig.Family.Validity.Evidence.Grade);

        var refused = rig.Fails(rig.Request(image));
        Assert.Equal(FailureKind.ImageRejected, refused.Kind);
        Assert.Contains("--ignore-checksum", refused.Advice);
        Assert.Equal(0, rig.Flash.SectorErases);

        var warnings = new List<StageEvent>();
        var request = rig.Request(image);
        var overridden = new FlashRequest
        {
            Image = request.Image, ImageName = request.ImageName, Profile = request.Profile, Family = request.Family, BackupPath = request.BackupPath,
            PowerCycle = request.PowerCycle, IgnoreChecksum = true, Stages = new Collect<StageEvent>(warnings),
        };
        var outcome = FlashSession.Run(rig.Host, rig.Device, rig.Where, overridden);
        Assert.Contains(outcome.Gates!, g => g is { Rule: "checksum", Verdict: GateVerdict.Overridden });
        Assert.Contains(warnings, w => w.Stage == "warning" && w.Message.Contains("--ignore-checksum", StringComparison.Ordinal));
        Assert.True(rig.Flash.Contents.SequenceEqual(image));
    }

    [Theory]
    [InlineData(EvidenceGrade.Verified, GateVerdict.Refused)]
    [InlineData(EvidenceGrade.Datasheet, GateVerdict.Refused)]
    [InlineData(EvidenceGrade.Reconstructed, GateVerdict.Overridden)]
    [InlineData(EvidenceGrade.Forum, GateVerdict.Overridden)]
    public void Only_verified_and_datasheet_rules_refuse_past_their_flag(EvidenceGrade grade, GateVerdict expected)
    {
        var result = EvidenceGate.Check("checksum", new Evidence(grade, "test"), holds: false, "the sum differs", "--ignore-checksum", overridden: true);

        Assert.Equal(expected, result.Verdict);
        Assert.Equal(GateVerdict.Passed, EvidenceGate.Check("checksum", new Evidence(grade, "test"), holds: true, "", "--ignore-checksum", false).Verdict);
        Assert.Equal(grade is EvidenceGrade.Verified or EvidenceGrade.Datasheet ? GateVerdict.Refused : GateVerdict.NeedsOverride,
            EvidenceGate.Check("checksum", new Evidence(grade, "test"), holds: false, "x", "--ignore-checksum", overridden: false).Verdict);
    }

    [Fact]
    public void The_backup_reads_the_chip_once_and_only_the_planned_sectors_twice()
    {
        using var rig = MtkRig.Scenario("update-ldw411s");

        var outcome = rig.Run();

        var planned = outcome.Plan.Sectors.Where(s => s.Action != SectorAction.Keep).Sum(s => (long)s.Sector.Size);
        var reads = rig.Drive.MailboxReads;
        var size = rig.Flash.Spec.SizeBytes;
        // One whole read for the backup, a second read of the planned sectors, the writer's verify of each planned sector,
        // about one poll per programmed byte, the unlock-sector rechecks (two 4 KiB sectors per bank at most), one whole
        // read-back. A second full read of the chip for the backup would add another `size` and exceed the upper bound.
        var rechecks = 2L * (size / 0x10000) * 4096;
        Assert.InRange(reads, (2L * size) + (2 * planned) + outcome.Plan.BytesToProgram, (2L * size) + (2 * planned) + outcome.Plan.BytesToProgram + rechecks + 4096);
    }
}

internal sealed class Collect<T>(List<T> into) : IProgress<T>
{
    public void Report(T value) => into.Add(value);
}

internal sealed class Callback<T>(Action<T> action) : IProgress<T>
{
    public void Report(T value) => action(value);
}
