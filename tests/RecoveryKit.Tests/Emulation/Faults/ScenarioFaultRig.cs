using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.Firmware;
using RecoveryKit.MediaTek;
using RecoveryKit.Profiles;

namespace RecoveryKit.Tests.Emulation.Faults;

/// <summary>
/// The issue-13 cases of the fault campaign (bench/RecoveryKit.Bench, scripts/faults.sh), so a run replays here with its
/// seed: a practice scenario's own virtual drive (sim:NAME) alone on secondary master, flashed with its practice image
/// by FlashSession (the 'flash' code path, --yes), judged only from the virtual drive's flash.
/// </summary>
internal sealed class ScenarioFaultRig : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rk-spi-fault-test-");

    public ScenarioFaultRig(string scenario, MtkFaultPlan? faults = null, byte[]? flash = null)
    {
        Setup = MtkScenarios.Setups[scenario].Setup;
        Chip = ProfileCatalog.FindChip(Setup.Chip)!;
        Old = flash ?? Setup.InitialFlash();
        Image = Setup.RecoveryImage();
        // Issue 13 item 4: the drive keeps its own key block when the image carries another (unless --take-image-key);
        // a blank one takes the image's.
        Expected = (byte[])Image.Clone();
        if (Setup.KeyBlockAt is { } at && Old.AsSpan(at, Setup.KeyBlockLength).IndexOfAnyExcept((byte)0xFF) >= 0)
            Old.AsSpan(at, Setup.KeyBlockLength).CopyTo(Expected.AsSpan(at));
        Clock = new VirtualClock();
        Drive = Setup.Create(Clock, faults, Old);
        Channel = new VirtualChannel(Clock, ChannelAddress.Secondary, Drive, null);
    }

    public MtkDriveSetup Setup { get; }
    public ChipSpec Chip { get; }
    public byte[] Old { get; }
    public byte[] Image { get; }

    /// <summary>What the flash must hold once the image is in: the image, with the drive's own key block kept.</summary>
    public byte[] Expected { get; }

    public VirtualClock Clock { get; }
    public VirtualMtkDrive Drive { get; }
    public VirtualChannel Channel { get; }
    public byte[] FlashNow => Drive.Memory.Contents.ToArray();

    /// <summary>The drive's own key block as the flash holds it now (empty when the drive has none).</summary>
    public byte[] KeyBlockNow => Setup.KeyBlockAt is { } at ? Drive.Memory.Contents.Slice(at, Setup.KeyBlockLength).ToArray() : [];

    public byte[] ExpectedKeyBlock => Setup.KeyBlockAt is { } at ? Expected.AsSpan(at, Setup.KeyBlockLength).ToArray() : [];

    private int _runs;

    /// <summary>The key-block journals' folder the runs share, as the CLI's keys/ in the data folder.</summary>
    public string KeyJournalFolder => Path.Combine(_dir.FullName, "keys");

    /// <summary>
    /// One 'flash' session with --yes (the backup written twice, as the CLI does for a drive with a key block); each run
    /// keeps its backups in a folder of its own, as the CLI's new names do. <paramref name="tryLocked"/>: --try-locked.
    /// </summary>
    public FlashOutcome Flash(bool tryLocked = false)
    {
        var run = Directory.CreateDirectory(Path.Combine(_dir.FullName, $"run{++_runs}")).FullName;
        return FlashSession.Run(new AtaHost(Channel), DeviceSelect.Master, "test", new FlashRequest
        {
            Image = Image,
            ImageName = "practice.bin",
            Profile = Setup.DriveProfile,
            Family = Setup.Family,
            BackupPath = Path.Combine(run, "backup.bin"),
            SecondBackupPath = Setup.KeyBlockAt is null ? null : Path.Combine(run, "backup-copy.bin"),
            KeyJournalFolder = Setup.KeyBlockAt is null ? null : KeyJournalFolder,
            AcceptLocked = tryLocked,
        });
    }

    /// <summary>A run that must fail typed; returns its failure.</summary>
    public Failure FlashFails() => Assert.Throws<RecoveryKitException>(() => Flash()).Failure;

    /// <summary>
    /// Every sector the failure gives a definite state (old, new, erased) holds exactly that in the virtual drive's flash;
    /// an unknown one is allowed. A failure without a sector map must have stopped before the first erase: all old.
    /// </summary>
    public void AssertReportedStatesHold(Failure failure)
    {
        var flash = Drive.Memory.Contents;
        foreach (var sector in Chip.Sectors)
        {
            var have = flash.Slice((int)sector.Start, sector.Size);
            var state = failure.SectorStates is { } states ? states[sector.Index] : SectorState.Old;
            switch (state)
            {
                case SectorState.Old:
                    Assert.True(have.SequenceEqual(Old.AsSpan((int)sector.Start, sector.Size)), $"sector {sector.Index} reported old is not ({failure})");
                    break;
                case SectorState.New:
                    Assert.True(have.SequenceEqual(Expected.AsSpan((int)sector.Start, sector.Size)), $"sector {sector.Index} reported new is not ({failure})");
                    break;
                case SectorState.Erased:
                    Assert.True(have.IndexOfAnyExcept((byte)0xFF) < 0, $"sector {sector.Index} reported erased is not ({failure})");
                    break;
            }
        }
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
