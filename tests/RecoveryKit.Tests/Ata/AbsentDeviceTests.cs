using RecoveryKit.Ata;
using RecoveryKit.Discovery;
using RecoveryKit.Emulation;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Ata;

/// <summary>
/// An absent device is "no device" whichever position it is, and "device 0 answers for the absent device 1" appears
/// only where that happened: ATA/ATAPI-6 has device 0 answer for an absent device 1, never the other way round.
/// </summary>
public sealed class AbsentDeviceTests
{
    [Fact]
    public void A_slave_next_to_a_present_master_is_no_device_answered_for_by_device_0()
    {
        var wire = new Wire(Wire.LiteOn(), timeouts: AtaTimeouts.Scan);

        var results = ChannelProbe.Probe(wire.Host);

        Assert.Equal(DeviceClass.Empty, results[1].Class);
        Assert.Equal(ChannelProbe.AnsweredByDevice0, results[1].State);
    }

    [Fact]
    public void A_channel_that_reads_00h_everywhere_holds_no_device_and_neither_position_claims_device_0_answered()
    {
        // QEMU's PIIX returns 00h for every register of a channel with no drive at all; so does a bus whose
        // DD7 pull-down wins. Nothing reacts to IDENTIFY there.
        var wire = new Wire(null, null, AtaTimeouts.Scan);
        wire.Channel.FloatingValue = 0x00;

        var results = ChannelProbe.Probe(wire.Host);

        Assert.All(results, r => Assert.Equal(DeviceClass.Empty, r.Class));
        Assert.All(results, r => Assert.DoesNotContain("device 0 answers", r.State, StringComparison.Ordinal));
        Assert.All(results, r => Assert.Equal(ChannelProbe.NothingReacts, r.State));
    }

    [Fact]
    public void An_absent_master_shown_by_qemu_with_signature_FFh_FFh_is_no_device_and_the_slave_is_still_found()
    {
        var slave = Wire.LiteOn();
        var wire = new Wire(new QemuAbsentMaster(), slave, AtaTimeouts.Scan);

        var results = ChannelProbe.Probe(wire.Host);

        Assert.Equal(DeviceClass.Empty, results[0].Class);
        Assert.Equal(ChannelProbe.NoSignature, results[0].State);
        Assert.False(results[0].CanBeFlashed);
        Assert.Equal(DeviceClass.Atapi, results[1].Class);
        Assert.Equal("VS0C", results[1].Revision);
    }

    [Fact]
    public void A_device_with_an_unrecognised_signature_that_is_not_FFh_FFh_stays_unknown()
    {
        // A garbage signature (3Ch/C3h from a dead controller, status 5Ah) is not taken for an empty position.
        var wire = new Wire(new VirtualDeadDevice(DeadDeviceBehaviour.Garbage), timeouts: AtaTimeouts.Scan);

        var results = ChannelProbe.Probe(wire.Host);

        Assert.Equal(DeviceClass.Unknown, results[0].Class);
    }
}
