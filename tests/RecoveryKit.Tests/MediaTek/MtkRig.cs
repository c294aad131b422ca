using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Firmware;
using RecoveryKit.MediaTek;
using RecoveryKit.Packet;
using RecoveryKit.Profiles;

namespace RecoveryKit.Tests.MediaTek;

/// <summary>
/// A virtual MediaTek drive on a bench, with the host pointed at its position. Built directly (not through
/// the CLI scenarios) so each test chooses the chip, the position, the faults and the neighbours.
/// </summary>
internal sealed class MtkRig : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rk-mtk-");

    private MtkRig(VirtualClock clock, VirtualMtkDrive drive, SimBench bench, DevicePosition position, DriveProfile profile, ImageFamily family, byte[] image)
    {
        Clock = clock;
        Drive = drive;
        Bench = bench;
        Position = position;
        Profile = profile;
        Family = family;
        Image = image;
        Channel = bench.ChannelOf(position);
        Host = new AtaHost(Channel);
    }

    public VirtualClock Clock { get; }
    public VirtualMtkDrive Drive { get; }
    public SimBench Bench { get; }
    public VirtualChannel Channel { get; }
    public DevicePosition Position { get; }
    public DeviceSelect Device => Position.Device();
    public DriveProfile Profile { get; }
    public ImageFamily Family { get; }

    /// <summary>The image that recovers the drive.</summary>
    public byte[] Image { get; }

    public AtaHost Host { get; }

    public FlashChipModel Flash => Drive.Flash;

    public string Where => $"position {(int)Position}";

    /// <summary>A dead LDW-411S-style drive (or another setup) alone at <paramref name="position"/>; <paramref name="other"/> on the same channel.</summary>
    public static MtkRig Create(MtkDriveSetup setup, MtkFaultPlan? faults = null, DevicePosition position = DevicePosition.PrimaryMaster,
        VirtualDevice? other = null, byte[]? flash = null)
    {
        var clock = new VirtualClock();
        var drive = setup.Create(clock, faults, flash);
        return Place(clock, drive, position, other, setup.DriveProfile, setup.Family, flash is null ? setup.RecoveryImage() : []);
    }

    /// <summary>An LDW-411S whose flash is any chip from the table, filled with seeded bytes (for chip-engine tests).</summary>
    public static MtkRig WithChip(string chipName, int seed = 5)
    {
        var chip = ProfileCatalog.FindChip(chipName)!;
        var flash = new byte[chip.SizeBytes];
        new Random(seed).NextBytes(flash);
        return Create(new MtkDriveSetup("LDW-411S", chipName, "FS0F", "FS0J", null, seed), flash: flash);
    }

    public static MtkRig Scenario(string name, MtkFaultPlan? faults = null, DevicePosition position = DevicePosition.PrimaryMaster, VirtualDevice? other = null) =>
        Create(MtkScenarios.Setups[name].Setup, faults, position, other);

    /// <summary>A drive built from an arbitrary profile, family and chip (2 MiB parts have no built-in setup).</summary>
    public static MtkRig Custom(DriveProfile profile, ImageFamily family, ChipSpec chip, string oldRevision, string newRevision, int seed,
        Corruption? damage = Corruption.HalfWritten, MtkFaultPlan? faults = null)
    {
        var clock = new VirtualClock();
        var old = SyntheticImage.Build(family, chip.SizeBytes, oldRevision, seed);
        var initial = damage is { } d ? SyntheticImage.Corrupt(old, d, seed, family.BootBlock) : old;
        var model = new FlashChipModel(chip, clock, initial);
        var boot = new DriveIdentityStrings(profile.Vendor, profile.Products[0], "    ", "MTKBOOT0001");
        var drive = new VirtualMtkDrive(profile, model,
            image => family.Validity.IsValid(image.Span),
            image =>
            {
                var id = ImageIdentity.Of(image.Span);
                return id.Model is null ? null : new DriveIdentityStrings(id.Vendor ?? profile.Vendor, id.Model, id.Revision ?? "????", "MTK-TEST");
            },
            boot, faults);
        return Place(clock, drive, DevicePosition.PrimaryMaster, null, profile, family, SyntheticImage.Build(family, chip.SizeBytes, newRevision, seed));
    }

    private static MtkRig Place(VirtualClock clock, VirtualMtkDrive drive, DevicePosition position, VirtualDevice? other, DriveProfile profile, ImageFamily family, byte[] image)
    {
        VirtualDevice?[] slots = new VirtualDevice?[4];
        var index = (int)position - 1;
        slots[index] = drive;
        if (other is not null)
            slots[index ^ 1] = other;
        var bench = new SimBench("test", clock,
            new VirtualChannel(clock, ChannelAddress.Primary, slots[0], slots[1]),
            new VirtualChannel(clock, ChannelAddress.Secondary, slots[2], slots[3]));
        return new MtkRig(clock, drive, bench, position, profile, family, image);
    }

    public string TempPath(string name) => Path.Combine(_dir.FullName, name);

    private int _backups;

    public FlashRequest Request(byte[]? image = null, bool writeBootCode = false, ChipSpec? chip = null, CancellationToken cancel = default,
        Func<IntroResult, int, bool>? powerCycle = null, IProgress<FlashProgress>? progress = null, RecoveryKit.Discovery.SharedChannelGuard? neighbour = null) => new()
    {
        Neighbour = neighbour,
        Image = image ?? Image,
        ImageName = "test.bin",
        Profile = Profile,
        Family = Family,
        BackupPath = TempPath($"backup-{++_backups}.bin"),
        WriteBootCode = writeBootCode,
        ChipOverride = chip,
        Cancel = cancel,
        PowerCycle = powerCycle ?? ((_, n) => n <= 3 && Bench.TryPowerCycle(Position)),
        Progress = progress,
    };

    public FlashOutcome Run(FlashRequest? request = null) => FlashSession.Run(Host, Device, Where, request ?? Request());

    /// <summary>Runs a session expecting a typed failure.</summary>
    public Failure Fails(FlashRequest? request = null) => Assert.Throws<RecoveryKitException>(() => Run(request)).Failure;

    /// <summary>Acquires the position and enters vendor mode; returns the mailbox.</summary>
    public (VendorMode Vendor, Mailbox Mailbox) EnterVendorMode()
    {
        var target = FlashTarget.Acquire(Host, Device, Profile, Where);
        var vendor = new VendorMode(target);
        vendor.Enter();
        return (vendor, new Mailbox(Host.Registers, Device, Profile));
    }

    /// <summary>What the drive answers to INQUIRY now (null when only boot code runs).</summary>
    public InquiryData? Inquiry()
    {
        Host.Select(Device);
        var identify = Host.Identify(Device, AtaCommand.IdentifyPacketDevice);
        if (identify.Outcome != IdentifyOutcome.Data)
            return null;
        return ScsiCommands.Inquiry(new AtaPacketHost(Host, Device));
    }

    public static string RevisionOf(byte[] image) => ImageIdentity.Of(image).Revision!;

    public void Dispose()
    {
        try
        {
            _dir.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
