using RecoveryKit.Ata;
using RecoveryKit.Emulation;
using RecoveryKit.Packet;
using RecoveryKit.Tests.TestSupport;

namespace RecoveryKit.Tests.Packet;

/// <summary>PROTOCOL.md §2: the PIO PACKET protocol, its phases, interrupt reasons and byte counts.</summary>
public sealed class PacketProtocolTests
{
    private const byte CoD = 0x01;
    private const byte IO = 0x02;

    [Fact]
    public void Packet_phases_step_by_hand_show_cod_for_the_cdb_io_for_data_and_both_at_completion()
    {
        var wire = new Wire(Wire.LiteOn());
        var ch = wire.Channel;
        ch.Write(TaskFileRegister.Device, 0xA0);
        wire.SpinUntilNotBusy();
        ch.Write(TaskFileRegister.ErrorFeatures, 0x00);
        ch.Write(TaskFileRegister.LbaMid, 36);
        ch.Write(TaskFileRegister.LbaHigh, 0);
        ch.Write(TaskFileRegister.StatusCommand, AtaCommand.Packet);

        // Command phase: DRQ, CoD=1, IO=0.
        var status = wire.SpinUntilNotBusy();
        Assert.NotEqual(0, status & (byte)AtaStatus.DataRequest);
        Assert.Equal(CoD, ch.Read(TaskFileRegister.SectorCount) & (CoD | IO));
        ch.WriteData((ReadOnlySpan<ushort>)[0x0012, 0x0000, 0x0024, 0x0000, 0x0000, 0x0000]); // INQUIRY, 36 bytes

        // Data-in phase: DRQ, IO=1, CoD=0, byte count 36.
        status = wire.SpinUntilNotBusy();
        Assert.NotEqual(0, status & (byte)AtaStatus.DataRequest);
        Assert.Equal(IO, ch.Read(TaskFileRegister.SectorCount) & (CoD | IO));
        Assert.Equal(36, ch.Read(TaskFileRegister.LbaMid) | (ch.Read(TaskFileRegister.LbaHigh) << 8));
        Span<ushort> words = stackalloc ushort[18];
        ch.ReadData(words);

        // Completion: IO=1, CoD=1, DRQ clear, no error.
        status = wire.SpinUntilNotBusy();
        Assert.Equal(0, status & (byte)(AtaStatus.DataRequest | AtaStatus.Error));
        Assert.Equal(CoD | IO, ch.Read(TaskFileRegister.SectorCount) & (CoD | IO));
        Assert.Equal(0x05, words[0] & 0x1F); // peripheral type CD/DVD in byte 0
    }

    [Fact]
    public void Packet_host_writes_pio_features_byte_count_limit_then_a0_then_the_cdb_when_the_device_asks_for_it()
    {
        var wire = new Wire(Wire.LiteOn());

        ScsiCommands.Inquiry(wire.Packet());

        var log = wire.Recorder.Log;
        var command = log.FindIndex(a => a is { Kind: AccessKind.Write, Register: TaskFileRegister.StatusCommand });
        Assert.Equal(AtaCommand.Packet, log[command].Value);
        var before = log.Take(command).Where(a => a.Kind == AccessKind.Write).ToList();
        Assert.Contains(new RegisterAccess(AccessKind.Write, TaskFileRegister.ErrorFeatures, 0x00), before);
        Assert.Contains(new RegisterAccess(AccessKind.Write, TaskFileRegister.LbaMid, 36), before);
        Assert.Contains(new RegisterAccess(AccessKind.Write, TaskFileRegister.LbaHigh, 0), before);

        // The CDB goes out only after the host saw DRQ with CoD=1 IO=0.
        var firstDataWrite = log.FindIndex(a => a.Kind == AccessKind.WriteData);
        var reasonRead = log.FindLastIndex(firstDataWrite, a => a is { Kind: AccessKind.Read, Register: TaskFileRegister.SectorCount });
        Assert.True(reasonRead > command);
        Assert.Equal(CoD, log[reasonRead].Value & (CoD | IO));
        var cdbWords = log.Where(a => a.Kind == AccessKind.WriteData).Select(a => a.Value).ToArray();
        Assert.Equal([0x0012, 0x0000, 0x0024, 0x0000, 0x0000, 0x0000], cdbWords);

        // Data moved under IO=1 CoD=0; the last reason read (completion) is IO=1 CoD=1.
        var reasons = log.Where(a => a is { Kind: AccessKind.Read, Register: TaskFileRegister.SectorCount }).Select(a => a.Value & (CoD | IO)).ToArray();
        Assert.Equal([CoD, IO], reasons);
        Assert.Equal(CoD | IO, wire.Channel.Read(TaskFileRegister.SectorCount) & (CoD | IO));
        var lastStatus = log.Last(a => a is { Kind: AccessKind.Read, Register: TaskFileRegister.StatusCommand }).Value;
        Assert.Equal(0, lastStatus & (byte)(AtaStatus.DataRequest | AtaStatus.Busy));
    }

