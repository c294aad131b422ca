using RecoveryKit.Ata;
using RecoveryKit.Emulation;
using RecoveryKit.Firmware;
using RecoveryKit.MediaTek;
using RecoveryKit.Profiles;

namespace RecoveryKit.Tests.Emulation.Faults;

/// <summary>
/// The set-up of the issue-8 fault campaign (bench/RecoveryKit.Bench, scripts/faults.sh), so a bad outcome found
/// there replays here with its seed: a virtual SST39SF040 (512 KiB, 4 KiB sectors) alone on a channel, holding an
/// old revision, and an update that replaces two 64 KiB banks (boot block identical), flashed with FlashSession.
/// </summary>
internal sealed class FaultRig : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rk-fault-test-");

    public FaultRig(MtkFaultPlan? faults = null)
    {
        Chip = ProfileCatalog.FindChip("SST39SF040")!;
        Family = ImageFamilies.Get("LTR-52327S");
        Profile = ProfileCatalog.FindDrive("LDW-411S")!;
        Old = SyntheticImage.Build(Family, Chip.SizeBytes, "R100", 52327);
        var other = SyntheticImage.Build(Family, Chip.SizeBytes, "R101", 52327);
        New = (byte[])Old.Clone();
        var banks = Chip.SizeBytes / FlashSize.Bank;
        foreach (var bank in new[] { 1, (banks / 2) + 1 })
            Array.Copy(other, bank * FlashSize.Bank, New, bank * FlashSize.Bank, FlashSize.Bank);
        Family.Validity.Fix(New);
        Clock = new VirtualClock();
        var boot = new DriveIdentityStrings(Profile.Vendor, Profile.Products[0], "    ", "MTKBOOT0001");
        Drive = new VirtualMtkDrive(Profile, new FlashChipModel(Chip, Clock, Old), _ => false, _ => null, boot, faults);
        Channel = new VirtualChannel(Clock, ChannelAddress.Secondary, Drive, null);
    }

    public ChipSpec Chip { get; }
    public ImageFamily Family { get; }
    public DriveProfile Profile { get; }
    public byte[] Old { get; }
    public byte[] New { get; }
    public VirtualClock Clock { get; }
    public VirtualMtkDrive Drive { get; }
    public VirtualChannel Channel { get; }
    public string BackupPath => Path.Combine(_dir.FullName, "backup.bin");

    /// <summary>One 'flash' session with --yes.</summary>
    public FlashOutcome Flash()
    {
        foreach (var f in _dir.GetFiles())
            f.Delete();
        return FlashSession.Run(new AtaHost(Channel), DeviceSelect.Master, "test", new FlashRequest
        {
            Image = New,
            ImageName = "update.bin",
            Profile = Profile,
            Family = Family,
            BackupPath = BackupPath,
        });
    }

    /// <summary>Sectors whose contents are neither the old nor the new image's.</summary>
    public IReadOnlyList<int> SectorsNeitherOldNorNew()
    {
        var flash = Drive.Flash.Contents;
        var list = new List<int>();
        foreach (var s in Chip.Sectors)
        {
            var have = flash.Slice((int)s.Start, s.Size);
            if (!have.SequenceEqual(Old.AsSpan((int)s.Start, s.Size)) && !have.SequenceEqual(New.AsSpan((int)s.Start, s.Size)))
                list.Add(s.Index);
        }
        return list;
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
