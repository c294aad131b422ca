using RecoveryKit.Ata;
using RecoveryKit.Emulation;
using RecoveryKit.Emulation.Spi;

namespace RecoveryKit.Tests.Emulation.Spi;

/// <summary>The drive side of the SPI buffer mailbox, driven register by register with the sequences of PROTOCOL.md §5b.</summary>
public sealed class SpiMailboxTests
{
    private static byte[] Written(int size = 0x40000)
    {
        var flash = new byte[size];
        new Random(7).NextBytes(flash);
        return flash;
    }

    [Theory]
    [InlineData("MX25L2005", 0xC2, 0x11)]
    [InlineData("SST25VF020", 0xBF, 0x43)]
    [InlineData("W25P80", 0xEF, 0x13)]
    [InlineData("EN25P16", 0x1C, 0x14)]
    public void REMS_on_a_phat_Lite_On_drive_leaves_the_ID_at_8804h_and_8805h(string part, byte manufacturer, byte device)
    {
        var wire = SpiWire.PhatLiteOn(part);
        Assert.Equal(0x72, wire.Intro()); // a blank flash: 72h

        foreach (var (offset, value) in new[] { (0x8800, 0x90), (0x8801, 0x00), (0x8802, 0x00), (0x8803, 0x00) })
            wire.BufferWrite(offset, (byte)value);
        wire.Execute(tx: 4, rx: 2, lowFirst: true);

        Assert.Equal(manufacturer, wire.BufferRead(0x8804));
        Assert.Equal(device, wire.BufferRead(0x8805));
        Assert.Equal(0, wire.Mailbox.ProtocolErrors);
    }

    [Fact]
    public void On_a_phat_Lite_On_drive_a_buffer_at_0000h_reaches_nothing()
    {
        var wire = SpiWire.PhatLiteOn();
        wire.Intro();

        var reply = wire.Transaction([0x90, 0x00, 0x00, 0x00], 2, bufferBase: 0x0000);

        Assert.NotEqual(new byte[] { 0xC2, 0x11 }, reply);
        Assert.True(wire.Mailbox.ProtocolErrors > 0);
    }

    [Fact]
    public void Lite_On_reads_the_counts_low_byte_first_tx_from_FEAT_and_SC_rx_from_LBAM_and_LBAH()
    {
        var wire = SpiWire.PhatLiteOn();
        wire.Intro();

        Assert.Equal(new byte[] { 0xC2, 0x11 }, wire.Rems());
        Assert.Equal((4, 2), wire.Mailbox.LastCounts);

        var fresh = SpiWire.PhatLiteOn();
        fresh.Intro();
        var swapped = fresh.Transaction([0x90, 0x00, 0x00, 0x00], 2, lowFirst: false);
        Assert.Equal((0x0400, 0x0200), fresh.Mailbox.LastCounts);
        Assert.NotEqual(new byte[] { 0xC2, 0x11 }, swapped);
    }

    [Fact]
    public void BenQ_reads_the_counts_high_byte_first_answers_73h_and_keeps_its_buffer_at_0000h()
    {
        var wire = new SpiWire("MX25L2005", WireDialect.PhatBenQ, SpiDialect.Phat, SpiDriveMaker.BenQ, Written());

        Assert.Equal(0x73, wire.Intro()); // 73h whatever the flash holds
        Assert.Equal(new byte[] { 0xC2, 0x11 }, wire.Rems());
        Assert.Equal((4, 2), wire.Mailbox.LastCounts);

        var fresh = new SpiWire("MX25L2005", WireDialect.PhatBenQ, SpiDialect.Phat, SpiDriveMaker.BenQ, Written());
        fresh.Intro();
        var lowFirst = fresh.Transaction([0x90, 0x00, 0x00, 0x00], 2, lowFirst: true);
        Assert.Equal((0x0400, 0x0200), fresh.Mailbox.LastCounts);
        Assert.NotEqual(new byte[] { 0xC2, 0x11 }, lowFirst);
    }

