using RecoveryKit.Ata;
using RecoveryKit.Emulation.Spi;
using RecoveryKit.Firmware;
using RecoveryKit.Profiles;

namespace RecoveryKit.Emulation;

/// <summary>How to build one virtual MediaTek drive.</summary>
/// <param name="Profile">Drive profile name in drives.json.</param>
/// <param name="Chip">Flash chip name in chips.json.</param>
/// <param name="OldRevision">The revision in the flash now.</param>
/// <param name="NewRevision">The revision of the image that recovers it.</param>
/// <param name="Damage">How the flash is damaged (null: a healthy drive).</param>
/// <param name="Seed">Seed of the synthetic images.</param>
public sealed record MtkDriveSetup(string Profile, string Chip, string OldRevision, string NewRevision, Corruption? Damage, int Seed)
{
    public DriveProfile DriveProfile => ProfileCatalog.FindDrive(Profile) ?? throw new InvalidOperationException($"no drive profile {Profile}");

    public ImageFamily Family => ImageFamilies.Find(DriveProfile.Family) ?? throw new InvalidOperationException($"no image family {DriveProfile.Family}");

    public ChipSpec ChipSpec => ProfileCatalog.FindChip(Chip) ?? throw new InvalidOperationException($"no chip {Chip}");

    /// <summary>Where the drive's unique key block sits (null: none).</summary>
    public int? KeyBlockAt { get; init; }

    /// <summary>The key block's length: 20 bytes at 1FF00h on the DG-16D2S (§7), the 4 KiB key sector at 3E000h on slim drives (§5b).</summary>
    public int KeyBlockLength { get; init; } = 20;

    /// <summary>
    /// The practice image carries another drive's key block, as an image downloaded from the internet would (false: the
    /// drive's own, as its own backup has).
    /// </summary>
    public bool ImageKeyFromAnotherDrive { get; init; }

    /// <summary>The practice image is the drive's own backup of its old firmware (the drive erased by the Lite-On erase).</summary>
    public bool ImageIsOwnBackup { get; init; }

    /// <summary>How the drive's flash was damaged beyond <see cref="Damage"/>: blank, or its first sectors erased.</summary>
    public SpiDamage SpiDamage { get; init; }

    /// <summary>An SPI drive's register dialect (null: a parallel-flash drive); the chip is then an <see cref="SpiParts"/> part.</summary>
    public SpiDialect? SpiDialect { get; init; }

    /// <summary>Who made the SPI drive (count order, buffer base, status).</summary>
    public SpiDriveMaker SpiMaker { get; init; } = SpiDriveMaker.LiteOn;

    /// <summary>The SPI part's status-register protection bits at the start (BP field, SRWD at bit 7).</summary>
    public byte SpiProtection { get; init; }

    /// <summary>The SPI part's WP# pin is held low (SRWD then locks the status register in hardware).</summary>
    public bool WriteProtectLow { get; init; }

    /// <summary>The drive erases its whole flash on 2Eh/80h (Lite-On 360 drives, PROTOCOL.md §3 DANGER).</summary>
    public bool LiteOnEraseTrigger { get; init; }

    /// <summary>The mailbox a parallel drive speaks (null: the variant's, MtkFlash's SC codes by default).</summary>
    public MailboxFraming? Framing { get; init; }

    /// <summary>The status the drive itself answers a good intro with (null: the profile's vendor status).</summary>
    public byte? DriveVendorStatus { get; init; }

    /// <summary>
    /// The drive starts its firmware only when the flash holds one of the images built for it (old or new revision, any
    /// key block): the emulator's stand-in for a boot check no source describes, for families whose validity rule
    /// cannot tell a damaged image.
    /// </summary>
    public bool BootsKnownImagesOnly { get; init; }

    /// <summary>The SPI part (null for a parallel drive).</summary>
    public SpiPart? SpiPart => SpiDialect is null ? null : SpiParts.Find(Chip) ?? throw new InvalidOperationException($"no SPI part {Chip}");

    /// <summary>The flash size of the drive's part.</summary>
    public int FlashSize => SpiPart?.SizeBytes ?? ChipSpec.SizeBytes;

    /// <summary>The image that recovers this drive: same boot block as the drive's, the new revision; its key block per <see cref="ImageKeyFromAnotherDrive"/>.</summary>
    public byte[] RecoveryImage() => ImageIsOwnBackup
        ? OldImage()
        : WithKeyBlock(SyntheticImage.Build(Family, FlashSize, NewRevision, Seed), ImageKeyFromAnotherDrive ? DonorKeyBlock() : DriveKeyBlock());

