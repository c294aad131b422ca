using RecoveryKit.Ata;
using RecoveryKit.Emulation;
using RecoveryKit.Packet;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Ata;

/// <summary>PROTOCOL.md §2: SRST, DEVICE RESET and EXECUTE DEVICE DIAGNOSTIC all post the signature.</summary>
public sealed class ResetSignatureTests
{
    private static readonly Signature Atapi = new(0x01, 0x01, 0x14, 0xEB);
    private static readonly Signature Ata = new(0x01, 0x01, 0x00, 0x00);

    [Fact]
    public void Soft_reset_posts_atapi_signature_01_01_14_EB_on_an_optical_drive()
    {
        var wire = new Wire(Wire.LiteOn());
        wire.ScribbleOverSignature();
        Assert.NotEqual(Atapi, wire.SignatureOnWire());

        wire.Host.SoftReset();

        Assert.Equal(Atapi, wire.Host.ReadSignature());
        Assert.True(wire.Host.ReadSignature().IsAtapi);
    }

    [Fact]
    public void Soft_reset_posts_ata_signature_01_01_00_00_on_a_hard_disk()
    {
        var wire = new Wire(Wire.Disk());
        wire.ScribbleOverSignature();

        wire.Host.SoftReset();

        var signature = wire.Host.ReadSignature();
        Assert.Equal(Ata, signature);
        Assert.True(signature.IsAta);
        Assert.False(signature.IsAtapi);
    }

    [Fact]
    public void Soft_reset_resets_both_devices_and_each_posts_its_own_signature()
    {
        var wire = new Wire(Wire.Disk(), Wire.LiteOn());
        wire.ScribbleOverSignature();

        wire.Host.SoftReset();
        Assert.Equal(Ata, wire.Host.ReadSignature());
        wire.Host.Select(DeviceSelect.Slave);
        wire.Host.WaitNotBusy("test", TimeSpan.FromSeconds(1), DeviceSelect.Slave);

        Assert.Equal(Atapi, wire.Host.ReadSignature());
    }

    [Fact]
    public void Soft_reset_holds_srst_then_releases_it_with_interrupts_disabled()
    {
        var wire = new Wire(Wire.LiteOn());

        wire.Host.SoftReset();

        var control = wire.Recorder.Log.Where(a => a.Kind == AccessKind.WriteDeviceControl).Select(a => a.Value).ToArray();
        Assert.Equal([(ushort)(DeviceControl.InterruptsDisabled | DeviceControl.SoftReset), DeviceControl.InterruptsDisabled], control);
    }

    [Fact]
    public void Device_reset_posts_atapi_signature_after_a_packet_command_overwrote_it()
    {
        var drive = Wire.LiteOn();
        var wire = new Wire(drive);
        ScsiCommands.Inquiry(wire.Packet());
        // After INQUIRY the task file holds interrupt reason and byte count, not the signature.
        Assert.NotEqual(Atapi, wire.Host.ReadSignature());

        wire.Host.DeviceReset(DeviceSelect.Master);

        Assert.Equal(Atapi, wire.Host.ReadSignature());
        Assert.Contains(AtaCommand.DeviceReset, drive.CommandsReceived);
    }

    [Fact]
    public void Device_reset_of_the_slave_leaves_the_master_untouched()
    {
        var master = Wire.LiteOn();
        var slave = Wire.LiteOn();
        var wire = new Wire(master, slave);

        wire.Host.DeviceReset(DeviceSelect.Slave);

        Assert.Equal([AtaCommand.DeviceReset], slave.CommandsReceived);
        Assert.Empty(master.CommandsReceived);
        Assert.Equal(DeviceSelect.Slave, wire.Channel.Selected);
        Assert.Equal(Atapi, wire.Host.ReadSignature()); // the slave's own signature, posted by its reset
    }

    [Fact]
    public void Execute_device_diagnostic_posts_signatures_and_code_01_for_a_passing_pair()
    {
        var wire = new Wire(Wire.LiteOn(), Wire.Disk());
        wire.ScribbleOverSignature();

        var code = wire.Host.ExecuteDeviceDiagnostic();

        Assert.Equal(0x01, code);
        Assert.Equal(Atapi, wire.Host.ReadSignature());
        wire.Host.Select(DeviceSelect.Slave);
        wire.Host.WaitNotBusy("test", TimeSpan.FromSeconds(1), DeviceSelect.Slave);
        Assert.Equal(Ata, wire.Host.ReadSignature());
        Assert.Equal(0x01, wire.Channel.Read(TaskFileRegister.ErrorFeatures));
    }

    [Fact]
    public void Execute_device_diagnostic_master_reports_81h_for_the_pair_when_the_slave_fails()
    {
        var wire = new Wire(Wire.LiteOn(), new VirtualDeadDevice(DeadDeviceBehaviour.Garbage));

        var code = wire.Host.ExecuteDeviceDiagnostic();

        Assert.Equal(0x81, code);
        Assert.Equal(Atapi, wire.Host.ReadSignature());
    }

    [Fact]
    public void Execute_device_diagnostic_with_no_slave_reports_01_from_the_master()
    {
        var wire = new Wire(Wire.Disk());
        wire.ScribbleOverSignature();

        Assert.Equal(0x01, wire.Host.ExecuteDeviceDiagnostic());
        Assert.Equal(Ata, wire.Host.ReadSignature());
    }

    [Fact]
    public void Soft_reset_of_a_lone_slave_does_not_wait_out_the_reset_limit_on_the_floating_master()
    {
        var wire = new Wire(null, Wire.LiteOn());
        var start = wire.Clock.Now;

        wire.Host.SoftReset();

        Assert.True(wire.Clock.Now - start < wire.Host.Timeouts.Reset / 2, $"SRST took {wire.Clock.Now - start} of virtual time");
        wire.Host.Select(DeviceSelect.Slave);
        Assert.Equal(0, wire.Channel.ReadAlternateStatus() & (byte)AtaStatus.Busy);
        Assert.Equal(Atapi, wire.Host.ReadSignature());
    }

    [Fact]
    public void Soft_reset_of_an_empty_channel_fails_at_soft_reset_naming_the_floating_bus()
    {
        var wire = new Wire(null, null);

        var ex = Assert.Throws<RecoveryKit.Diagnostics.RecoveryKitException>(() => wire.Host.SoftReset());

        Assert.Equal("soft-reset", ex.Failure.Stage);
        Assert.Equal((byte)0xFF, ex.Failure.Status);
        Assert.Contains("cable", ex.Failure.Advice, StringComparison.Ordinal);
    }
}
