using RecoveryKit.Ata;
using RecoveryKit.Emulation;
using RecoveryKit.MediaTek;
using RecoveryKit.Profiles;

namespace RecoveryKit.Tests.MediaTek;

/// <summary>
/// The two JungleFlasher framings at the register level. Every expected sequence is written out from PROTOCOL.md
/// (§4 "A second framing, with the command register"; §5b buffer write / buffer read / execute and the dialect
/// table), not taken from the code: a changed framing byte or order fails here.
/// </summary>
public sealed class FramingTests
{
    /// <summary>A task file that records every write and answers status reads with the vendor status.</summary>
    private sealed class WireFake(byte ready, params byte[] lbaLowReplies) : IAtaRegisters
    {
        private readonly Queue<byte> _lbaLow = new(lbaLowReplies);

        public List<(TaskFileRegister Register, byte Value)> Writes { get; } = [];

        public int StatusReads { get; private set; }

        public ChannelAddress Address => ChannelAddress.Primary;

        public IClock Clock { get; } = new VirtualClock();

        public byte Read(TaskFileRegister register)
        {
            if (register == TaskFileRegister.StatusCommand)
            {
                StatusReads++;
                return ready;
            }
            return register == TaskFileRegister.LbaLow && _lbaLow.Count > 0 ? _lbaLow.Dequeue() : (byte)0;
        }

        public void Write(TaskFileRegister register, byte value) => Writes.Add((register, value));

        public byte ReadAlternateStatus() => ready;

        public void WriteDeviceControl(byte value) => Writes.Add((TaskFileRegister.StatusCommand, 0xEE));

        public ushort ReadData() => 0;

        public void WriteData(ushort value)
        {
        }

        public void ReadData(Span<ushort> words)
        {
        }

        public void WriteData(ReadOnlySpan<ushort> words)
        {
        }
    }

    private const TaskFileRegister Dev = TaskFileRegister.Device;
    private const TaskFileRegister Feat = TaskFileRegister.ErrorFeatures;
    private const TaskFileRegister Sc = TaskFileRegister.SectorCount;
    private const TaskFileRegister Lbal = TaskFileRegister.LbaLow;
    private const TaskFileRegister Lbam = TaskFileRegister.LbaMid;
    private const TaskFileRegister Lbah = TaskFileRegister.LbaHigh;
    private const TaskFileRegister Cmd = TaskFileRegister.StatusCommand;

    private static DriveProfile Drive(string name) => ProfileCatalog.FindDrive(name)!;

    [Fact]
    public void Command_register_write_puts_the_bank_in_DEV_sends_01h_and_restores_DEV()
    {
        var wire = new WireFake(0x70);
        var bus = new CommandRegisterMailbox(wire, DeviceSelect.Master, Drive("TS-H943A"));

        bus.Write(0x2ABCD, 0x5A);

        // §4: DEV ← dev; LBAM ← A[7:0]; LBAH ← A[15:8]; DEV ← dev | A[23:16]; LBAL ← data; CMD ← 01; DEV ← dev; poll = 70h
        Assert.Equal([(Dev, 0xA0), (Lbam, 0xCD), (Lbah, 0xAB), (Dev, 0xA2), (Lbal, 0x5A), (Cmd, 0x01), (Dev, 0xA0)], wire.Writes.Select(w => (w.Register, (int)w.Value)));
        Assert.True(wire.StatusReads >= 1);
    }

    [Fact]
    public void Command_register_read_sends_00h_restores_DEV_polls_then_reads_LBAL()
    {
        var wire = new WireFake(0x70, 0xC3);
        var bus = new CommandRegisterMailbox(wire, DeviceSelect.Slave, Drive("TS-H943A"));

        var value = bus.Read(0x31234);

        // §4: DEV ← dev; LBAM ← A[7:0]; LBAH ← A[15:8]; DEV ← dev | A[23:16]; CMD ← 00; DEV ← dev; poll; read LBAL
        Assert.Equal([(Dev, 0xB0), (Lbam, 0x34), (Lbah, 0x12), (Dev, 0xB3), (Cmd, 0x00), (Dev, 0xB0)], wire.Writes.Select(w => (w.Register, (int)w.Value)));
        Assert.Equal(0xC3, value);
    }

    [Fact]
    public void Command_register_framing_sends_the_bank_on_every_operation_even_when_it_did_not_change()
    {
        var wire = new WireFake(0x70);
        var bus = new CommandRegisterMailbox(wire, DeviceSelect.Master, Drive("TS-H943A"));

        bus.Write(0x15555, 0xAA);
        bus.Write(0x15555, 0xAA);

        Assert.Equal(2, wire.Writes.Count(w => w is (Dev, 0xA1)));
    }

    private static List<(TaskFileRegister, int)> BufferWrite(byte dev, ushort offset, byte value, byte opcode) =>
        [(Dev, dev), (Lbam, offset & 0xFF), (Lbah, offset >> 8), (Lbal, value), (Cmd, opcode), (Dev, dev)];

    private static List<(TaskFileRegister, int)> BufferRead(byte dev, ushort offset, byte opcode) =>
        [(Dev, dev), (Lbam, offset & 0xFF), (Lbah, offset >> 8), (Cmd, opcode), (Dev, dev)];

