using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Discovery;

namespace RecoveryKit.Tests.Discovery;

public class IdeDiscoveryTests
{
    private static DiscoveryReport Scan(string fixture)
    {
        using var sysfs = SysfsFixture.Load(fixture);
        return IdeDiscovery.Scan(sysfs.Root);
    }

    [Fact]
    public void Piix_legacy_channels_are_found_with_their_libata_ports()
    {
        var report = Scan("piix-legacy");

        var controller = Assert.Single(report.Controllers);
        Assert.Equal("0000:00:01.1", controller.Address);
        Assert.Equal(0x01018Au, controller.ClassCode);
        Assert.Equal((ushort)0x8086, controller.VendorId);
        Assert.Equal((ushort)0x7010, controller.DeviceId);
        Assert.Equal("ata_piix", controller.Driver);
        Assert.Empty(report.Notes);

        Assert.Equal(
            [
                new IdeChannel("0000:00:01.1", 0, ChannelAddress.Primary, ChannelMode.Legacy, "ata_piix", 1),
                new IdeChannel("0000:00:01.1", 1, ChannelAddress.Secondary, ChannelMode.Legacy, "ata_piix", 2),
            ],
            controller.Channels);
        Assert.Equal([DevicePosition.PrimaryMaster, DevicePosition.PrimarySlave], controller.Channels[0].Positions);
        Assert.Equal([DevicePosition.SecondaryMaster, DevicePosition.SecondarySlave], controller.Channels[1].Positions);
    }

    [Fact]
    public void An_owned_channel_is_refused_with_the_libata_force_and_unbind_remedies()
    {
        var report = Scan("piix-legacy");

        var e = Assert.Throws<RecoveryKitException>(() => report.SelectLegacy(DevicePosition.SecondarySlave, forceKernelOwned: false));
        Assert.Equal(FailureKind.Environment, e.Failure.Kind);
        Assert.Contains("ata_piix owns the secondary channel 0x170/0x376 of 0000:00:01.1 as ata2", e.Failure.Cause);
        Assert.Contains("libata.force=2:disable", e.Failure.Advice);
        Assert.Contains("echo 0000:00:01.1 > /sys/bus/pci/drivers/ata_piix/unbind", e.Failure.Advice);
        Assert.Contains("--force-kernel-owned", e.Failure.Advice);

        var primary = Assert.Throws<RecoveryKitException>(() => report.SelectLegacy(DevicePosition.PrimaryMaster, false));
        Assert.Contains("libata.force=1:disable", primary.Failure.Advice);
    }

    [Fact]
    public void Force_flag_lets_an_owned_channel_through()
    {
        var report = Scan("piix-legacy");
        var channel = report.SelectLegacy(DevicePosition.SecondaryMaster, forceKernelOwned: true);
        Assert.Equal(ChannelAddress.Secondary, channel.Address);
        Assert.True(channel.IsKernelOwned);
    }

    [Fact]
    public void Native_mode_channels_take_their_ports_from_the_bars_and_match_only_their_own_ata_ports()
    {
        var report = Scan("native-mode");

        var controller = Assert.Single(report.Controllers);
        Assert.Equal("pata_via", controller.Driver);
        Assert.Equal(
            [
                new IdeChannel("0000:02:05.0", 0, new ChannelAddress(0xD000, 0xD102), ChannelMode.Native, "pata_via", 3),
                new IdeChannel("0000:02:05.0", 1, new ChannelAddress(0xD200, 0xD302), ChannelMode.Native, "pata_via", 4),
            ],
            controller.Channels);
        Assert.All(controller.Channels, c => Assert.Empty(c.Positions));

        var e = Assert.Throws<RecoveryKitException>(() => report.Select(new ChannelAddress(0xD200, 0xD302), false));
        Assert.Contains("libata.force=4:disable", e.Failure.Advice);
        Assert.Contains("/sys/bus/pci/drivers/pata_via/unbind", e.Failure.Advice);
    }

