using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.MediaTek;
using RecoveryKit.Tests.MediaTek;

namespace RecoveryKit.Tests.Emulation.Mtk;

/// <summary>Variant files (issue 11 point 8): parsing, and what each key does to a virtual drive on the wire.</summary>
public sealed class DriveVariantTests
{
    // PROTOCOL.md §4, read one byte at A: SC ← 15; LBAH ← A[15:8]; LBAM ← A[7:0]; SC ← 20; SC ← 08; read LBAL.
    private static byte MailboxRead(IAtaRegisters regs, byte device, uint address)
    {
        regs.Write(TaskFileRegister.Device, (byte)(device | ((address >> 16) & 0x0F)));
        regs.Write(TaskFileRegister.SectorCount, 0x15);
        regs.Write(TaskFileRegister.LbaHigh, (byte)(address >> 8));
        regs.Write(TaskFileRegister.LbaMid, (byte)address);
        regs.Read(TaskFileRegister.StatusCommand);
        regs.Write(TaskFileRegister.SectorCount, 0x20);
        regs.Write(TaskFileRegister.SectorCount, 0x08);
        return regs.Read(TaskFileRegister.LbaLow);
    }

    // PROTOCOL.md §3: DEV ← A0/B0, read status, LBAL ← key, CMD ← 80h.
    private static void Intro(MtkRig rig, byte key)
    {
        var regs = rig.Host.Registers;
        regs.Write(TaskFileRegister.Device, rig.Device.RegisterValue());
        regs.Read(TaskFileRegister.StatusCommand);
        regs.Write(TaskFileRegister.LbaLow, key);
        regs.Write(TaskFileRegister.StatusCommand, 0x80);
    }

    private static MtkRig Rig(string scenario, string variantJson)
    {
        var rig = MtkRig.Scenario(scenario);
        DriveVariant.Parse(variantJson, "test.json").ApplyTo(rig.Drive);
        return rig;
    }

    [Fact]
    public void Every_documented_key_is_read()
    {
        var v = DriveVariant.Parse("""
            { "ignoresBankBits": true, "ignoresA20": true, "busyAfterResetMs": 3000, "identifyDeviceAbortMs": 50,
              "chipTimeFactor": [1.5, 2.5], "seed": 9, "framing": "command-register", "introStatus": "0x72",
              "echoesDevice": false, "bankRegister": "features", "ignoresOutro": true, "introDelayMs": 40,
              "introKeys": ["2B", "0x2D"], "eraseTrigger": "2Eh", "note": "all of them" }
            """, "all.json");

        Assert.True(v.IgnoresBankBits);
        Assert.True(v.IgnoresA20);
        Assert.Equal(TimeSpan.FromSeconds(3), v.BusyAfterReset);
        Assert.Equal(TimeSpan.FromMilliseconds(50), v.IdentifyDeviceAbort);
        Assert.False(v.IdentifyDeviceNeverAborts);
        Assert.Equal((1.5, 2.5), v.ChipTimeFactor);
        Assert.Equal(9, v.Seed);
        Assert.Equal(MailboxFraming.CommandRegister, v.Framing);
        Assert.Equal((byte)0x72, v.IntroStatus);
        Assert.False(v.EchoesDevice);
        Assert.Equal(VariantBankRegister.Features, v.BankRegister);
        Assert.True(v.IgnoresOutro);
        Assert.Equal(TimeSpan.FromMilliseconds(40), v.IntroDelay);
        Assert.Equal(new byte[] { 0x2B, 0x2D }, v.IntroKeys);
        Assert.Equal((byte)0x2E, v.EraseTrigger);
    }

    [Fact]
    public void An_empty_object_is_the_faithful_drive()
    {
        var v = DriveVariant.Parse("{}", "empty.json");

        Assert.Equal(DriveVariant.Faithful with { Name = "empty.json" }, v);
    }

    [Fact]
    public void Identify_device_abort_of_minus_one_means_never()
    {
        var v = DriveVariant.Parse("""{ "identifyDeviceAbortMs": -1 }""", "x.json");

        Assert.True(v.IdentifyDeviceNeverAborts);
        Assert.Null(v.IdentifyDeviceAbort);
    }

