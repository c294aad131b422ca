using CsCheck;
using RecoveryKit.Emulation;
using RecoveryKit.Emulation.Spi;

namespace RecoveryKit.Tests.Emulation.Spi;

/// <summary>
/// The SPI chip model against a reference written from the datasheet rules alone: a page program ANDs its bytes into
/// one 256-byte page, wrapping at the page end with later bytes winning; a sector erase sets 4 KiB to FFh; nothing
/// happens without WREN; WEL is clear after every completed operation.
/// </summary>
public sealed class SpiChipModelPropertyTests
{
    private const int Size = 0x40000;

    [Fact]
    public void Any_sequence_of_programs_and_erases_matches_the_datasheet_reference()
    {
        var op = Gen.Select(Gen.Int[0, 2], Gen.Int[0, Size - 1], Gen.Byte.Array[1, 300], Gen.Bool);
        op.Array[1, 40].Sample(ops =>
        {
            var clock = new VirtualClock();
            var part = SpiParts.Find("MX25L2005")!;
            var chip = new SpiChipModel(part, clock);
            var reference = new byte[Size];
            reference.AsSpan().Fill(0xFF);
            foreach (var (kind, address, data, wren) in ops)
            {
                if (wren)
                    chip.Transfer([0x06], 0);
                var a = new[] { (byte)(address >> 16), (byte)(address >> 8), (byte)address };
                if (kind == 2)
                {
                    chip.Transfer([0x20, .. a], 0);
                    if (wren)
                        reference.AsSpan(address & ~0xFFF, 0x1000).Fill(0xFF);
                }
                else
                {
                    chip.Transfer([0x02, .. a, .. data], 0);
                    if (wren)
                    {
                        var page = new byte[256];
                        var loaded = new bool[256];
                        page.AsSpan().Fill(0xFF);
                        for (var i = 0; i < data.Length; i++)
                        {
                            page[(address + i) % 256] = data[i];
                            loaded[(address + i) % 256] = true;
                        }
                        var pageBase = address - (address % 256);
                        for (var i = 0; i < 256; i++)
                        {
                            if (loaded[i])
                                reference[pageBase + i] &= page[i];
                        }
                    }
                }
                clock.Advance(part.SectorErase.Maximum);
                if ((chip.Transfer([0x05], 1)[0] & 0x03) != 0)
                    return false;
            }
            return chip.Contents.SequenceEqual(reference);
        }, iter: 60);
    }
}
