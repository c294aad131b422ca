using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Profiles;

namespace RecoveryKit.MediaTek;

/// <summary>
/// A drive in vendor mode with its flash chip identified: what 'backup', 'verify', 'erase' and 'identify' work
/// on. Opening one goes through <see cref="FlashTarget.Acquire"/>, so a hard disk is refused before any vendor command.
/// </summary>
public sealed class VendorSession
{
    private VendorSession(VendorMode vendor, IntroResult intro, ChipId id, IFlashEngine chip)
    {
        Vendor = vendor;
        Intro = intro;
        Id = id;
        Chip = chip;
    }

    public VendorMode Vendor { get; }
    public IntroResult Intro { get; }
    public ChipId Id { get; }
    /// <summary>The flash engine, JEDEC or SPI, over the framing the profile names.</summary>
    public IFlashEngine Chip { get; }

    public static VendorSession Open(AtaHost host, DeviceSelect device, string where, DriveProfile profile, ChipSpec? chipOverride,
        Func<IntroResult, int, bool>? powerCycle, IProgress<StageEvent>? stages, Discovery.SharedChannelGuard? neighbour = null, bool acceptLocked = false)
    {
        var target = FlashTarget.Acquire(host, device, profile, where, neighbour: neighbour, acceptLocked: acceptLocked);
        return Open(target, chipOverride, powerCycle, stages);
    }

    /// <summary>Vendor mode and the chip on a position already proven to hold a drive this profile covers.</summary>
    public static VendorSession Open(FlashTarget target, ChipSpec? chipOverride, Func<IntroResult, int, bool>? powerCycle, IProgress<StageEvent>? stages)
    {
        var host = target.Host;
        var device = target.Device;
        var profile = target.Profile;
        stages?.Report(new StageEvent("target", target.Identity is { } q
            ? $"{target.Where} is an ATAPI drive: {q.Vendor.Trim()} {q.Product.Trim()} {q.Revision.Trim()}"
            : $"{target.Where} is an ATAPI device running only its boot code (it cannot say what it is)"));
        var vendor = new VendorMode(target);
        var intro = vendor.Enter(powerCycle);
        var locked = intro.Meaning == VendorStatusMeaning.SpiLocked;
        stages?.Report(new StageEvent("vendor-intro", locked
            ? $"vendor mode entered at the locked status {intro.Status:X2}h (key {intro.Key:X2}h). {intro.Advice}"
            : $"vendor mode entered (status {intro.Status:X2}h, key {intro.Key:X2}h)"));
        if (profile.Framing.Value == FlashFraming.SpiBuffer)
        {
            // A session entered at the locked status keeps answering it while ready (the drive decided it at the intro).
            var spi = new SpiBufferMailbox(host.Registers, device, profile, readyStatus: intro.Status);
            var spiId = SpiFlashChip.ReadId(spi);
            if (locked && spiId.IsNoAnswer && chipOverride is null)
                throw LockHidesFlash(vendor, intro, $"no flash chip answered the ID command (read {spiId})");
            var spiSpec = ChooseChip(spiId, chipOverride, stages, FlashBusKind.Spi);
            var spiChip = new SpiFlashChip(spi, spiSpec, host.Clock);
            if (locked)
                CheckLockedFlashReads(vendor, intro, spiChip, stages);
            return new VendorSession(vendor, intro, spiId, spiChip);
        }
        IFlashBus mailbox = profile.Framing.Value == FlashFraming.CommandRegister
            ? new CommandRegisterMailbox(host.Registers, device, profile)
            : new Mailbox(host.Registers, device, profile);
        var id = FlashChip.ReadId(mailbox);
        FlashChip.ExitIdMode(mailbox);
        var spec = ChooseChip(id, chipOverride, stages, FlashBusKind.Parallel);
        return new VendorSession(vendor, intro, id, new FlashChip(mailbox, spec, host.Clock));
    }

    /// <summary>
    /// --try-locked, checked on the drive before anything can be erased: 52h claims the first 200h bytes are not blank
    /// ([F] geremia-12956). If two reads of them agree and are not all FFh, the drive lets its flash be read and the
    /// session goes on (the SPI engine clears the block protection before it erases). If they read blank, the lock hides
    /// the flash: a backup would be empty and a differential write would rewrite everything blind, so the drive leaves
    /// vendor mode and the run stops with nothing changed.
    /// </summary>
    private static void CheckLockedFlashReads(VendorMode vendor, IntroResult intro, IFlashEngine chip, IProgress<StageEvent>? stages)
    {
        var head = new byte[Math.Min(0x200, chip.Spec.SizeBytes)];
        chip.ReadConfirmed(0, head);
        if (head.AsSpan().IndexOfAnyExcept((byte)0xFF) >= 0)
        {
            stages?.Report(new StageEvent("locked-check", $"the drive answered {intro.Status:X2}h (locked) and its first {head.Length:X}h flash bytes read back, not blank, as that status says: going on (--try-locked)"));
            return;
        }
        throw LockHidesFlash(vendor, intro, $"its first {head.Length:X}h flash bytes read back blank");
    }

    /// <summary>Leaves vendor mode (best effort) and builds the --try-locked refusal: the lock hides the flash.</summary>
    private static RecoveryKitException LockHidesFlash(VendorMode vendor, IntroResult intro, string what)
    {
        try
        {
            vendor.Exit();
        }
        catch (RecoveryKitException)
        {
            // The refusal below is what the technician needs; a failed outro is left to the next run's vendor-status check.
        }
        return new RecoveryKitException(new Failure(FailureKind.FlashProtected, "locked-check",
            $"the drive answered {intro.Status:X2}h (SPI flash locked, first 200h bytes not blank), but {what}: the lock hides the flash, so nothing can be backed up or written safely; nothing was changed",
            "Leave the drive as it is. The known way on is the Lite-On erase ('recoverykit erase POS --liteon-erase') with a backup of this drive taken earlier; without one, the drive's key block would be lost.")
        { Status = intro.Status });
    }

