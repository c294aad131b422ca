using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Discovery;
using RecoveryKit.Emulation;
using RecoveryKit.MediaTek;
using RecoveryKit.Profiles;

namespace RecoveryKit.Tests.Discovery;

/// <summary>
/// Issue 17, PROTOCOL.md §9: what the other device on the cable is (read-only identification only), the refusal before
/// the intro for a MediaTek-brand drive or a device that cannot say what it is, and the re-identification afterwards.
/// </summary>
public sealed class SharedChannelTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rk-shared-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static VirtualAtapiDrive Drive(string vendor, string product, string revision) => new(new DriveIdentityStrings(vendor, product, revision, "SERIAL0001"));

    /// <summary>A dead LDW-411S on secondary slave with <paramref name="master"/> in front of it.</summary>
    private static (VirtualChannel Channel, VirtualMtkDrive Dead) Cable(VirtualDevice? master)
    {
        var clock = new VirtualClock();
        var dead = MtkScenarios.Setups["dead-ldw411s"].Setup.Create(clock);
        return (new VirtualChannel(clock, ChannelAddress.Secondary, master, dead), dead);
    }

    [Fact]
    public void A_lite_on_drive_in_front_is_a_mediatek_brand_drive_named_by_its_inquiry()
    {
        var (channel, _) = Cable(Drive("LITE-ON", "LTR-52327S", "QS0C"));

        var n = SharedChannel.Inspect(new AtaHost(channel), DeviceSelect.Slave);

        Assert.Equal(NeighbourKind.MediaTekDrive, n.Kind);
        Assert.Equal(DeviceSelect.Master, n.Device);
        Assert.Equal("position 3 (secondary master, 0x170)", n.Where);
        Assert.Equal(new NeighbourIdentity("LITE-ON", "LTR-52327S", "QS0C"), n.Identity);
        Assert.Equal("Lite-On", n.Brand!.Name);
        Assert.Equal("F", n.Brand.Grade);
        Assert.True(n.IsRisk);
        Assert.Equal("LTR-52327S", n.ConfirmationWord);
    }

    [Theory]
    [InlineData("BTC", "DRW-1008IM", "BTC")]
    [InlineData("TSSTcorp", "CDDVDW TS-H653", "Samsung")]
    [InlineData("BENQ", "DVD DD DW1620", "BenQ")]
    [InlineData("PLDS", "DVD-ROM DG-16D2S", "PLDS")]
    public void Every_brand_of_the_list_is_recognised_by_its_inquiry_vendor(string vendor, string product, string brand)
    {
        var (channel, _) = Cable(Drive(vendor, product, "0001"));

        var n = SharedChannel.Inspect(new AtaHost(channel), DeviceSelect.Slave);

        Assert.Equal(NeighbourKind.MediaTekDrive, n.Kind);
        Assert.Equal(brand, n.Brand!.Name);
    }

    [Fact]
    public void A_drive_of_no_mediatek_brand_is_only_noted()
    {
        var (channel, _) = Cable(Drive("HL-DT-ST", "DVD-ROM GDR8163B", "0L23"));

        var n = SharedChannel.Inspect(new AtaHost(channel), DeviceSelect.Slave);

        Assert.Equal(NeighbourKind.OtherDrive, n.Kind);
        Assert.False(n.IsRisk);
        Assert.Null(n.Brand);
    }

    [Fact]
    public void A_hard_disk_is_told_apart_with_identify_device_and_gets_nothing_else()
    {
        var disk = SimScenarios.HardDisk();
        var (channel, dead) = Cable(disk);

        var n = SharedChannel.Inspect(new AtaHost(channel), DeviceSelect.Slave);

        Assert.Equal(NeighbourKind.HardDisk, n.Kind);
        Assert.Equal("ST340016A", n.Identity!.Model);
        Assert.Equal([AtaCommand.IdentifyPacketDevice, AtaCommand.IdentifyDevice], disk.CommandsReceived);
        Assert.Empty(dead.CommandsReceived);
    }

    [Fact]
    public void A_drive_running_only_its_boot_code_cannot_say_what_it_is_and_is_a_risk()
    {
        // The dead LDW-411S is the neighbour this time: a healthy Lite-On on the slave position is the one picked.
        var clock = new VirtualClock();
        var dead = MtkScenarios.Setups["dead-ldw411s"].Setup.Create(clock);
        var channel = new VirtualChannel(clock, ChannelAddress.Secondary, dead, Drive("LITE-ON", "LTR-52327S", "QS0C"));

        var n = SharedChannel.Inspect(new AtaHost(channel), DeviceSelect.Slave);

        Assert.Equal(NeighbourKind.Unidentified, n.Kind);
        Assert.Null(n.Identity);
        Assert.True(n.IsRisk);
        Assert.Equal("SECONDARY-MASTER", n.ConfirmationWord);
    }

    [Fact]
    public void An_empty_position_is_no_neighbour_whether_the_bus_floats_or_device_0_answers_for_it()
    {
        var clock = new VirtualClock();
        var dead = MtkScenarios.Setups["dead-ldw411s"].Setup.Create(clock);
        var alone = new VirtualChannel(clock, ChannelAddress.Secondary, dead, null);
        var (behindNothing, _) = Cable(null);

        Assert.Equal(NeighbourKind.None, SharedChannel.Inspect(new AtaHost(alone), DeviceSelect.Master).Kind);
        Assert.Equal(NeighbourKind.None, SharedChannel.Inspect(new AtaHost(behindNothing), DeviceSelect.Slave).Kind);
    }

    [Fact]
    public void Qemu_s_absent_master_next_to_the_drive_is_no_neighbour()
    {
        var clock = new VirtualClock();
        var dead = MtkScenarios.Setups["dead-ldw411s"].Setup.Create(clock);
        var channel = new VirtualChannel(clock, ChannelAddress.Secondary, new RecoveryKit.Tests.TestSupport.QemuAbsentMaster(), dead);

        var n = SharedChannel.Inspect(new AtaHost(channel), DeviceSelect.Slave);

        Assert.Equal(NeighbourKind.None, n.Kind);
    }

    private FlashRequest Request(MtkDriveSetup setup, SharedChannelGuard? guard) => new()
    {
        Image = setup.RecoveryImage(),
        ImageName = "fw.bin",
        Profile = setup.DriveProfile,
        Family = setup.Family,
        BackupPath = Path.Combine(_dir.FullName, $"backup-{Guid.NewGuid():N}.bin"),
        Neighbour = guard,
    };

    [Fact]
    public void Without_a_guard_a_flash_is_refused_and_both_drives_got_only_identification()
    {
        var neighbour = Drive("LITE-ON", "LTR-52327S", "QS0C");
        var (channel, dead) = Cable(neighbour);
        var before = dead.Flash.Contents.ToArray();

        var failure = Assert.Throws<RecoveryKitException>(() => FlashSession.Run(new AtaHost(channel), DeviceSelect.Slave, "position 4",
            Request(MtkScenarios.Setups["dead-ldw411s"].Setup, null))).Failure;

        Assert.Equal(FailureKind.SharedChannel, failure.Kind);
        Assert.Equal(16, (int)failure.Kind);
        Assert.Equal("neighbour", failure.Stage);
        Assert.Contains(CableAdvice.SharedChannelFix[1..], failure.Advice, StringComparison.Ordinal);
        // The picked drive was only classified (IDENTIFY DEVICE aborted, IDENTIFY PACKET DEVICE refused): no intro.
        Assert.Equal([AtaCommand.IdentifyDevice, AtaCommand.IdentifyPacketDevice], dead.CommandsReceived);
        Assert.Equal(0, dead.IntrosReceived);
        Assert.Equal([AtaCommand.IdentifyPacketDevice, AtaCommand.Packet], neighbour.CommandsReceived);
        Assert.Equal([(byte)0x12], neighbour.PacketOpcodes);
        Assert.Equal(before, dead.Flash.Contents.ToArray());
    }

    [Fact]
    public void Shared_channel_without_the_typed_confirmation_is_cancelled_before_the_intro()
    {
        var (channel, dead) = Cable(Drive("LITE-ON", "LTR-52327S", "QS0C"));
        Neighbour? asked = null;

        var failure = Assert.Throws<RecoveryKitException>(() => FlashSession.Run(new AtaHost(channel), DeviceSelect.Slave, "position 4",
            Request(MtkScenarios.Setups["dead-ldw411s"].Setup, new SharedChannelGuard(true, n => { asked = n; return false; })))).Failure;

        Assert.Equal(FailureKind.Cancelled, failure.Kind);
        Assert.Equal("LTR-52327S", asked!.ConfirmationWord);
        Assert.Equal(0, dead.IntrosReceived);
        Assert.DoesNotContain(AtaCommand.MediaTekVendor, dead.CommandsReceived);
    }

    [Fact]
    public void A_non_mediatek_neighbour_gets_a_one_line_note_and_the_flash_goes_on()
    {
        var (channel, _) = Cable(Drive("HL-DT-ST", "DVD-ROM GDR8163B", "0L23"));
        var notes = new List<StageEvent>();
        var guard = new SharedChannelGuard(false, null) { Stages = new Progress(notes) };

        var outcome = FlashSession.Run(new AtaHost(channel), DeviceSelect.Slave, "position 4", Request(MtkScenarios.Setups["dead-ldw411s"].Setup, guard));

        Assert.True(outcome.Outro.CameBack);
        var note = Assert.Single(notes, n => n.Stage == "neighbour");
        Assert.DoesNotContain('\n', note.Message);
        Assert.Contains("HL-DT-ST DVD-ROM GDR8163B 0L23", note.Message, StringComparison.Ordinal);
        Assert.Equal(NeighbourVerdict.Unchanged, guard.Recheck(new AtaHost(channel))!.Verdict);
    }

    [Fact]
    public void On_the_shared_cable_bench_the_neighbour_is_written_along_and_the_recheck_says_it_changed()
    {
        var scenario = SimScenarios.Find("shared-cable-ldw411s")!;
        var (setup, position) = MtkScenarios.Setups["shared-cable-ldw411s"];
        using var bench = scenario.Create();
        var neighbour = Assert.IsType<VirtualMtkDrive>(bench.DeviceAt(DevicePosition.SecondarySlave));
        var host = new AtaHost(bench.ChannelOf(position));
        var guard = new SharedChannelGuard(true, _ => true);

        var outcome = FlashSession.Run(host, position.Device(), "position 3", Request(setup, guard));
        var check = guard.Recheck(host)!;

        Assert.True(outcome.Outro.CameBack);
        Assert.NotEqual(MtkScenarios.SharedCableNeighbour.InitialFlash(), neighbour.Flash.Contents.ToArray());
        Assert.Equal(NeighbourVerdict.Changed, check.Verdict);
        Assert.Equal(new NeighbourIdentity("LITE-ON", "LTR-52327S", "QS0C"), check.Before.Identity);
        Assert.Equal(0x70, check.After.Status);
        Assert.Contains("CHANGED", check.Describe(), StringComparison.Ordinal);
        Assert.Contains("position 4", check.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void The_scan_based_check_of_the_wizard_classifies_as_the_live_one_does()
    {
        using var bench = SimScenarios.Find("shared-cable-ldw411s")!.Create();
        var reports = ChannelScanner.Scan(bench);
        var master = reports.Single(r => r.Position == DevicePosition.SecondaryMaster);
        var slave = reports.Single(r => r.Position == DevicePosition.SecondarySlave);

        var dead = SharedChannel.FromProbe(master.Probe, SharedChannel.Where(master));
        var lite = SharedChannel.FromProbe(slave.Probe, SharedChannel.Where(slave));

        Assert.Equal(NeighbourKind.MediaTekDrive, lite.Kind);
        Assert.Equal("position 4 (secondary slave, 0x170)", lite.Where);
        Assert.Equal(NeighbourKind.Unidentified, dead.Kind);
    }

    [Theory]
    [InlineData("LITE-ON ", null, true)]
    [InlineData("liteon", null, true)]
    [InlineData(null, "LITE-ON LTR-52327S", true)]
    [InlineData(null, "LITE-ONX LTR-52327S", false)]
    [InlineData("HL-DT-ST", "HL-DT-ST DVD-ROM GDR8163B", false)]
    [InlineData(null, null, false)]
    public void A_brand_matches_the_inquiry_vendor_or_the_first_word_of_the_model(string? vendor, string? model, bool matches)
    {
        var liteOn = ProfileCatalog.MediaTekBrands.Single(b => b.Name == "Lite-On");

        Assert.Equal(matches, liteOn.Matches(vendor, model));
    }

    private sealed class Progress(List<StageEvent> events) : IProgress<StageEvent>
    {
        public void Report(StageEvent value) => events.Add(value);
    }
}