    /// <summary>The drive's firmware before the damage, with its own key block (what a backup taken then holds).</summary>
    public byte[] OldImage() => WithKeyBlock(SyntheticImage.Build(Family, FlashSize, OldRevision, Seed), DriveKeyBlock());

    /// <summary>What the drive's flash holds at the start.</summary>
    public byte[] InitialFlash()
    {
        var old = OldImage();
        if (Damage is { } damage)
            old = SyntheticImage.Corrupt(old, damage, Seed, Family.BootBlock);
        switch (SpiDamage)
        {
            case SpiDamage.Blank:
                old.AsSpan().Fill(0xFF);
                break;
            case SpiDamage.FirstSectorsErased:
                old.AsSpan(0, SpiPart.SectorSize * (1 + new Random(Seed).Next(8))).Fill(0xFF);
                break;
        }
        return old;
    }

    /// <summary>This drive's own key block, derived from the scenario seed (empty when it has none).</summary>
    public byte[] DriveKeyBlock() => KeyBytes(Seed ^ 0x5EC7E7);

    /// <summary>Another drive's key block (the one in an image from the internet).</summary>
    public byte[] DonorKeyBlock() => KeyBytes((Seed * 7919) ^ 0x0D090A);

    private byte[] KeyBytes(int seed)
    {
        if (KeyBlockAt is null)
            return [];
        var key = new byte[KeyBlockLength];
        new Random(seed).NextBytes(key);
        return key;
    }

    private byte[] WithKeyBlock(byte[] image, byte[] key)
    {
        if (KeyBlockAt is not { } at)
            return image;
        key.CopyTo(image.AsSpan(at));
        if (Family.Validity.CanFix)
            Family.Validity.Fix(image);
        return image;
    }

