using RecoveryKit.Ata;
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

    public ChipSpec ChipSpec => ProfileCatalog.FindChip(Chip) ?? EmulatedParts.Find(Chip) ?? throw new InvalidOperationException($"no chip {Chip}");

    /// <summary>
    /// A Lite-On serial-flash drive (DG-16D2S): honours only the phat intro key 2Ah, erases its whole flash on the
    /// erase trigger 2Eh/80h, answers 72h/52h by whether its flash is blank, and keeps a unique key block at
    /// 1FF00h (PROTOCOL.md §3 DANGER, §5b, §7). Its SPI buffer is not modelled: nothing reaches the flash.
    /// </summary>
    public bool SerialFlash { get; init; }

    /// <summary>Where the drive's unique 20-byte key block sits (null: none).</summary>
    public int? KeyBlockAt { get; init; }

    /// <summary>The image that recovers this drive: same boot block (and key block) as the drive's, the new revision.</summary>
    public byte[] RecoveryImage() => WithKeyBlock(SyntheticImage.Build(Family, ChipSpec.SizeBytes, NewRevision, Seed));

    /// <summary>What the drive's flash holds at the start.</summary>
    public byte[] InitialFlash()
    {
        var old = WithKeyBlock(SyntheticImage.Build(Family, ChipSpec.SizeBytes, OldRevision, Seed));
        return Damage is { } damage ? SyntheticImage.Corrupt(old, damage, Seed, Family.BootBlock) : old;
    }

    private byte[] WithKeyBlock(byte[] image)
    {
        if (KeyBlockAt is not { } at)
            return image;
        new Random(Seed ^ 0x5EC7E7).NextBytes(image.AsSpan(at, 20));
        if (Family.Validity.CanFix)
            Family.Validity.Fix(image);
        return image;
    }

    /// <summary>Builds the drive on <paramref name="clock"/>.</summary>
    public VirtualMtkDrive Create(VirtualClock clock, MtkFaultPlan? faults = null, ReadOnlySpan<byte> flash = default)
    {
        var family = Family;
        var model = new FlashChipModel(ChipSpec, clock, flash.IsEmpty ? InitialFlash() : flash);
        var profile = DriveProfile;
        var boot = new DriveIdentityStrings(profile.Vendor, profile.Products[0], "    ", "MTKBOOT0001");
        var drive = new VirtualMtkDrive(profile, model,
            image => family.Validity.IsValid(image.Span),
            image =>
            {
                var id = ImageIdentity.Of(image.Span);
                return id.Model is null ? null : new DriveIdentityStrings(id.Vendor ?? profile.Vendor, id.Model, id.Revision ?? "????", "MTK" + Seed.ToString("D8", System.Globalization.CultureInfo.InvariantCulture));
            },
            boot, faults);
        if (SerialFlash)
        {
            drive.HonouredIntroKeys = [0x2A];
            drive.EraseTriggers.Add(0x2E);
            drive.OwnFraming = MailboxFraming.SpiBuffer;
            drive.SpiStatusFromBlankness = true;
        }
        return drive;
    }
}

/// <summary>
/// Flash parts the emulator needs that are not in chips.json because RecoveryKit cannot write them: the serial
/// (SPI) parts behind Lite-On 360 drives. Only size and sectors matter here; no parallel command reaches them.
/// </summary>
public static class EmulatedParts
{
    private static readonly ChipSpec Mx25L2005 = new("MX25L2005", "MXIC", 0xC2, 0x11, 0x40000,
        [.. Enumerable.Range(0, 64).Select(i => new FlashSector(i, (uint)(i * 0x1000), 0x1000))],
        0, 0, 0, ProgramModel.Byte, 0, TimeSpan.Zero,
        new DatasheetTime(TimeSpan.FromMicroseconds(1400), TimeSpan.FromMilliseconds(5)),
        new DatasheetTime(TimeSpan.FromMilliseconds(60), TimeSpan.FromMilliseconds(120)),
        new DatasheetTime(TimeSpan.FromMilliseconds(1800), TimeSpan.FromMilliseconds(4000)),
        "F", "MX25L2005, 256 KiB SPI NOR behind the DG-16D2S (PROTOCOL.md §5b; REMS C2h/11h); times of the MXIC datasheet class, emulation only");

    /// <summary>The emulation-only part of that name, or null.</summary>
    public static ChipSpec? Find(string name) => string.Equals(name, Mx25L2005.Name, StringComparison.OrdinalIgnoreCase) ? Mx25L2005 : null;
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
            ["xbox-dg16d2s"] = (new MtkDriveSetup("DG-16D2S", "MX25L2005", "0225", "0272", null, 1619) { SerialFlash = true, KeyBlockAt = 0x1FF00 }, DevicePosition.SecondaryMaster),
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
            "a working Xbox 360 Lite-On DG-16D2S (serial flash with the drive's unique key block) on secondary master: RecoveryKit cannot write it and must leave it exactly as it is",
            () => Build("xbox-dg16d2s", null), "xbox-dg16d2s");
        yield return new SimScenario("shared-cable-ldw411s",
            "a dead LDW-411S on secondary master with a working Lite-On LTR-52327S CD-RW (W29C040 flash) as slave on the same cable, whose boot code also takes the vendor intro and the mailbox writes meant for the dead drive [F: '2 mediatek drives shared one channel => both bad flashed simultaneously']: refused without --shared-channel",
            () => Build("shared-cable-ldw411s", null), "shared-cable-ldw411s");
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