    [Fact]
    public void A_Lite_On_drive_whose_first_200h_bytes_are_written_answers_52h_and_its_mailbox_still_works()
    {
        var flash = new byte[0x40000];
        flash.AsSpan().Fill(0xFF);
        flash[0x1FF] = 0x00; // one written byte in the first 200h
        var wire = SpiWire.PhatLiteOn(flash: flash);

        Assert.Equal(0x52, wire.Intro());
        Assert.Equal(new byte[] { 0xC2, 0x11 }, wire.Rems());
    }

    [Fact]
    public void A_Lite_On_drive_written_only_from_200h_on_answers_72h()
    {
        var flash = new byte[0x40000];
        flash.AsSpan().Fill(0xFF);
        flash[0x200] = 0x00;
        var wire = SpiWire.PhatLiteOn(flash: flash);

        Assert.Equal(0x72, wire.Intro());
    }

    [Fact]
    public void The_slim_dialect_enters_on_D9h_89h_and_moves_bytes_with_68h_91h_1Bh_from_buffer_0000h()
    {
        var wire = new SpiWire("W25P20", WireDialect.Slim, SpiDialect.Slim, SpiDriveMaker.LiteOn, Written());

        Assert.Equal(0x52, wire.Intro());
        Assert.Equal(new byte[] { 0xEF, 0x11 }, wire.Rems());
        Assert.Equal(Written().AsSpan(0x3E000, 16).ToArray(), wire.ReadFlash(0x3E000, 16));
        Assert.Equal(0, wire.Mailbox.ProtocolErrors);
    }

    [Fact]
    public void The_slim2_dialect_enters_on_79h_8Dh_and_moves_bytes_with_52h_1Fh_C2h()
    {
        var wire = new SpiWire("MX25L2005", WireDialect.Slim2, SpiDialect.Slim2, SpiDriveMaker.LiteOn);

        Assert.Equal(0x72, wire.Intro());
        Assert.Equal(new byte[] { 0xC2, 0x11 }, wire.Rems());
        Assert.Equal(0, wire.Mailbox.ProtocolErrors);
    }

    [Theory]
    [InlineData(0x2A, 0x80)] // phat to a slim drive
    [InlineData(0x79, 0x8D)] // slim2 to a slim drive
    [InlineData(0xD9, 0x80)] // slim key with the phat opcode
    public void A_slim_drive_aborts_another_dialect_s_intro(byte key, byte opcode)
    {
        var wire = new SpiWire("W25P20", WireDialect.Slim, SpiDialect.Slim, SpiDriveMaker.LiteOn);

        var status = wire.Intro(key, opcode);

        Assert.Equal(0x01, status & 0x01);
        Assert.NotEqual(MtkDriveMode.Vendor, wire.Drive.Mode);
    }

    [Fact]
    public void The_phat_drive_starts_a_program_only_on_05h_after_the_execute()
    {
        var wire = SpiWire.PhatLiteOn();
        wire.Intro();
        wire.Wren();

        wire.Transaction([0x02, 0x00, 0x10, 0x00, 0x12, 0x34], sendEnd: false);
        wire.Clock.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(0xFF, wire.Chip.Contents[0x1000]); // CS# still low: nothing started

        wire.Channel.Write(TaskFileRegister.Device, 0xA0);
        wire.Channel.Write(TaskFileRegister.StatusCommand, 0x05);
        wire.Poll();
        Assert.Equal(0x00, wire.WaitReady(TimeSpan.FromMicroseconds(100)));
        Assert.Equal(new byte[] { 0x12, 0x34 }, wire.Chip.Contents.Slice(0x1000, 2).ToArray());
    }