    [Theory]
    [InlineData("""{ "ignoresBankBit": true }""", "ignoresBankBit")]
    [InlineData("""{ "IgnoresBankBits": true }""", "IgnoresBankBits")]
    [InlineData("""{ "framing": "jungleflasher" }""", "framing 'jungleflasher'")]
    [InlineData("""{ "bankRegister": "lba-low" }""", "bankRegister 'lba-low'")]
    [InlineData("""{ "introStatus": "7G" }""", "introStatus '7G'")]
    [InlineData("""{ "introStatus": "172" }""", "introStatus '172'")]
    [InlineData("""{ "chipTimeFactor": [2.0] }""", "chipTimeFactor")]
    [InlineData("""{ "chipTimeFactor": [2.0, 1.0] }""", "chipTimeFactor")]
    [InlineData("""{ "identifyDeviceAbortMs": -2 }""", "identifyDeviceAbortMs")]
    [InlineData("""{ "busyAfterResetMs": "soon" }""", "not a valid variant")]
    [InlineData("""[1, 2]""", "not a valid variant")]
    [InlineData("""null""", "not a JSON object")]
    public void A_bad_variant_is_a_usage_error_naming_what_is_wrong(string json, string named)
    {
        var failure = Assert.Throws<RecoveryKitException>(() => DriveVariant.Parse(json, "bad.json")).Failure;

        Assert.Equal(FailureKind.Usage, failure.Kind);
        Assert.Contains(named, failure.Cause, StringComparison.Ordinal);
        Assert.Contains("bad.json", failure.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_variant_file_is_a_file_error()
    {
        var failure = Assert.Throws<RecoveryKitException>(() => DriveVariant.Load("/nonexistent/variant.json")).Failure;

        Assert.Equal(FailureKind.FileError, failure.Kind);
    }

    [Fact]
    public void The_faithful_drive_reads_bank_1_from_bank_1()
    {
        using var rig = MtkRig.Scenario("update-ldw411s");
        Intro(rig, 0x2A);
        var expected = rig.Flash.Contents[0x10123];
        Assert.NotEqual(rig.Flash.Contents[0x00123], expected); // the seeded image differs there, so the test can tell

        Assert.Equal(expected, MailboxRead(rig.Host.Registers, rig.Device.RegisterValue(), 0x10123));
    }

    [Fact]
    public void A_drive_that_ignores_bank_bits_reads_bank_0_when_bank_1_is_asked()
    {
        using var rig = Rig("update-ldw411s", """{ "ignoresBankBits": true }""");
        Intro(rig, 0x2A);

        Assert.Equal(rig.Flash.Contents[0x00123], MailboxRead(rig.Host.Registers, rig.Device.RegisterValue(), 0x10123));
    }

    [Fact]
    public void A_drive_with_bank_bits_in_features_ignores_the_head_bits_and_follows_features()
    {
        using var rig = Rig("update-ldw411s", """{ "bankRegister": "features" }""");
        Intro(rig, 0x2A);
        var regs = rig.Host.Registers;

        Assert.Equal(rig.Flash.Contents[0x00123], MailboxRead(regs, rig.Device.RegisterValue(), 0x10123));
        regs.Write(TaskFileRegister.ErrorFeatures, 0x01);
        Assert.Equal(rig.Flash.Contents[0x10123], MailboxRead(regs, rig.Device.RegisterValue(), 0x00123));
    }

    [Fact]
    public void A_drive_that_ignores_A20_aliases_the_upper_MiB_of_a_2_MiB_part()
    {
        var chip = RecoveryKit.Profiles.ProfileCatalog.FindChip("SST39VF016")!;
        var flash = new byte[chip.SizeBytes];
        new Random(3).NextBytes(flash);
        foreach (var (json, expectedAt) in new[] { ("{}", 0x100123), ("""{ "ignoresA20": true }""", 0x000123) })
        {
            using var rig = MtkRig.Create(new MtkDriveSetup("LDW-411S", "SST39VF016", "FS0F", "FS0J", null, 3), flash: flash);
            DriveVariant.Parse(json, "a20.json").ApplyTo(rig.Drive);
            Intro(rig, 0x2A);
            var regs = rig.Host.Registers;
            regs.Write(TaskFileRegister.ErrorFeatures, 0x01); // A20 = 1 [R1b]

            Assert.Equal(flash[expectedAt], MailboxRead(regs, rig.Device.RegisterValue(), 0x000123));
        }
    }

    [Fact]
    public void The_intro_status_comes_from_the_variant()
    {
        using var rig = Rig("dead-ldw411s", """{ "introStatus": "72" }""");

        Intro(rig, 0x2A);

        Assert.Equal(0x72, rig.Host.Registers.Read(TaskFileRegister.StatusCommand));
        Assert.Equal(MtkDriveMode.Vendor, rig.Drive.Mode);
    }

    [Fact]
    public void A_slow_intro_shows_BSY_until_its_delay_has_passed()
    {
        using var rig = Rig("dead-ldw411s", """{ "introDelayMs": 30 }""");
        Intro(rig, 0x2A);
        var regs = rig.Host.Registers;

        Assert.Equal(0x80, regs.Read(TaskFileRegister.StatusCommand) & 0x80);
        rig.Clock.Advance(TimeSpan.FromMilliseconds(31));
        Assert.Equal(0x70, regs.Read(TaskFileRegister.StatusCommand));
    }

    [Fact]
    public void A_drive_honouring_another_key_aborts_the_profile_key()
    {
        using var rig = Rig("dead-ldw411s", """{ "introKeys": ["2B"] }""");

        Intro(rig, 0x2A);
        Assert.NotEqual(MtkDriveMode.Vendor, rig.Drive.Mode);
        Intro(rig, 0x2B);
        Assert.Equal(MtkDriveMode.Vendor, rig.Drive.Mode);
    }

    [Fact]
    public void A_drive_that_does_not_echo_DEV_reads_00h_from_it_in_vendor_mode()
    {
        using var rig = Rig("dead-ldw411s", """{ "echoesDevice": false }""");
        Intro(rig, 0x2A);
        var regs = rig.Host.Registers;
        regs.Write(TaskFileRegister.Device, (byte)(rig.Device.RegisterValue() | 0x03));

        Assert.Equal(0x00, regs.Read(TaskFileRegister.Device));
    }

    [Fact]
    public void A_drive_that_ignores_the_outro_stays_in_vendor_mode_after_DEVICE_RESET_and_leaves_on_SRST()
    {
        using var rig = Rig("update-ldw411s", """{ "ignoresOutro": true }""");
        Intro(rig, 0x2A);
        var regs = rig.Host.Registers;

        regs.Write(TaskFileRegister.StatusCommand, AtaCommand.DeviceReset);
        rig.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0x70, regs.Read(TaskFileRegister.StatusCommand));
        Assert.Equal(MtkDriveMode.Vendor, rig.Drive.Mode);

        rig.Host.SoftReset(waitForMaster: false);
        rig.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0x00, regs.Read(TaskFileRegister.StatusCommand) & 0x80);
        Assert.Equal(MtkDriveMode.Firmware, rig.Drive.Mode);
    }