    [Fact]
    public void A_native_only_machine_has_no_legacy_position()
    {
        var report = Scan("native-mode");
        var e = Assert.Throws<RecoveryKitException>(() => report.SelectLegacy(DevicePosition.PrimaryMaster, true));
        Assert.Equal(FailureKind.NoDevice, e.Failure.Kind);
        Assert.Contains("position 1 (primary master)", e.Failure.Cause);
        Assert.Contains("0xD000/0xD102", e.Failure.Advice);
    }

    [Fact]
    public void Ahci_only_gives_no_channel_and_the_bios_advice()
    {
        var report = Scan("ahci-only");

        Assert.Empty(report.Controllers);
        var note = Assert.Single(report.Notes);
        Assert.Equal(UnusableControllerKind.Ahci, note.Kind);
        Assert.Equal("0000:00:1f.2", note.Address);
        Assert.Equal("ahci", note.Driver);
        Assert.Contains("IDE / Legacy / Compatible", note.Advice);

        var e = Assert.Throws<RecoveryKitException>(() => report.SelectLegacy(DevicePosition.PrimaryMaster, false));
        Assert.Equal(FailureKind.NoDevice, e.Failure.Kind);
        Assert.Contains("switch the SATA mode to IDE / Legacy / Compatible in the BIOS", e.Failure.Advice, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("PATA port or a PATA card", e.Failure.Advice);
        Assert.Contains("AHCI has no task-file registers", e.Failure.Advice);
    }

    [Fact]
    public void Mixed_machine_lists_every_controller_and_honours_libata_force_disable()
    {
        var report = Scan("mixed");

        Assert.Equal(["0000:00:1f.1", "0000:03:00.1"], report.Controllers.Select(c => c.Address));
        var piix = report.Controllers[0];
        Assert.Equal(
            [
                new IdeChannel("0000:00:1f.1", 0, ChannelAddress.Primary, ChannelMode.Legacy, "ata_piix", 5, DisabledOnCommandLine: true),
                new IdeChannel("0000:00:1f.1", 1, ChannelAddress.Secondary, ChannelMode.Legacy, "ata_piix", 6),
            ],
            piix.Channels);

        // Port 5 is released as a whole; "6.01:disable" only disables one device, so ata6 still belongs to ata_piix.
        Assert.False(piix.Channels[0].IsKernelOwned);
        Assert.Null(piix.Channels[0].Remedy);
        Assert.Equal(ChannelAddress.Primary, report.SelectLegacy(DevicePosition.PrimarySlave, false).Address);
        Assert.Throws<RecoveryKitException>(() => report.SelectLegacy(DevicePosition.SecondaryMaster, false));

        var jmicron = report.Controllers[1];
        Assert.Null(jmicron.Driver);
        Assert.Equal([new IdeChannel("0000:03:00.1", 0, new ChannelAddress(0xEC00, 0xE882), ChannelMode.Native, null, null)], jmicron.Channels);
        Assert.Equal(jmicron.Channels[0], report.Select(new ChannelAddress(0xEC00, 0xE882), false));

        Assert.Equal(3, report.Notes.Count);
        Assert.Contains(report.Notes, n => n.Kind == UnusableControllerKind.Ahci && n.Address == "0000:00:1f.2");
        Assert.Contains(report.Notes, n => n.Kind == UnusableControllerKind.Raid && n.Driver == "megaraid_sas" && n.Advice.Contains("RAID mode"));
        Assert.Contains(report.Notes, n => n.Kind is null && n.Address == "0000:03:00.1" && n.Advice.Contains("BAR2/BAR3 hold no I/O ports"));
    }

    [Fact]
    public void Controller_without_a_driver_has_free_legacy_channels()
    {
        var report = Scan("no-driver");

        var controller = Assert.Single(report.Controllers);
        Assert.Null(controller.Driver);
        Assert.Equal(0x80, controller.ProgrammingInterface);
        Assert.All(controller.Channels, c =>
        {
            Assert.False(c.IsKernelOwned);
            Assert.Null(c.AtaPort);
            Assert.Null(c.Remedy);
        });
        Assert.Equal(ChannelAddress.Secondary, report.SelectLegacy(DevicePosition.SecondarySlave, false).Address);
        Assert.Equal(ChannelAddress.Primary, report.Select(ChannelAddress.Primary, false).Address);
    }

    [Fact]
    public void An_empty_root_reports_nothing_and_says_so()
    {
        var root = Path.Combine(Path.GetTempPath(), $"rk-empty-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        try
        {
            var report = IdeDiscovery.Scan(root);
            Assert.Empty(report.Controllers);
            Assert.Empty(report.Notes);
            var e = Assert.Throws<RecoveryKitException>(() => report.SelectLegacy(DevicePosition.PrimaryMaster, false));
            Assert.Contains("no PCI IDE controller", e.Failure.Advice);
        }
        finally
        {
            Directory.Delete(root);
        }
    }

    [Theory]
    [InlineData("ro quiet", new int[0])]
    [InlineData("libata.force=1:disable", new[] { 1 })]
    [InlineData("libata.force=3:disable,4:udma2 libata.force=7:disable", new[] { 3, 7 })]
    [InlineData("libata.force=2.00:disable,noncq", new int[0])]
    [InlineData("libata.force=disable", new int[0])]
    public void Libata_force_disable_entries_are_read_per_port(string cmdline, int[] expected) =>
        Assert.Equal(expected.Order(), IdeDiscovery.ParseLibataForceDisabled(cmdline).Order());
}

public class IoPortClaimTests
{
    [Fact]
    public void A_driver_holding_the_legacy_ports_without_a_pci_binding_owns_the_channel()
    {
        using var sysfs = SysfsFixture.Load("legacy-claimed");
        var report = IdeDiscovery.Scan(sysfs.Root);

        var controller = Assert.Single(report.Controllers);
        Assert.Null(controller.Driver);
        Assert.Equal("pata_legacy", controller.Channels[0].PortClaimant);
        Assert.True(controller.Channels[0].IsKernelOwned);
        Assert.Null(controller.Channels[1].PortClaimant);
        Assert.False(controller.Channels[1].IsKernelOwned);

        var e = Assert.Throws<RecoveryKitException>(() => report.SelectLegacy(DevicePosition.PrimaryMaster, false));
        Assert.Equal(FailureKind.Environment, e.Failure.Kind);
        Assert.Contains("pata_legacy owns the primary channel 0x1F0/0x3F6", e.Failure.Cause);
        Assert.Contains("modprobe -r pata_legacy", e.Failure.Advice);
        Assert.Equal(ChannelAddress.Secondary, report.SelectLegacy(DevicePosition.SecondaryMaster, false).Address);
    }

    [Fact]
    public void Ioports_of_a_bound_driver_do_not_change_the_libata_remedy()
    {
        using var sysfs = SysfsFixture.Load("piix-legacy");
        var channel = IdeDiscovery.Scan(sysfs.Root).Channels.First();
        Assert.Null(channel.PortClaimant);
        Assert.Contains("libata.force=1:disable", channel.Remedy);
    }

    [Fact]
    public void Ioports_lines_are_parsed_with_their_nesting_ignored()
    {
        var ranges = IdeDiscovery.ParseIoPorts("0000-0cf7 : PCI Bus 0000:00\n  01f0-01f7 : 0000:00:01.1\n    01f0-01f7 : ata_piix\nbogus line\n");
        Assert.Equal(
            [
                new IdeDiscovery.IoPortRange(0x0000, 0x0CF7, "PCI Bus 0000:00"),
                new IdeDiscovery.IoPortRange(0x01F0, 0x01F7, "0000:00:01.1"),
                new IdeDiscovery.IoPortRange(0x01F0, 0x01F7, "ata_piix"),
            ],
            ranges);
    }
}
