using RecoveryKit.Ata;
using RecoveryKit.Discovery;
using RecoveryKit.Emulation;
using RecoveryKit.Packet;

namespace RecoveryKit.Tests.Discovery;

public class SelftestTests
{
    private static readonly string[] AllChecks =
        ["bus", "signature", "identify-packet-device", "inquiry", "request-sense", "test-unit-ready", "read-lba-0"];

    private static SelftestReport Run(VirtualDevice? master, VirtualDevice? slave, DeviceSelect device)
    {
        var clock = new VirtualClock();
        var channel = new VirtualChannel(clock, ChannelAddress.Secondary, master, slave);
        return Selftest.Run(channel, device);
    }

    private static SelftestCheck Check(SelftestReport report, string name) => report.Checks.Single(c => c.Check == name);

    [Fact]
    public void A_healthy_drive_with_a_disc_passes_every_check_including_the_read()
    {
        var drive = SimScenarios.HealthyLiteOn();
        drive.HasMedium = true;
        var report = Run(drive, null, DeviceSelect.Master);

        Assert.Equal(AllChecks, report.Checks.Select(c => c.Check));
        Assert.All(report.Checks, c => Assert.Equal(SelftestVerdict.Pass, c.Verdict));
        Assert.True(report.Passed);
        Assert.Equal("master at 0x170", report.Target);
        Assert.Equal("ATAPI (14h/EBh)", Check(report, "signature").Result);
        Assert.Contains("SOHW-832S", Check(report, "identify-packet-device").Result);
        Assert.Equal("LITE-ON DVDRW SOHW-832S VS0C", Check(report, "inquiry").Result);
        Assert.Equal("2048 bytes", Check(report, "read-lba-0").Result);

        // Read-only: nothing but the four packet commands of the table reached the drive.
        Assert.Equal([ScsiOpcode.Inquiry, ScsiOpcode.RequestSense, ScsiOpcode.TestUnitReady, ScsiOpcode.Read10], drive.PacketOpcodes);
    }

    [Fact]
    public void Without_a_disc_test_unit_ready_reports_the_sense_and_the_read_is_skipped()
    {
        var drive = SimScenarios.HealthyLiteOn();
        drive.HasMedium = false;
        var report = Run(null, drive, DeviceSelect.Slave);

        Assert.True(report.Passed);
        Assert.Contains("medium not present", Check(report, "test-unit-ready").Result);
        Assert.Equal(SelftestVerdict.Skipped, Check(report, "read-lba-0").Verdict);
        // The packet host fetches the sense of the CHECK CONDITION itself (the trailing REQUEST SENSE); no READ is sent.
        Assert.Equal([ScsiOpcode.Inquiry, ScsiOpcode.RequestSense, ScsiOpcode.TestUnitReady, ScsiOpcode.RequestSense], drive.PacketOpcodes);
    }

    [Fact]
    public void A_hard_disk_fails_at_the_signature_and_gets_no_packet_command()
    {
        var report = Run(SimScenarios.HardDisk(), null, DeviceSelect.Master);

        Assert.False(report.Passed);
        Assert.Equal(SelftestVerdict.Pass, Check(report, "bus").Verdict);
        Assert.Equal(SelftestVerdict.Fail, Check(report, "signature").Verdict);
        Assert.Contains("hard disk", Check(report, "signature").Result);
        Assert.All(report.Checks.Skip(2), c => Assert.Equal(SelftestVerdict.Skipped, c.Verdict));
        Assert.Equal(AllChecks, report.Checks.Select(c => c.Check));
    }

    [Fact]
    public void An_empty_channel_fails_at_the_bus_check()
    {
        var report = Run(null, null, DeviceSelect.Master);

        Assert.False(report.Passed);
        Assert.Equal(SelftestVerdict.Fail, Check(report, "bus").Verdict);
        Assert.Contains("floating bus", Check(report, "bus").Result);
        Assert.Equal(6, report.Checks.Count(c => c.Verdict == SelftestVerdict.Skipped));
    }
}

public class PacketSelftestGuardTests
{
    [Fact]
    public void The_pass_through_table_refuses_the_raw_register_packet_host()
    {
        var channel = new VirtualChannel(new VirtualClock(), ChannelAddress.Primary, SimScenarios.HealthyLiteOn());
        var packets = new AtaPacketHost(new AtaHost(channel), DeviceSelect.Master);
        Assert.Throws<ArgumentException>(() => Selftest.RunPacket(packets));
    }
}