    [Fact]
    public void Busy_after_reset_holds_BSY_for_that_long_after_SRST()
    {
        using var rig = Rig("update-ldw411s", """{ "busyAfterResetMs": 3000 }""");
        var regs = rig.Host.Registers;
        rig.Host.Select(rig.Device);

        regs.WriteDeviceControl(0x06); // SRST + nIEN
        regs.WriteDeviceControl(0x02);
        rig.Clock.Advance(TimeSpan.FromMilliseconds(2900));
        Assert.Equal(0x80, regs.Read(TaskFileRegister.StatusCommand) & 0x80);
        rig.Clock.Advance(TimeSpan.FromMilliseconds(101));
        Assert.Equal(0x00, regs.Read(TaskFileRegister.StatusCommand) & 0x80);
    }

    [Fact]
    public void Identify_device_is_aborted_only_after_the_variant_delay()
    {
        using var rig = Rig("dead-ldw411s", """{ "identifyDeviceAbortMs": 50 }""");
        var regs = rig.Host.Registers;
        rig.Host.Select(rig.Device);

        regs.Write(TaskFileRegister.StatusCommand, AtaCommand.IdentifyDevice);
        rig.Clock.Advance(TimeSpan.FromMilliseconds(49));
        Assert.Equal(0x80, regs.Read(TaskFileRegister.StatusCommand) & 0x80);
        rig.Clock.Advance(TimeSpan.FromMilliseconds(2));
        var status = regs.Read(TaskFileRegister.StatusCommand);
        Assert.Equal(0x01, status & 0x81); // ERR, not BSY
        Assert.Equal((int)AtaError.Aborted, regs.Read(TaskFileRegister.ErrorFeatures) & AtaError.Aborted);
    }

