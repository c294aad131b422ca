using RecoveryKit.Ata;
using RecoveryKit.Emulation;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Tests.Emulation.Mtk;

/// <summary>
/// The built-in benches the CLI practises on: each drive is recovered where the scenario puts it, and its neighbours hear
/// nothing but the read-only identification of the device on the same cable (issue 17).
/// </summary>
public sealed class MtkScenarioTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rk-mtk-scenario-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData("dead-ldw411s")]
    [InlineData("dead-sohw832s-slave")]
    [InlineData("dead-ltr52327s")]
    [InlineData("update-ldw411s")]
    public void The_scenario_drive_is_recovered_at_its_position_and_its_neighbours_get_only_identification(string name)
    {
        var scenario = SimScenarios.Find(name)!;
        var (setup, position) = MtkScenarios.Setups[name];
        using var bench = scenario.Create();
        var drive = Assert.IsType<VirtualMtkDrive>(bench.DeviceAt(position));
        var others = DevicePositionExtensions.All.Where(p => p != position).Select(bench.DeviceAt).OfType<VirtualDevice>().ToList();
        var before = others.Select(d => d.CommandsReceived.ToList()).ToList();
        var host = new AtaHost(bench.ChannelOf(position));

        var outcome = FlashSession.Run(host, position.Device(), name, new FlashRequest
        {
            Image = scenario.RecoveryImage()!,
            ImageName = name + ".bin",
            Profile = setup.DriveProfile,
            Family = setup.Family,
            BackupPath = Path.Combine(_dir.FullName, "backup.bin"),
            PowerCycle = (_, n) => n <= 3 && bench.TryPowerCycle(position),
        });

        Assert.Equal(setup.NewRevision, outcome.Outro.Inquiry!.Revision);
        Assert.Equal(setup.Chip, outcome.Chip.Name);
        Assert.True(drive.Flash.Contents.SequenceEqual(setup.RecoveryImage()));
        Assert.Equal(0, drive.MailboxProtocolErrors);
        // Only IDENTIFY PACKET DEVICE, the PACKET carrying INQUIRY and IDENTIFY DEVICE (to tell a hard disk from a drive).
        byte[] identification = [AtaCommand.IdentifyPacketDevice, AtaCommand.Packet, AtaCommand.IdentifyDevice];
        for (var i = 0; i < others.Count; i++)
        {
            Assert.Equal(before[i], others[i].CommandsReceived.Take(before[i].Count));
            Assert.All(others[i].CommandsReceived.Skip(before[i].Count), c => Assert.Contains(c, identification));
        }
    }
}
