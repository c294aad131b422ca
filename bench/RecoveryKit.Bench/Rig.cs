using RecoveryKit.Ata;
using RecoveryKit.Emulation;
using RecoveryKit.Emulation.Spi;
using RecoveryKit.Firmware;
using RecoveryKit.MediaTek;
using RecoveryKit.Profiles;

namespace RecoveryKit.Bench;

/// <summary>One virtual MediaTek drive on its own channel and clock, with the flash contents we choose.</summary>
internal sealed class Rig
{
    public const string DriveProfileName = "LDW-411S"; // device-head bank bits + features bit 0 for A20 (defaults)

    private Rig(ChipSpec chip, VirtualClock clock, VirtualChannel channel, VirtualMtkDrive drive)
    {
        Chip = chip;
        Clock = clock;
        Channel = channel;
        Drive = drive;
        Host = new AtaHost(channel);
    }

    public ChipSpec Chip { get; }
    public VirtualClock Clock { get; }
    public VirtualChannel Channel { get; }
    public VirtualMtkDrive Drive { get; }
    public AtaHost Host { get; }
    public DriveProfile Profile => Drive.Profile;

    /// <summary>The drive of a bench case: the case's profile; an SPI drive (the emulator's own SPI part and mailbox) when the case says so.</summary>
    public static Rig Create(BenchCase c, ReadOnlySpan<byte> flash, MtkFaultPlan? faults = null)
    {
        if (c.Scenario is { } scenario)
        {
            // The practice scenario's own drive (dialect, maker, key block, erase trigger, framing): what sim:NAME builds.
            var setup = MtkScenarios.Setups[scenario].Setup;
            var sclock = new VirtualClock();
            var sdrive = setup.Create(sclock, faults, flash);
            var schannel = new VirtualChannel(sclock, ChannelAddress.Secondary, sdrive, null);
            return new Rig(c.Chip, sclock, schannel, sdrive);
        }
        if (c.Spi is not { } spi)
            return Create(c.Chip, flash, faults);
        var profile = ProfileCatalog.FindDrive(c.ProfileName) ?? throw new InvalidOperationException($"no {c.ProfileName} profile");
        var clock = new VirtualClock();
        var part = SpiParts.Find(c.Chip.Name) ?? throw new InvalidOperationException($"the emulator has no SPI part {c.Chip.Name}");
        var model = new SpiChipModel(part, clock, flash);
        var boot = new DriveIdentityStrings(profile.Vendor, profile.Products[0], "    ", "MTKBOOT0001");
        var drive = new VirtualMtkDrive(profile, model, _ => false, _ => null, boot, faults);
        drive.UseSpiMailbox(spi.Dialect, spi.Maker);
        var channel = new VirtualChannel(clock, ChannelAddress.Secondary, drive, null);
        return new Rig(c.Chip, clock, channel, drive);
    }

    /// <summary>The sectors of the drive's part that never finish erasing (parallel or SPI).</summary>
    public HashSet<int> StuckEraseSectors => Drive.Memory is SpiChipModel spi ? spi.StuckEraseSectors : Drive.Flash.StuckEraseSectors;

    public static Rig Create(ChipSpec chip, ReadOnlySpan<byte> flash, MtkFaultPlan? faults = null)
    {
        var profile = ProfileCatalog.FindDrive(DriveProfileName) ?? throw new InvalidOperationException("no LDW-411S profile");
        var clock = new VirtualClock();
        var model = new FlashChipModel(chip, clock, flash);
        var boot = new DriveIdentityStrings(profile.Vendor, profile.Products[0], "    ", "MTKBOOT0001");
        // A dead drive (boot code only): the flash never passes a validity rule here, so no family rule is involved.
        var drive = new VirtualMtkDrive(profile, model, _ => false, _ => null, boot, faults);
        var channel = new VirtualChannel(clock, ChannelAddress.Secondary, drive, null);
        return new Rig(chip, clock, channel, drive);
    }

    public Mark Now() => new(Channel.RegisterOperations, Clock.Now, GC.GetAllocatedBytesForCurrentThread());

    /// <summary>Target check, vendor intro and chip ID: what every run does before touching the flash.</summary>
    public (VendorMode Vendor, FlashChip Flash) Enter()
    {
        var target = FlashTarget.Acquire(Host, DeviceSelect.Master, Profile, "bench");
        var vendor = new VendorMode(target);
        vendor.Enter(null);
        var mailbox = new Mailbox(Host.Registers, DeviceSelect.Master, Profile);
        FlashChip.ReadId(mailbox);
        FlashChip.ExitIdMode(mailbox);
        return (vendor, new FlashChip(mailbox, Chip, Host.Clock));
    }
}