    [Fact]
    public void Identify_device_that_never_aborts_stays_BSY_until_a_reset()
    {
        using var rig = Rig("dead-ldw411s", """{ "identifyDeviceAbortMs": -1 }""");
        var regs = rig.Host.Registers;
        rig.Host.Select(rig.Device);

        regs.Write(TaskFileRegister.StatusCommand, AtaCommand.IdentifyDevice);
        rig.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(0x80, regs.Read(TaskFileRegister.StatusCommand) & 0x80);
    }

    [Fact]
    public void A_command_register_drive_moves_no_byte_through_SC_codes_and_one_through_CMD_00h()
    {
        using var rig = Rig("update-ldw411s", """{ "framing": "command-register" }""");
        Intro(rig, 0x2A);
        var regs = rig.Host.Registers;
        var dev = rig.Device.RegisterValue();

        MailboxRead(regs, dev, 0x10123);
        Assert.Equal(0, rig.Drive.MailboxReads);

        // PROTOCOL.md §4, second framing: DEV ← dev; LBAM ← A[7:0]; LBAH ← A[15:8]; DEV ← dev | A[23:16]; CMD ← 00; DEV ← dev; read LBAL.
        regs.Write(TaskFileRegister.Device, dev);
        regs.Write(TaskFileRegister.LbaMid, 0x23);
        regs.Write(TaskFileRegister.LbaHigh, 0x01);
        regs.Write(TaskFileRegister.Device, (byte)(dev | 0x01));
        regs.Write(TaskFileRegister.StatusCommand, 0x00);
        regs.Write(TaskFileRegister.Device, dev);
        Assert.Equal(0x70, regs.Read(TaskFileRegister.StatusCommand));
        Assert.Equal(rig.Flash.Contents[0x10123], regs.Read(TaskFileRegister.LbaLow));
        Assert.Equal(1, rig.Drive.MailboxReads);
    }

    [Fact]
    public void The_chip_time_factor_stretches_each_operation_within_its_range()
    {
        using var rig = Rig("dead-ldw411s", """{ "chipTimeFactor": [2.0, 3.0], "seed": 4 }""");
        var (_, mailbox) = rig.EnterVendorMode();
        var spec = rig.Flash.Spec;
        // JEDEC sector erase (PROTOCOL.md §5) of sector 16 (bank 1).
        foreach (var (a, d) in new (uint, byte)[] { (spec.UnlockFirst, 0xAA), (spec.UnlockSecond, 0x55), (spec.UnlockFirst, 0x80), (spec.UnlockFirst, 0xAA), (spec.UnlockSecond, 0x55), (0x10000, 0x30) })
            mailbox.Write(a, d);

        Assert.InRange(rig.Flash.LastTimeFactor, 2.0, 3.0);
        rig.Clock.Advance(spec.SectorEraseTime.Typical * 1.99);
        Assert.True(rig.Flash.IsBusy);
        rig.Clock.Advance(spec.SectorEraseTime.Typical * 1.02);
        Assert.False(rig.Flash.IsBusy);
        Assert.Equal(-1, rig.Flash.Contents.Slice(0x10000, 0x1000).IndexOfAnyExcept((byte)0xFF));
    }
}