    private bool IsKnownImage(ReadOnlySpan<byte> flash)
    {
        foreach (var known in new[] { OldImage(), RecoveryImage(), WithKeyBlock(SyntheticImage.Build(Family, FlashSize, NewRevision, Seed), DriveKeyBlock()) })
        {
            if (flash.Length != known.Length)
                continue;
            if (KeyBlockAt is { } at)
            {
                if (flash[..at].SequenceEqual(known.AsSpan(0, at)) && flash[(at + KeyBlockLength)..].SequenceEqual(known.AsSpan(at + KeyBlockLength)))
                    return true;
            }
            else if (flash.SequenceEqual(known))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Builds the drive on <paramref name="clock"/>.</summary>
    public VirtualMtkDrive Create(VirtualClock clock, MtkFaultPlan? faults = null, ReadOnlySpan<byte> flash = default)
    {
        var family = Family;
        var initial = flash.IsEmpty ? InitialFlash() : flash.ToArray();
        IDriveFlash model = SpiPart is { } part
            ? new SpiChipModel(part, clock, initial) { WriteProtectLow = WriteProtectLow }
            : new FlashChipModel(ChipSpec, clock, initial);
        if (model is SpiChipModel chip && SpiProtection != 0)
            chip.ProtectionBits = SpiProtection;
        var profile = DriveProfile;
        Func<ReadOnlyMemory<byte>, bool> boots = BootsKnownImagesOnly
            ? image => family.Validity.IsValid(image.Span) && IsKnownImage(image.Span)
            : image => family.Validity.IsValid(image.Span);
        var boot = new DriveIdentityStrings(profile.Vendor, profile.Products[0], "    ", "MTKBOOT0001");
        var drive = new VirtualMtkDrive(profile, model, boots,
            image =>
            {
                var id = ImageIdentity.Of(image.Span);
                return id.Model is null ? null : new DriveIdentityStrings(id.Vendor ?? profile.Vendor, id.Model, id.Revision ?? "????", "MTK" + Seed.ToString("D8", System.Globalization.CultureInfo.InvariantCulture));
            },
            boot, faults);
        if (SpiDialect is { } dialect)
            drive.UseSpiMailbox(dialect, SpiMaker);
        if (LiteOnEraseTrigger)
            drive.EraseTriggers.Add(0x2E);
        if (Framing is { } framing)
        {
            drive.OwnFraming = framing;
            drive.HonouredIntroKeys = [0x2A]; // the phat intro (§3): the command-register drives answer 2Ah/80h with 70h
        }
        if (DriveVendorStatus is { } status)
            drive.OwnVendorStatus = status;
        return drive;
    }
}

/// <summary>How an SPI drive's flash was left.</summary>
public enum SpiDamage
{
    None,
    /// <summary>Every byte FFh (the Lite-On erase trigger, or a chip erase that was never followed by a write).</summary>
    Blank,
    /// <summary>A write died after erasing its first 4 KiB sectors (1 to 8, seeded): the first 200h bytes read blank.</summary>
    FirstSectorsErased,
}

/// <summary>Built-in MediaTek scenarios: the practice drives and what the end-to-end tests use.</summary>
public static class MtkScenarios
{
    /// <summary>The setup behind each MediaTek scenario name.</summary>
    public static IReadOnlyDictionary<string, (MtkDriveSetup Setup, DevicePosition Position)> Setups { get; } =
        new Dictionary<string, (MtkDriveSetup, DevicePosition)>(StringComparer.OrdinalIgnoreCase)
        {
            ["dead-ldw411s"] = (new MtkDriveSetup("LDW-411S", "SST39VF080", "FS0F", "FS0J", Corruption.HalfWritten, 411), DevicePosition.SecondaryMaster),
            ["dead-sohw832s-slave"] = (new MtkDriveSetup("SOHW-832S", "Am29F080B", "VS08", "VS0C", Corruption.ErasedSector, 832), DevicePosition.SecondarySlave),
            ["dead-ltr52327s"] = (new MtkDriveSetup("LTR-52327S", "SST39SF040", "QS0A", "QS0C", Corruption.BitFlip, 52327), DevicePosition.PrimarySlave),
            ["power-cycle-ldw411s"] = (new MtkDriveSetup("LDW-411S", "SST39VF080", "FS0F", "FS0J", Corruption.HalfWritten, 4111), DevicePosition.SecondaryMaster),
            ["update-ldw411s"] = (new MtkDriveSetup("LDW-411S", "SST39VF080", "FS0F", "FS0J", null, 411), DevicePosition.SecondaryMaster),
            ["worn-ldw411s"] = (new MtkDriveSetup("LDW-411S", "SST39VF080", "FS0F", "FS0J", Corruption.HalfWritten, 411), DevicePosition.SecondaryMaster),
            ["shared-cable-ldw411s"] = (new MtkDriveSetup("LDW-411S", "SST39VF080", "FS0F", "FS0J", Corruption.HalfWritten, 4112), DevicePosition.SecondaryMaster),
            // A working DG-16D2S on the SPI model (issue 13): its flash is written, so it answers 52h like locked-dg16d2s,
            // but with an unprotected MX25L2005 and an update image that carries its own key block.
            ["xbox-dg16d2s"] = (new MtkDriveSetup("DG-16D2S", "MX25L2005", "0225", "0272", null, 1619)
            {
                SpiDialect = SpiDialect.Phat, KeyBlockAt = 0x1FF00, LiteOnEraseTrigger = true, BootsKnownImagesOnly = true,
            }, DevicePosition.SecondaryMaster),
            // Issue 13: the JungleFlasher-era drives. Each SPI drive speaks its dialect with the drive side's own constants (Spi/SpiBufferMailbox.cs).
            ["dead-dg16d2s"] = (new MtkDriveSetup("DG-16D2S", "MX25L2005", "0225", "0225", null, 1621)
            {
                SpiDialect = SpiDialect.Phat, KeyBlockAt = 0x1FF00, LiteOnEraseTrigger = true, SpiDamage = SpiDamage.Blank, ImageIsOwnBackup = true, BootsKnownImagesOnly = true,
            }, DevicePosition.SecondaryMaster),
            ["locked-dg16d2s"] = (new MtkDriveSetup("DG-16D2S", "SST25VF020", "0225", "0272", null, 1622)
            {
                SpiDialect = SpiDialect.Phat, KeyBlockAt = 0x1FF00, LiteOnEraseTrigger = true, SpiProtection = 0x0C, ImageKeyFromAnotherDrive = true, BootsKnownImagesOnly = true,
            }, DevicePosition.SecondaryMaster),
            ["wp-locked-dg16d2s"] = (new MtkDriveSetup("DG-16D2S", "MX25L2005", "0225", "0272", null, 1623)
            {
                SpiDialect = SpiDialect.Phat, KeyBlockAt = 0x1FF00, LiteOnEraseTrigger = true, SpiProtection = 0x8C, WriteProtectLow = true, ImageKeyFromAnotherDrive = true, BootsKnownImagesOnly = true,
            }, DevicePosition.SecondaryMaster),
            ["dead-dg16d4s"] = (new MtkDriveSetup("DG-16D4S", "W25P20", "0401", "1071", null, 1641)
            {
                SpiDialect = SpiDialect.Slim, KeyBlockAt = 0x3E000, KeyBlockLength = 0x1000, SpiDamage = SpiDamage.FirstSectorsErased, ImageKeyFromAnotherDrive = true, BootsKnownImagesOnly = true,
            }, DevicePosition.SecondaryMaster),
            ["dead-dg16d5s"] = (new MtkDriveSetup("DG-16D5S", "MX25L2005", "1071", "1175", null, 1651)
            {
                SpiDialect = SpiDialect.Slim2, KeyBlockAt = 0x3E000, KeyBlockLength = 0x1000, SpiDamage = SpiDamage.FirstSectorsErased, ImageKeyFromAnotherDrive = true, BootsKnownImagesOnly = true,
            }, DevicePosition.SecondaryMaster),
            ["blank-vad6038"] = (new MtkDriveSetup("VAD6038", "MX25L2005", "9504", "9504", null, 6038)
            {
                SpiDialect = SpiDialect.Phat, SpiMaker = SpiDriveMaker.BenQ, SpiDamage = SpiDamage.Blank, BootsKnownImagesOnly = true,
            }, DevicePosition.SecondaryMaster),
            ["dead-ts-h943a"] = (new MtkDriveSetup("TS-H943A", "SST39SF020A", "MS25", "MS28", Corruption.BitFlip, 943)
            {
                Framing = MailboxFraming.CommandRegister, DriveVendorStatus = 0x70, BootsKnownImagesOnly = true,
            }, DevicePosition.SecondaryMaster),
        };

    internal static IEnumerable<SimScenario> All()
    {
        yield return new SimScenario("dead-ldw411s",
            "a Lite-On LDW-411S left dead by a half-written flash, alone on secondary master; a hard disk on primary master",
            () => Build("dead-ldw411s", null), "dead-ldw411s");
        yield return new SimScenario("dead-sohw832s-slave",
            "a dead Lite-On SOHW-832S (64 KiB-sector flash, one sector never programmed) on secondary slave behind a healthy DVD drive; a hard disk on primary master",
            () => Build("dead-sohw832s-slave", null), "dead-sohw832s-slave");
        yield return new SimScenario("dead-ltr52327s",
            "a Lite-On LTR-52327S CD-RW (512 KiB flash) with one bad bit, on primary slave behind a hard disk",
            () => Build("dead-ltr52327s", null), "dead-ltr52327s");
        yield return new SimScenario("power-cycle-ldw411s",
            "a dead LDW-411S that answers the intro only after being power-cycled ('Status = 80 should be 70')",
            () => Build("power-cycle-ldw411s", new MtkFaultPlan { IntroIgnoredUntilPowerCycles = 1 }), "power-cycle-ldw411s");
        yield return new SimScenario("worn-ldw411s",
            "a dead LDW-411S whose flash never finishes erasing one sector (a worn part): the flash fails and says which sectors are old, new or unknown",
            () => WithStuckErase(Build("worn-ldw411s", null)), "worn-ldw411s");
        yield return new SimScenario("xbox-dg16d2s",
            "a working Xbox 360 Lite-On DG-16D2S (MX25L2005 SPI flash, no protection bits, its unique key block at 1FF00h) on secondary master: its first 200h bytes are written, so it answers 52h (SPI locked) and nothing may be touched without the Lite-On erase; the practice image is an update (0225 to 0272) with its own key block",
            () => Build("xbox-dg16d2s", null), "xbox-dg16d2s");
        yield return new SimScenario("shared-cable-ldw411s",
            "a dead LDW-411S on secondary master with a working Lite-On LTR-52327S CD-RW (W29C040 flash) as slave on the same cable, whose boot code also takes the vendor intro and the mailbox writes meant for the dead drive [F: '2 mediatek drives shared one channel => both bad flashed simultaneously']: refused without --shared-channel",
            () => Build("shared-cable-ldw411s", null), "shared-cable-ldw411s");
        yield return new SimScenario("dead-dg16d2s",
            "an Xbox 360 Lite-On DG-16D2S erased by the Lite-On erase (blank SPI flash, status 72h) on secondary master; the practice image is the drive's own backup (its key block)",
            () => Build("dead-dg16d2s", null), "dead-dg16d2s");
        yield return new SimScenario("locked-dg16d2s",
            "a working DG-16D2S (SST25VF020, BP bits set) answering 52h (SPI locked); the update image carries another drive's key block",
            () => Build("locked-dg16d2s", null), "locked-dg16d2s");
        yield return new SimScenario("wp-locked-dg16d2s",
            "a DG-16D2S answering 52h whose status register is locked in hardware (SRWD set, WP# held low): it cannot be unlocked, so nothing may be erased",
            () => Build("wp-locked-dg16d2s", null), "wp-locked-dg16d2s");
        yield return new SimScenario("dead-dg16d4s",
            "an Xbox 360 slim Lite-On DG-16D4S (slim dialect D9h/89h, W25P20) whose write died after erasing its first sectors; the image carries another drive's key sector",
            () => Build("dead-dg16d4s", null), "dead-dg16d4s");
        yield return new SimScenario("dead-dg16d5s",
            "an Xbox 360 slim Lite-On DG-16D5S (slim2 dialect 79h/8Dh, MX25L2005) whose write died after erasing its first sectors; the image carries another drive's key sector",
            () => Build("dead-dg16d5s", null), "dead-dg16d5s");
        yield return new SimScenario("blank-vad6038",
            "an Xbox 360 BenQ VAD6038 with a blank SPI flash (status 73h, counts high byte first, buffer at 0000h)",
            () => Build("blank-vad6038", null), "blank-vad6038");
        yield return new SimScenario("dead-ts-h943a",
            "an Xbox 360 Samsung TS-H943A (SST39SF020, command-register framing, status 70h) whose firmware has one bad bit",
            () => Build("dead-ts-h943a", null), "dead-ts-h943a");
        yield return new SimScenario("update-ldw411s",
            "a working LDW-411S on FS0F to be updated to FS0J (a few banks differ)",
            () => Build("update-ldw411s", null), "update-ldw411s");
    }

    /// <summary>The working Lite-On CD-RW on the cable of shared-cable-ldw411s: the seed thread's "LiteOn CD burner on that same IDE cable".</summary>
    public static MtkDriveSetup SharedCableNeighbour { get; } = new("LTR-52327S", "W29C040", "QS0C", "QS0C", null, 48246);

    private static VirtualMtkDrive With(this VirtualMtkDrive drive, Action<VirtualMtkDrive> change)
    {
        change(drive);
        return drive;
    }

    /// <summary>Makes the worn drive's flash hang on erasing sector 40 (bank 2), which the recovery must rewrite.</summary>
    private static SimBench WithStuckErase(SimBench bench)
    {
        var drive = (VirtualMtkDrive)bench.DeviceAt(Setups["worn-ldw411s"].Position)!;
        drive.Flash.StuckEraseSectors.Add(40);
        return bench;
    }

    /// <summary>Builds a scenario's bench, optionally with faults.</summary>
    public static SimBench Build(string name, MtkFaultPlan? faults)
    {
        var (setup, position) = Setups[name];
        var clock = new VirtualClock();
        var drive = setup.Create(clock, faults);
        VirtualDevice? pm = SimScenarios.HardDisk(), ps = null, sm = null, ss = null;
        if (name == "shared-cable-ldw411s")
            ss = SharedCableNeighbour.Create(clock).With(d => d.HearsSharedChannel = true);
        if (name == "dead-sohw832s-slave")
            sm = new VirtualAtapiDrive(new DriveIdentityStrings("HL-DT-ST", "DVD-ROM GDR8163B", "0L23", "K2B4A0G3012"));
        switch (position)
        {
            case DevicePosition.PrimaryMaster: pm = drive; break;
            case DevicePosition.PrimarySlave: ps = drive; break;
            case DevicePosition.SecondaryMaster: sm = drive; break;
            default: ss = drive; break;
        }
        return new SimBench(name, clock,
            new VirtualChannel(clock, ChannelAddress.Primary, pm, ps),
            new VirtualChannel(clock, ChannelAddress.Secondary, sm, ss));
    }
}
