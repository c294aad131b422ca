using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.MediaTek;
using RecoveryKit.Profiles;

namespace RecoveryKit.Tests.MediaTek;

/// <summary>A part that does not answer the ID sequence: never guessed, --flash-chip asked for and honoured.</summary>
public sealed class ChipIdSessionTests
{
    [Theory]
    [InlineData(0x00)]
    [InlineData(0xFF)]
    [InlineData(0x90)]
    public void No_ID_answer_fails_ChipUnknown_naming_flash_chip_before_any_backup_or_erase(int value)
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        rig.Channel.WireFault = new SilentIdReads(rig.Drive, (byte)value);
        var before = rig.Flash.Contents.ToArray();
        var request = rig.Request();

        var failure = rig.Fails(request);

        Assert.Equal(FailureKind.ChipUnknown, failure.Kind);
        Assert.Equal("chip-id", failure.Stage);
        Assert.Contains("--flash-chip", failure.Advice);
        Assert.Contains("SST39VF080", failure.Advice);
        Assert.Contains($"{value:X2}h/{value:X2}h", failure.Cause);
        Assert.True(rig.Flash.Contents.SequenceEqual(before));
        Assert.Equal(0, rig.Flash.SectorErases);
        Assert.Equal(0, new FileInfo(request.BackupPath).Exists ? new FileInfo(request.BackupPath).Length : 0);
    }

    [Fact]
    public void No_ID_answer_with_a_chip_override_recovers_the_drive()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        rig.Channel.WireFault = new SilentIdReads(rig.Drive, 0x00);

        var outcome = rig.Run(rig.Request(chip: ProfileCatalog.FindChip("SST39VF080")));

        Assert.Equal("SST39VF080", outcome.Chip.Name);
        Assert.True(outcome.Id.IsNoAnswer);
        Assert.Equal("FS0J", outcome.Outro.Inquiry!.Revision);
        Assert.True(rig.Flash.Contents.SequenceEqual(rig.Image));
    }

    [Fact]
    public void An_override_of_the_wrong_size_is_refused_before_anything_is_written()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        var before = rig.Flash.Contents.ToArray();

        var failure = rig.Fails(rig.Request(chip: ProfileCatalog.FindChip("SST39SF040")));

        Assert.Equal(FailureKind.ImageRejected, failure.Kind);
        Assert.True(rig.Flash.Contents.SequenceEqual(before));
    }
}