    /// <summary>The chip from the table that answered <paramref name="id"/>, or the override; refuses to guess.</summary>
    public static ChipSpec ChooseChip(ChipId id, ChipSpec? chosen, IProgress<StageEvent>? stages, FlashBusKind bus = FlashBusKind.Parallel)
    {
        var known = ProfileCatalog.FindChip(bus, id.Manufacturer, id.Device);
        var names = string.Join(", ", ProfileCatalog.Chips.Where(c => c.Bus == bus).Select(c => c.Name));
        if (chosen is not null && chosen.Bus != bus)
            throw new RecoveryKitException(FailureKind.Usage, "flash-chip",
                $"--flash-chip {chosen.Name} is a {(chosen.Bus == FlashBusKind.Spi ? "SPI" : "parallel")} part, but this drive's flash is {(bus == FlashBusKind.Spi ? "SPI" : "parallel")}",
                $"Use one of: {names}.");
        if (chosen is not null)
        {
            stages?.Report(new StageEvent("chip-id", known is not null && known != chosen
                ? $"the chip answered {id} ({known.Name}), but --flash-chip says {chosen.Name}: using {chosen.Name}"
                : $"chip ID {id}; using {chosen.Name} as --flash-chip says"));
            return chosen;
        }
        if (id.IsNoAnswer)
            throw new RecoveryKitException(FailureKind.ChipUnknown, "chip-id",
                $"no flash chip answered the ID sequence (read {id})",
                $"Read the part number printed on the drive's flash chip and give it with --flash-chip NAME ({names}).");
        if (known is null)
            throw new RecoveryKitException(FailureKind.ChipUnknown, "chip-id",
                $"the flash chip answered {id}, which is not in the chip table",
                $"Check the part number on the chip and give it with --flash-chip NAME if it is one of: {names}.");
        stages?.Report(new StageEvent("chip-id", $"{known} (grade {known.Grade})"));
        return known;
    }

    /// <summary>Reads the whole chip.</summary>
    public byte[] ReadAll()
    {
        var contents = new byte[Chip.Spec.SizeBytes];
        Chip.ReadConfirmed(0, contents);
        return contents;
    }
}

/// <summary>The read-only and guarded whole-chip operations: backup, verify, erase.</summary>
public static class FlashOperations
{
    /// <summary>Reads every byte of the flash into a new file; returns the path written.</summary>
    public static string Backup(VendorSession session, string path, IProgress<StageEvent>? stages)
    {
        var reserved = BackupStore.Reserve(path, session.Chip.Spec.SizeBytes);
        var contents = session.ReadAll();
        BackupStore.Write(reserved, contents);
        stages?.Report(new StageEvent("backup", $"{contents.Length / 1024} KiB saved to {reserved}"));
        return reserved;
    }

    /// <summary>Compares the flash with an image; returns the differing sectors (empty: identical).</summary>
    public static IReadOnlyList<FlashSector> Verify(VendorSession session, ReadOnlySpan<byte> image, IProgress<StageEvent>? stages)
    {
        var spec = session.Chip.Spec;
        if (image.Length != spec.SizeBytes)
            throw new RecoveryKitException(FailureKind.ImageRejected, "verify",
                $"the image is {image.Length / 1024} KiB, the drive's {spec.Name} holds {spec.SizeBytes / 1024} KiB", "Compare with an image of the chip's size.");
        var contents = session.ReadAll();
        var differing = new List<FlashSector>();
        foreach (var sector in spec.Sectors)
        {
            if (!contents.AsSpan((int)sector.Start, sector.Size).SequenceEqual(image.Slice((int)sector.Start, sector.Size)))
                differing.Add(sector);
        }
        stages?.Report(new StageEvent("verify", differing.Count == 0 ? "the flash holds exactly this image" : $"{differing.Count} of {spec.Sectors.Count} sectors differ"));
        return differing;
    }

    /// <summary>
    /// Erases the chip: backup first (written and read back), then every sector outside the boot block — or the
    /// whole chip when <paramref name="includeBootBlock"/> — and checks that it reads FFh.
    /// </summary>
    public static string Erase(VendorSession session, FlashRange bootBlock, bool includeBootBlock, string backupPath, IProgress<StageEvent>? stages)
    {
        var saved = Backup(session, backupPath, stages);
        var spec = session.Chip.Spec;
        var buffer = new byte[spec.Sectors.Max(s => s.Size)];
        var erased = 0;
        foreach (var sector in spec.Sectors)
        {
            if (!includeBootBlock && bootBlock.Overlaps(sector.Start, (uint)sector.Size))
                continue;
            var read = buffer.AsSpan(0, sector.Size);
            session.Chip.Read(sector.Start, read);
            if (read.IndexOfAnyExcept((byte)0xFF) < 0)
                continue; // already blank
            session.Chip.EraseSector(sector);
            session.Chip.Read(sector.Start, read);
            if (read.IndexOfAnyExcept((byte)0xFF) is var at and >= 0)
                throw new RecoveryKitException(FailureKind.VerifyFailed, "erase",
                    $"sector {sector.Index} still holds {read[at]:X2}h at {sector.Start + (uint)at:X6}h after erase",
                    $"The flash may be worn or write-protected. The backup is {saved}.");
            erased++;
        }
        stages?.Report(new StageEvent("erase", $"{erased} {(erased == 1 ? "sector" : "sectors")} erased{(includeBootBlock ? " (boot block included)" : ", boot block kept")}; backup {saved}"));
        return saved;
    }
}