    [Fact]
    public void Phat_LiteOn_REMS_fills_the_buffer_from_8800h_executes_04h_then_05h_with_counts_low_byte_first_and_reads_the_reply_after_the_command()
    {
        var wire = new WireFake(0x72, 0xC2, 0x11);
        var spi = new SpiBufferMailbox(wire, DeviceSelect.Master, Drive("DG-16D2S"));

        var id = SpiFlashChip.ReadId(spi);

        var expected = new List<(TaskFileRegister, int)>();
        // §5b: the four REMS bytes 90 00 00 00 into 8800h.. with buffer write 01h
        expected.AddRange(BufferWrite(0xA0, 0x8800, 0x90, 0x01));
        expected.AddRange(BufferWrite(0xA0, 0x8801, 0x00, 0x01));
        expected.AddRange(BufferWrite(0xA0, 0x8802, 0x00, 0x01));
        expected.AddRange(BufferWrite(0xA0, 0x8803, 0x00, 0x01));
        // execute: DEV; FEAT ← tx low (4); SC ← tx high (0); LBAL ← 0; LBAM ← rx low (2); LBAH ← rx high (0); CMD ← 04h; DEV
        expected.AddRange([(Dev, 0xA0), (Feat, 4), (Sc, 0), (Lbal, 0), (Lbam, 2), (Lbah, 0), (Cmd, 0x04), (Dev, 0xA0)]);
        // phat: DEV ← dev; CMD ← 05h
        expected.AddRange([(Dev, 0xA0), (Cmd, 0x05)]);
        // the reply right after the sent bytes: 8804h, 8805h, buffer read 00h
        expected.AddRange(BufferRead(0xA0, 0x8804, 0x00));
        expected.AddRange(BufferRead(0xA0, 0x8805, 0x00));

        Assert.Equal(expected, wire.Writes.Select(w => (w.Register, (int)w.Value)).ToList());
        Assert.Equal(new ChipId(0xC2, 0x11, 0), id);
    }

    [Fact]
    public void BenQ_writes_the_counts_high_byte_first_from_buffer_base_0()
    {
        var wire = new WireFake(0x73);
        var spi = new SpiBufferMailbox(wire, DeviceSelect.Master, Drive("VAD6038"));
        var command = new byte[0x104];
        command[0] = 0x02;

        spi.Transact(command, new byte[0x0102]);

        var writes = wire.Writes.Select(w => (w.Register, (int)w.Value)).ToList();
        Assert.Equal(BufferWrite(0xA0, 0x0000, 0x02, 0x01), writes.Take(6));
        var execute = writes.IndexOf((Cmd, 0x04));
        // §5b BenQ: FEAT ← tx high (01h), SC ← tx low (04h), LBAM ← rx high (01h), LBAH ← rx low (02h)
        Assert.Equal([(Dev, 0xA0), (Feat, 0x01), (Sc, 0x04), (Lbal, 0), (Lbam, 0x01), (Lbah, 0x02), (Cmd, 0x04), (Dev, 0xA0), (Dev, 0xA0), (Cmd, 0x05)],
            writes.Skip(execute - 6).Take(10));
        Assert.Equal(BufferRead(0xA0, 0x0104, 0x00), writes.Skip(execute + 4).Take(5));
    }

    [Theory]
    // §5b dialect table: slim 68/91/1B, slim2 52/1F/C2 (no follow-up), Lite-On counts low byte first, base 0000h
    [InlineData("DG-16D4S", 0x68, 0x91, 0x1B)]
    [InlineData("DG-16D5S", 0x52, 0x1F, 0xC2)]
    public void Slim_dialects_use_their_own_opcodes_and_no_follow_up(string drive, int write, int read, int execute)
    {
        var wire = new WireFake(0x72, 0x5A);
        var spi = new SpiBufferMailbox(wire, DeviceSelect.Master, Drive(drive));

        var status = SpiFlashChip.ReadStatus(spi);

        var expected = new List<(TaskFileRegister, int)>();
        expected.AddRange(BufferWrite(0xA0, 0x0000, 0x05, (byte)write));
        expected.AddRange([(Dev, 0xA0), (Feat, 1), (Sc, 0), (Lbal, 0), (Lbam, 1), (Lbah, 0), (Cmd, execute), (Dev, 0xA0)]);
        expected.AddRange(BufferRead(0xA0, 0x0001, (byte)read));
        Assert.Equal(expected, wire.Writes.Select(w => (w.Register, (int)w.Value)).ToList());
        Assert.Equal(0x5A, status);
    }

    [Fact]
    public void A_status_that_stays_wrong_is_a_drive_out_of_vendor_mode_not_an_endless_wait()
    {
        var wire = new WireFake(0x50);
        var spi = new SpiBufferMailbox(wire, DeviceSelect.Master, Drive("DG-16D2S"));

        var failure = Assert.Throws<RecoveryKit.Diagnostics.RecoveryKitException>(() => SpiFlashChip.ReadStatus(spi)).Failure;

        Assert.Equal(RecoveryKit.Diagnostics.FailureKind.NotInVendorMode, failure.Kind);
        Assert.Equal((byte)0x50, failure.Status);
        Assert.True(wire.StatusReads <= Drive("DG-16D2S").MailboxConfirmReads.Value + 1);
    }
}
