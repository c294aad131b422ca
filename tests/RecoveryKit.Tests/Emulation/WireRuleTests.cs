using RecoveryKit.Ata;
using RecoveryKit.Emulation;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Emulation;

/// <summary>Wire rules at the edges: who answers for an absent device, and which commands a busy device ignores.</summary>
public sealed class WireRuleTests
{
    [Fact]
    public void Absent_master_with_a_slave_present_floats_at_FFh_when_selected()
    {
        var slave = Wire.LiteOn();
        var wire = new Wire(null, slave);

        wire.Channel.Write(TaskFileRegister.Device, 0xA0);

        // Only device 0 answers for an absent device 1 (ATA/ATAPI-6); device 1 never answers for device 0.
        Assert.Equal(0xFF, wire.Channel.Read(TaskFileRegister.StatusCommand));
        Assert.Equal(0xFF, wire.Channel.ReadAlternateStatus());
        Assert.Equal(0xFF, wire.Channel.Read(TaskFileRegister.LbaMid));
        Assert.False(wire.Host.RegistersHoldValues(DeviceSelect.Master));
        Assert.True(wire.Host.RegistersHoldValues(DeviceSelect.Slave));
    }
}
