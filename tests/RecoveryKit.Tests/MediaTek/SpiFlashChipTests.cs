using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.MediaTek;
using RecoveryKit.Profiles;

namespace RecoveryKit.Tests.MediaTek;

/// <summary>
/// The SPI engine at the SPI byte level, against a small fake part: the commands expected are PROTOCOL.md §5b's
/// (REMS 90h 00 00 00, RDSR 05h, WREN 06h, EWSR 50h on SST, WRSR 01h 00h, READ 03h by 256-byte pages, PAGE PROGRAM
/// 02h, SECTOR ERASE 20h, CHIP ERASE 60h/C7h; WREN then RDSR until WEL, the command, RDSR until WIP clears).
/// </summary>
public sealed class SpiFlashChipTests
{
    /// <summary>An SPI part reduced to what the tests look at: memory, a status register, WP#, a busy count.</summary>
    private sealed class FakePart(int size) : ISpiBus
    {
        public byte[] Memory { get; } = Enumerable.Repeat((byte)0xFF, size).ToArray();

        public byte Status { get; set; }

        /// <summary>WP# held low: WRSR cannot change a status register whose SRWD bit is set.</summary>
        public bool WriteProtectPin { get; set; }

        public int BusyReads { get; set; } = 2;

        public bool IgnoreWren { get; set; }

        private int _busy;
        private bool _ewsr;

        public List<byte[]> Sent { get; } = [];

        public long Transactions => Sent.Count;

        public void Transact(ReadOnlySpan<byte> command, Span<byte> reply)
        {
            var bytes = command.ToArray();
            Sent.Add(bytes);
            uint Address() => (uint)((bytes[1] << 16) | (bytes[2] << 8) | bytes[3]);
            switch (command[0])
            {
                case 0x90:
                    reply[0] = 0xC2;
                    reply[1] = 0x11;
                    break;
                case 0x05:
                    reply[0] = (byte)(Status | (_busy > 0 ? 1 : 0));
                    if (_busy > 0)
                        _busy--;
                    break;
                case 0x06:
                    if (!IgnoreWren)
                        Status |= 0x02;
                    break;
                case 0x50:
                    _ewsr = true;
                    break;
                case 0x01:
                    if (((Status & 0x02) != 0 || _ewsr) && !(WriteProtectPin && (Status & 0x80) != 0))
                        Status = (byte)(command[1] & 0x9C);
                    _ewsr = false;
                    break;
                case 0x03:
                    Memory.AsSpan((int)Address(), reply.Length).CopyTo(reply);
                    break;
                case 0x02 when (Status & 0x02) != 0:
                    for (var i = 4; i < command.Length; i++)
                        Memory[(int)Address() + i - 4] &= command[i];
                    Status &= 0xFD;
                    _busy = BusyReads;
                    break;
                case 0x20 when (Status & 0x02) != 0:
                    Memory.AsSpan((int)(Address() & ~0xFFFu), 4096).Fill(0xFF);
                    Status &= 0xFD;
                    _busy = BusyReads;
                    break;
                case 0xC7 or 0x60 when (Status & 0x02) != 0:
                    Memory.AsSpan().Fill(0xFF);
                    Status &= 0xFD;
                    _busy = BusyReads;
                    break;
            }
        }
    }

    private static ChipSpec Mx => ProfileCatalog.FindChip("MX25L2005")!;

    private static ChipSpec Sst => ProfileCatalog.FindChip("SST25VF020")!;

    [Fact]
    public void REMS_is_90h_followed_by_three_zero_address_bytes()
    {
        var part = new FakePart(0x40000);

        var id = SpiFlashChip.ReadId(part);

        Assert.Equal([0x90, 0x00, 0x00, 0x00], part.Sent.Single());
        Assert.Equal(new ChipId(0xC2, 0x11, 0), id);
        Assert.Equal(Mx, ProfileCatalog.FindChip(FlashBusKind.Spi, id.Manufacturer, id.Device));
    }

    [Fact]
    public void Reads_go_as_03h_with_a_24_bit_address_in_page_aligned_chunks_of_256()
    {
        var part = new FakePart(0x40000);
        part.Memory[0x1FF80] = 0x12;
        var chip = new SpiFlashChip(part, Mx, new VirtualClock());
        var buffer = new byte[0x200];

        chip.Read(0x1FF80, buffer);

        Assert.Equal([[0x03, 0x01, 0xFF, 0x80], [0x03, 0x02, 0x00, 0x00], [0x03, 0x02, 0x01, 0x00]], part.Sent);
        Assert.Equal(0x12, buffer[0]);
    }

    [Fact]
    public void A_sector_erase_is_WREN_then_RDSR_until_WEL_then_20h_with_the_address_then_RDSR_until_WIP_clears()
    {
        var part = new FakePart(0x40000);
        var chip = new SpiFlashChip(part, Mx, new VirtualClock());

        chip.EraseSector(Mx.SectorAt(0x3E123));

        var after = part.Sent.SkipWhile(c => c[0] == 0x05).ToList(); // PrepareWrite's status read comes first
        Assert.Equal([0x06], after[0]);
        Assert.Equal([0x05], after[1]);
        Assert.Equal([0x20, 0x03, 0xE0, 0x00], after[2]);
        Assert.All(after.Skip(3), c => Assert.Equal([0x05], c));
        Assert.Equal(3, after.Count - 3); // two busy reads, then WIP clear
    }