/// <summary>A point in a run: register operations, virtual time, bytes allocated on this thread.</summary>
internal readonly record struct Mark(long Ops, TimeSpan Time, long Allocated)
{
    public Cost To(Mark later) => new(later.Ops - Ops, later.Time - Time, later.Allocated - Allocated);
}

internal readonly record struct Cost(long Ops, TimeSpan Time, long Allocated)
{
    public static Cost operator +(Cost a, Cost b) => new(a.Ops + b.Ops, a.Time + b.Time, a.Allocated + b.Allocated);
    public double Seconds => Time.TotalSeconds;
}

/// <summary>
/// Splits a Flasher run into write (erase + program + retries) and verify (read-back) cost, from the
/// progress events the Flasher reports synchronously at each stage change.
/// </summary>
internal sealed class PhaseMeter : IProgress<FlashProgress>
{
    private readonly Rig _rig;
    private Mark _since;
    private bool _inVerify;

    public PhaseMeter(Rig rig)
    {
        _rig = rig;
        _since = rig.Now();
    }

    public Cost Write { get; private set; }
    public Cost Verify { get; private set; }

    public void Report(FlashProgress value)
    {
        Close();
        _inVerify = value.Stage == "verify";
    }

    public void Close()
    {
        var now = _rig.Now();
        var cost = _since.To(now);
        if (_inVerify)
            Verify += cost;
        else
            Write += cost;
        _since = _rig.Now();
    }
}

/// <summary>The images of one benchmark case.</summary>
internal sealed record BenchCase(string Kind, ChipSpec Chip, ImageFamily Family, byte[] Old, byte[] New, bool WriteBootCode)
{
    /// <summary>The drive profile the session flashes with.</summary>
    public string ProfileName { get; init; } = Rig.DriveProfileName;

    /// <summary>A practice scenario (MtkScenarios) whose drive the rig builds (null: the case's own drive).</summary>
    public string? Scenario { get; init; }

    /// <summary>The image the session is given (null: <see cref="New"/>); differs from New when the drive keeps its own key block.</summary>
    public byte[]? Image { get; init; }

    /// <summary>The drive's unique key block or key sector (null: none), which must hold the drive's own bytes after every run.</summary>
    public FlashRange? KeyBlock { get; init; }

    /// <summary>The image the session is given.</summary>
    public byte[] ImageToWrite => Image ?? New;

    /// <summary>The drive keeps its flash in an SPI part behind the buffer mailbox (executes, buffer writes and reads).</summary>
    public bool IsSpi { get; init; }

    /// <summary>An SPI drive: the dialect and maker of its virtual drive (null: a parallel drive).</summary>
    public (SpiDialect Dialect, SpiDriveMaker Maker)? Spi { get; init; }

    public static ImageFamily FamilyFor(int size) => size switch
    {
        0x80000 => ImageFamilies.Get("LTR-52327S"),
        0x100000 => ImageFamilies.Get("LDW-411S"),
        0x200000 => ImageFamilies.Get("MT1939"),
        _ => throw new ArgumentException($"no family of {size} bytes"),
    };

    /// <summary>Full rewrite: the flash holds all 00h (nothing survives), the image is written whole, boot block included.</summary>
    public static BenchCase Full(ChipSpec chip, int seed)
    {
        var family = FamilyFor(chip.SizeBytes);
        var image = SyntheticImage.Build(family, chip.SizeBytes, "R200", seed);
        return new BenchCase("full", chip, family, new byte[chip.SizeBytes], image, WriteBootCode: true);
    }

    /// <summary>
    /// Realistic update: same drive, old revision → new revision. Two 64 KiB banks of code are replaced (bank 1,
    /// which carries the identity in search-identity families, and one in the middle) and the checksum is fixed,
    /// so everything else — boot block, other banks, the large FFh padding — is identical.
    /// </summary>
    public static BenchCase Update(ChipSpec chip, int seed)
    {
        var family = FamilyFor(chip.SizeBytes);
        var old = SyntheticImage.Build(family, chip.SizeBytes, "R100", seed);
        var other = SyntheticImage.Build(family, chip.SizeBytes, "R101", seed);
        var image = (byte[])old.Clone();
        var banks = chip.SizeBytes / FlashSize.Bank;
        foreach (var bank in new[] { 1, (banks / 2) + 1 })
            Array.Copy(other, bank * FlashSize.Bank, image, bank * FlashSize.Bank, FlashSize.Bank);
        if (family.Validity.CanFix)
            family.Validity.Fix(image);
        return new BenchCase("update", chip, family, old, image, WriteBootCode: false);
    }

    public FlashRange BootBlock => new((uint)Family.BootBlock.Start, (uint)Family.BootBlock.Length);
}