    [Fact]
    public void Byte_count_limit_ffff_is_treated_as_fffe_and_a_read_over_64_kib_arrives_intact()
    {
        var drive = Wire.LiteOn();
        drive.HasMedium = true;
        var wire = new Wire(drive);
        var packet = wire.Packet();
        packet.ByteCountLimit = 0xFFFF;
        ScsiCommands.TestUnitReady(packet); // consume the unit attention of power-on
        wire.Recorder.Log.Clear();

        const ushort blocks = 40; // 80 KiB
        var buffer = new byte[blocks * 2048];
        var result = ScsiCommands.Read10(packet, 100, blocks, buffer);

        Assert.True(result.IsGood);
        Assert.Equal(buffer.Length, result.Transferred);
        Assert.Contains(new RegisterAccess(AccessKind.Write, TaskFileRegister.LbaMid, 0xFF), wire.Recorder.Log);
        Assert.Contains(new RegisterAccess(AccessKind.Write, TaskFileRegister.LbaHigh, 0xFF), wire.Recorder.Log);
        Assert.Equal(0xFFFE, drive.LastEffectiveByteCountLimit);
        var chunks = wire.Recorder.DataBlockByteCounts();
        Assert.True(chunks.Count >= 2, $"expected the transfer split in chunks, saw {string.Join(",", chunks)}");
        Assert.All(chunks, c => Assert.InRange(c, 2, 0xFFFE));
        Assert.Equal(buffer.Length, chunks.Sum());
        var expected = new byte[2048];
        for (var b = 0; b < blocks; b++)
        {
            VirtualAtapiDrive.FillBlock(expected, 100 + (uint)b);
            Assert.True(expected.AsSpan().SequenceEqual(buffer.AsSpan(b * 2048, 2048)), $"block {b} differs");
        }
    }

    [Fact]
    public void Inquiry_with_allocation_35_moves_exactly_35_bytes_with_no_overrun()
    {
        var wire = new Wire(Wire.LiteOn());
        var backing = new byte[40];
        backing.AsSpan().Fill(0xCC);

        var result = wire.Packet().Execute([ScsiOpcode.Inquiry, 0, 0, 0, 35, 0], backing.AsSpan(0, 35), DataDirection.In, TimeSpan.FromSeconds(5));

        Assert.True(result.IsGood);
        Assert.Equal(35, result.Transferred);
        Assert.Equal([35], wire.Recorder.DataBlockByteCounts());
        Assert.Equal(18, wire.Recorder.Log.Count(a => a.Kind == AccessKind.ReadData)); // 35 bytes = 17 words + one half-used
        Assert.Equal((byte)'V', backing[32]);   // revision "VS0C" starts at byte 32
        Assert.Equal((byte)'0', backing[34]);   // the 35th byte came from the low half of the last word
        Assert.All(backing[35..], b => Assert.Equal(0xCC, b));
    }

    [Fact]
    public void Odd_byte_count_limit_with_more_data_to_follow_gets_even_chunks()
    {
        var drive = Wire.LiteOn();
        drive.HasMedium = true;
        var wire = new Wire(drive);
        var packet = wire.Packet();
        packet.ByteCountLimit = 0x0101; // 257
        ScsiCommands.TestUnitReady(packet);
        wire.Recorder.Log.Clear();

        var buffer = new byte[2048];
        var result = ScsiCommands.Read10(packet, 7, 1, buffer);

        Assert.True(result.IsGood);
        var chunks = wire.Recorder.DataBlockByteCounts();
        Assert.Equal(2048, chunks.Sum());
        Assert.All(chunks, c => Assert.Equal(0, c & 1));
        Assert.All(chunks, c => Assert.InRange(c, 2, 257));
        var expected = new byte[2048];
        VirtualAtapiDrive.FillBlock(expected, 7);
        Assert.Equal(expected, buffer);
    }

