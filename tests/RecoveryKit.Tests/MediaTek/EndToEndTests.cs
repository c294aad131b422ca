using RecoveryKit.Emulation;
using RecoveryKit.Firmware;
using RecoveryKit.MediaTek;
using RecoveryKit.Profiles;

namespace RecoveryKit.Tests.MediaTek;

public sealed class EndToEndTests
{
    [Theory]
    [InlineData("LTR-52327S", "SST39SF040")]
    [InlineData("LTR-52327S", "Am29F040B")]
    [InlineData("LDW-411S", "SST39VF080")]
    [InlineData("LDW-411S", "Am29F080B")]
    public void Dead_drive_is_flashed_verified_and_answers_INQUIRY_with_the_new_revision(string profile, string chip)
    {
        using var rig = MtkRig.Create(new MtkDriveSetup(profile, chip, "OLD1", "NEW2", Corruption.HalfWritten, 7));
        Assert.Equal(MtkDriveMode.BootCode, rig.Drive.Mode);

        var outcome = rig.Run();

        Assert.Equal(chip, outcome.Chip.Name);
        Assert.True(rig.Flash.Contents.SequenceEqual(rig.Image));
        Assert.All(outcome.Report.States.Where((_, i) => outcome.Plan.Sectors.Any(s => s.Sector.Index == i && s.Action != SectorAction.Keep)), s => Assert.Equal(SectorState.New, s));
        Assert.True(outcome.Outro.CameBack, outcome.Outro.State);
        Assert.Equal("NEW2", outcome.Outro.Inquiry!.Revision);
        Assert.Equal("NEW2", rig.Inquiry()!.Revision);
        Assert.Equal(MtkDriveMode.Firmware, rig.Drive.Mode);
        Assert.Equal(0, rig.Drive.MailboxProtocolErrors);
        Assert.Equal(0, rig.Flash.NeedlessFFPrograms);
    }
}