    [Fact]
    public void The_drive_is_busy_with_its_vendor_status_while_a_transaction_runs()
    {
        var wire = SpiWire.PhatLiteOn();
        wire.Intro();
        foreach (var (offset, value) in new[] { (0x8800, 0x90), (0x8801, 0x00), (0x8802, 0x00), (0x8803, 0x00) })
            wire.BufferWrite(offset, (byte)value);

        wire.Channel.Write(TaskFileRegister.Device, 0xA0);
        wire.Channel.Write(TaskFileRegister.ErrorFeatures, 4);
        wire.Channel.Write(TaskFileRegister.SectorCount, 0);
        wire.Channel.Write(TaskFileRegister.LbaLow, 0);
        wire.Channel.Write(TaskFileRegister.LbaMid, 2);
        wire.Channel.Write(TaskFileRegister.LbaHigh, 0);
        wire.Channel.Write(TaskFileRegister.StatusCommand, 0x04);

        Assert.Equal(0xF2, wire.Status); // 72h with BSY
        Assert.Equal(0x72, wire.Poll());
    }

    [Fact]
    public void DEVICE_RESET_leaves_vendor_mode_only_after_the_dialect_s_outro()
    {
        var wire = SpiWire.PhatLiteOn();
        wire.Intro();

        wire.Outro(sendOutroOpcode: false);
        Assert.Equal(MtkDriveMode.Vendor, wire.Drive.Mode);
        Assert.Equal(0x72, wire.Status);

        wire.Outro();
        Assert.NotEqual(MtkDriveMode.Vendor, wire.Drive.Mode);
        Assert.Equal(0x80, wire.Status & 0x80); // rebooting
    }

    [Theory]
    [InlineData("slim", 0x81)]
    [InlineData("slim2", 0xF0)]
    public void A_slim_drive_ignores_another_dialect_s_outro(string dialect, byte wrongOutro)
    {
        var (wireDialect, spi) = dialect == "slim" ? (WireDialect.Slim, SpiDialect.Slim) : (WireDialect.Slim2, SpiDialect.Slim2);
        var wire = new SpiWire("MX25L2005", wireDialect, spi, SpiDriveMaker.LiteOn);
        wire.Intro();

        wire.Wire = wireDialect with { Outro = wrongOutro };
        wire.Outro();
        Assert.Equal(MtkDriveMode.Vendor, wire.Drive.Mode);

        wire.Wire = wireDialect;
        wire.Outro();
        Assert.NotEqual(MtkDriveMode.Vendor, wire.Drive.Mode);
    }

    [Fact]
    public void A_dropped_buffer_write_loses_that_byte_of_the_command()
    {
        var wire = SpiWire.PhatLiteOn(faults: new MtkFaultPlan { DropWriteNumber = 1 });
        wire.Intro();

        var id = wire.Rems(); // the 90h never reaches the buffer (FFh stays)

        Assert.NotEqual(new byte[] { 0xC2, 0x11 }, id);
        Assert.Equal(new byte[] { 0xC2, 0x11 }, wire.Rems());
    }

    [Fact]
    public void A_flipped_read_changes_one_bit_of_one_byte()
    {
        var wire = SpiWire.PhatLiteOn(faults: new MtkFaultPlan { FlipReadNumber = 1, Seed = 3 });
        wire.Intro();

        var id = wire.Rems();

        Assert.Equal(1, System.Numerics.BitOperations.PopCount((uint)(id[0] ^ 0xC2)) + System.Numerics.BitOperations.PopCount((uint)(id[1] ^ 0x11)));
        Assert.Equal(new byte[] { 0xC2, 0x11 }, wire.Rems());
    }

    [Fact]
    public void A_stuck_controller_hangs_busy_after_the_Nth_execute_until_power_cycled()
    {
        var wire = SpiWire.PhatLiteOn(faults: new MtkFaultPlan { StuckBusyAfterCommits = 2 });
        wire.Intro();
        wire.Rems();

        wire.Transaction([0x05], 1);

        Assert.Equal(0x80, wire.Status);
        wire.Channel.PowerCycle();
        Assert.NotEqual(0x80, wire.Poll());
    }
}