    [Fact]
    public void Inquiry_reports_the_lite_on_vendor_product_and_revision()
    {
        var wire = new Wire(Wire.LiteOn());

        var inquiry = ScsiCommands.Inquiry(wire.Packet());

        Assert.Equal("LITE-ON", inquiry.Vendor);
        Assert.Equal("DVDRW SOHW-832S", inquiry.Product);
        Assert.Equal("VS0C", inquiry.Revision);
        Assert.True(inquiry.IsOpticalDrive);
    }

    [Fact]
    public void Read_capacity_reports_last_lba_and_2048_byte_blocks()
    {
        var drive = Wire.LiteOn();
        drive.HasMedium = true;
        drive.MediumBlocks = 1234;
        var wire = new Wire(drive);
        ScsiCommands.TestUnitReady(wire.Packet());

        var capacity = ScsiCommands.ReadCapacity(wire.Packet(), out var sense);

        Assert.Null(sense);
        Assert.Equal((1233u, 2048u), capacity);
    }

    [Fact]
    public void A_longer_buffer_than_the_device_sends_gets_only_what_was_sent()
    {
        var wire = new Wire(Wire.LiteOn());
        var buffer = new byte[96];

        var result = wire.Packet().Execute([ScsiOpcode.Inquiry, 0, 0, 0, 96, 0], buffer, DataDirection.In, TimeSpan.FromSeconds(5));

        Assert.True(result.IsGood);
        Assert.Equal(36, result.Transferred);
        Assert.Equal([36], wire.Recorder.DataBlockByteCounts());
        Assert.Equal("VS0C", System.Text.Encoding.ASCII.GetString(buffer, 32, 4));
        Assert.All(buffer[36..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_shorter_buffer_than_the_device_sends_is_filled_and_the_rest_drained_so_the_command_completes()
    {
        var wire = new Wire(Wire.LiteOn());
        var backing = new byte[16];
        backing.AsSpan().Fill(0xCC);

        var result = wire.Packet().Execute([ScsiOpcode.Inquiry, 0, 0, 0, 36, 0], backing.AsSpan(0, 11), DataDirection.In, TimeSpan.FromSeconds(5));

        Assert.True(result.IsGood);
        Assert.Equal(11, result.Transferred);
        Assert.Equal("LIT", System.Text.Encoding.ASCII.GetString(backing, 8, 3));
        Assert.All(backing[11..], b => Assert.Equal(0xCC, b));
        Assert.Equal(18, wire.Recorder.Log.Count(a => a.Kind == AccessKind.ReadData)); // all 36 bytes drained
        Assert.Equal(0, wire.Channel.ReadAlternateStatus() & (byte)(AtaStatus.DataRequest | AtaStatus.Busy));
    }

    [Fact]
    public void Packet_intrq_is_raised_for_each_data_block_and_at_completion_but_not_for_the_cdb_request()
    {
        var wire = new Wire(Wire.LiteOn());
        var ch = wire.Channel;
        ch.WriteDeviceControl(0x00); // nIEN clear
        ch.Write(TaskFileRegister.Device, 0xA0);
        ch.Write(TaskFileRegister.ErrorFeatures, 0x00);
        ch.Write(TaskFileRegister.LbaMid, 36);
        ch.Write(TaskFileRegister.LbaHigh, 0);
        ch.Write(TaskFileRegister.StatusCommand, AtaCommand.Packet);

        // IDENTIFY PACKET DEVICE word 0 bits 6:5 = 10b: DRQ for the CDB comes without an interrupt.
        wire.SpinUntilNotBusy();
        Assert.False(ch.InterruptPending);
        ch.WriteData((ReadOnlySpan<ushort>)[0x0012, 0x0000, 0x0024, 0x0000, 0x0000, 0x0000]);

        wire.SpinUntilNotBusy();
        Assert.True(ch.InterruptPending);           // data block ready
        ch.Read(TaskFileRegister.StatusCommand);
        Assert.False(ch.InterruptPending);
        Span<ushort> words = stackalloc ushort[18];
        ch.ReadData(words);

        wire.SpinUntilNotBusy();
        Assert.True(ch.InterruptPending);           // command complete
        Assert.Equal(CoD | IO, ch.Read(TaskFileRegister.SectorCount) & (CoD | IO));
    }
}