    [Fact]
    public void Programming_skips_pages_already_right_and_sends_02h_with_the_page_only_where_one_differs()
    {
        var part = new FakePart(0x40000);
        var chip = new SpiFlashChip(part, Mx, new VirtualClock());
        var sector = Mx.SectorAt(0x10000);
        var want = Enumerable.Repeat((byte)0xFF, 4096).ToArray();
        want[0x305] = 0x00; // page 3 of the sector only

        var sent = chip.ProgramSector(sector, want, part.Memory.AsSpan(0x10000, 4096).ToArray(), erased: true);

        Assert.Equal(1, sent);
        var program = Assert.Single(part.Sent, c => c[0] == 0x02);
        Assert.Equal([0x02, 0x01, 0x03, 0x00], program[..4]);
        Assert.Equal(4 + 256, program.Length);
        Assert.Equal(0x00, part.Memory[0x10305]);
    }

    [Fact]
    public void SST_parts_program_one_byte_per_02h()
    {
        var part = new FakePart(0x40000);
        var chip = new SpiFlashChip(part, Sst, new VirtualClock());
        var want = Enumerable.Repeat((byte)0xFF, 4096).ToArray();
        want[7] = 0x11;
        want[8] = 0x22;

        chip.ProgramSector(Sst.SectorAt(0), want, new byte[4096], erased: true);

        Assert.Equal([[0x02, 0x00, 0x00, 0x07, 0x11], [0x02, 0x00, 0x00, 0x08, 0x22]], part.Sent.Where(c => c[0] == 0x02));
    }

    [Fact]
    public void Block_protection_is_cleared_with_WRSR_00h_and_on_SST_parts_EWSR_comes_first()
    {
        var mxPart = new FakePart(0x40000) { Status = 0x9C };
        new SpiFlashChip(mxPart, Mx, new VirtualClock()).PrepareWrite();
        var sstPart = new FakePart(0x40000) { Status = 0x0C };
        new SpiFlashChip(sstPart, Sst, new VirtualClock()).PrepareWrite();

        Assert.Equal([[0x05], [0x06], [0x01, 0x00]], mxPart.Sent.Take(3));
        Assert.Equal(0, mxPart.Status & 0x9C);
        Assert.Equal([[0x05], [0x50], [0x01, 0x00]], sstPart.Sent.Take(3));
        Assert.Equal(0, sstPart.Status & 0x9C);
    }

    [Fact]
    public void SRWD_held_by_WP_is_a_typed_refusal_before_any_erase_with_one_attempt_only()
    {
        var part = new FakePart(0x40000) { Status = 0x9C, WriteProtectPin = true };
        part.Memory[0x2000] = 0x00;
        var chip = new SpiFlashChip(part, Mx, new VirtualClock());

        var failure = Assert.Throws<RecoveryKitException>(() => chip.EraseSector(Mx.SectorAt(0x2000))).Failure;

        Assert.Equal(FailureKind.FlashProtected, failure.Kind);
        Assert.Contains("WP#", failure.Cause);
        Assert.Contains("SRWD", failure.Cause);
        Assert.Contains("WP#", failure.Advice);
        Assert.DoesNotContain(part.Sent, c => c[0] is 0x20 or 0xC7 or 0x60 or 0x02);
        Assert.Single(part.Sent, c => c[0] == 0x01);
        Assert.Equal(0x00, part.Memory[0x2000]);
    }

    [Fact]
    public void A_part_that_never_sets_WEL_is_a_bounded_typed_failure()
    {
        var part = new FakePart(0x40000) { IgnoreWren = true };
        var chip = new SpiFlashChip(part, Mx, new VirtualClock());

        var failure = Assert.Throws<RecoveryKitException>(() => chip.EraseSector(Mx.SectorAt(0))).Failure;

        Assert.Equal(FailureKind.WriteFailed, failure.Kind);
        Assert.DoesNotContain(part.Sent, c => c[0] == 0x20);
        Assert.True(part.Sent.Count < 40);
    }

    [Fact]
    public void A_part_busy_beyond_ten_times_its_maximum_is_a_typed_failure_not_an_endless_poll()
    {
        var part = new FakePart(0x40000) { BusyReads = int.MaxValue };
        var clock = new VirtualClock();
        var chip = new SpiFlashChip(part, Mx, clock);

        var failure = Assert.Throws<RecoveryKitException>(() => chip.EraseSector(Mx.SectorAt(0))).Failure;

        Assert.Equal(FailureKind.WriteFailed, failure.Kind);
        Assert.InRange(clock.Now, Mx.SectorEraseTime.Maximum * 10, Mx.SectorEraseTime.Maximum * 11);
    }

    [Fact]
    public void Chip_erase_uses_the_manufacturers_opcode()
    {
        var mx = new FakePart(0x40000);
        new SpiFlashChip(mx, Mx, new VirtualClock()).EraseChip();
        var sst = new FakePart(0x40000);
        new SpiFlashChip(sst, Sst, new VirtualClock()).EraseChip();

        Assert.Contains(mx.Sent, c => c is [0xC7]);
        Assert.Contains(sst.Sent, c => c is [0x60]);
    }

    [Fact]
    public void The_flasher_writes_an_SPI_part_differentially_and_verifies()
    {
        var part = new FakePart(0x40000);
        new Random(13).NextBytes(part.Memory);
        var image = part.Memory.ToArray();
        image[0x21000] ^= 0x0F; // needs an erase (bits go 0 → 1 somewhere)
        image[0x30010] &= 0xF0; // only clears bits
        var chip = new SpiFlashChip(part, Mx, new VirtualClock());
        var current = part.Memory.ToArray();
        var plan = FlashPlan.Create(Mx, current, image, new FlashRange(0, 0x10000), writeBootCode: false);

        new Flasher(chip).Execute(plan, current, image, null, default);

        Assert.Equal(image, part.Memory);
        Assert.Single(part.Sent, c => c[0] == 0x20);
        Assert.Equal(16 + 1, part.Sent.Count(c => c[0] == 0x02)); // a whole erased sector, plus one page program-only
    }
}
