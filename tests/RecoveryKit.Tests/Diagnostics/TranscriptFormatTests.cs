using CsCheck;
using RecoveryKit.Diagnostics;

namespace RecoveryKit.Tests.Diagnostics;

/// <summary>
/// The compact transcript folds what it records, and the reader must give back exactly the register accesses that
/// crossed the seam, in order (docs/transcript.md). The expected accesses are the input sequence itself.
/// </summary>
public class TranscriptFormatTests
{
    private const int Base = 0x170;

    private static string Encode(IEnumerable<RegisterAccess> accesses, TranscriptFormat format, bool predicting = true, int pending = 8192)
    {
        var text = new StringWriter();
        var writer = new TranscriptWriter(text, format, pending) { Predicting = predicting };
        foreach (var a in accesses)
            writer.Access(a.IsWrite, a.Port, a.Value, a.IsWord);
        writer.Complete();
        Assert.Null(writer.Error);
        return text.ToString();
    }

    private static List<RegisterAccess> Decode(string text) =>
        [.. TranscriptReader.Expand(text.Split('\n')).Select(e => e.Access)];

    private static IEnumerable<RegisterAccess> Read(int address, byte value, int ready = 0x70) => TranscriptReader.ReadCycle(Base, ready, address, value);

    private static IEnumerable<RegisterAccess> Write(int address, byte value) => TranscriptReader.WriteCycle(Base, 0x70, address, value);

    private static IEnumerable<RegisterAccess> Program(int address, byte value) =>
        Write(0x5555, 0xAA).Concat(Write(0x2AAA, 0x55)).Concat(Write(0x5555, 0xA0)).Concat(Write(address, value)).Concat(Read(address, value));

    private static RegisterAccess Raw(bool write, int port, int value, bool word = false) => new(write, port, (ushort)value, word);

    [Fact]
    public void Repeated_status_reads_fold_into_one_line_with_a_count()
    {
        var accesses = Enumerable.Repeat(Raw(false, 0x177, 0x80), 312).Append(Raw(false, 0x177, 0x50)).ToList();

        var text = Encode(accesses, TranscriptFormat.Compact);

        Assert.Contains("R 177 80 x312\n", text, StringComparison.Ordinal);
        Assert.Equal(accesses, Decode(text));
    }

    [Fact]
    public void A_run_of_mailbox_reads_is_one_line_of_hex_and_a_second_pass_refers_back_to_it()
    {
        var data = Enumerable.Range(0, 64).Select(i => (byte)(i * 7)).ToArray();
        var first = data.SelectMany((v, i) => Read(0x1000 + i, v)).ToList();
        var accesses = first.Concat(first).ToList();

        var text = Encode(accesses, TranscriptFormat.Compact);

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')).ToList();
        Assert.Equal(["mailbox 170 70", "rd 1000 " + Convert.ToHexString(data), "rs 1000 64"], lines);
        Assert.Equal(accesses, Decode(text));
    }

    [Fact]
    public void Byte_programs_fold_into_one_line_per_run_and_expand_to_five_mailbox_cycles_each()
    {
        var accesses = Enumerable.Range(0, 10).SelectMany(i => Program(0x2000 + i, (byte)(0x30 + i))).ToList();

        var text = Encode(accesses, TranscriptFormat.Compact);

        Assert.Contains("pg 5555 2AAA 2000 30313233343536373839\n", text, StringComparison.Ordinal);
        Assert.Equal(10 * ((4 * 9) + 7), accesses.Count);
        Assert.Equal(accesses, Decode(text));
    }

    [Fact]
    public void A_busy_poll_inside_a_cycle_is_kept_as_raw_lines()
    {
        var cycle = Read(0x10, 0x42).ToList();
        cycle.Insert(3, Raw(false, Base + 7, 0xF0)); // busy once, then ready
        var accesses = cycle.Concat(Read(0x11, 0x43)).ToList();

        var text = Encode(accesses, TranscriptFormat.Compact);

        Assert.Contains("R 177 F0\n", text, StringComparison.Ordinal);
        Assert.Equal(accesses, Decode(text));
    }

    [Fact]
    public void A_bank_change_keys_the_known_values_so_another_bank_is_never_taken_for_this_one()
    {
        var bank0 = Enumerable.Range(0, 32).SelectMany(i => Read(i, (byte)i)).ToList();
        var bank1 = Enumerable.Range(0, 32).SelectMany(i => Read(i, (byte)(0xFF - i))).ToList();
        var accesses = new List<RegisterAccess> { Raw(true, Base + 6, 0xE0) };
        accesses.AddRange(bank0);
        accesses.Add(Raw(true, Base + 6, 0xE1));
        accesses.AddRange(bank1);
        accesses.Add(Raw(true, Base + 6, 0xE0));
        accesses.AddRange(bank0);

        var text = Encode(accesses, TranscriptFormat.Compact);

        Assert.Equal(accesses, Decode(text));
        Assert.Contains("rs 0000 32", text, StringComparison.Ordinal); // bank 0 read again: known
        Assert.Equal(2, text.Split('\n').Count(l => l.StartsWith("rd ", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_raw_format_is_one_access_per_line_and_reads_back_the_same()
    {
        var accesses = Read(0x1234, 0x5A).Concat([Raw(false, Base, 0xBEEF, true), Raw(true, 0x376, 0x06)]).ToList();

        var text = Encode(accesses, TranscriptFormat.Raw);

        Assert.Equal(accesses.Count, text.Split('\n').Count(l => l.Length > 0 && !l.StartsWith('#')));
        Assert.Contains("R 170 BEEF\n", text, StringComparison.Ordinal);
        Assert.Equal(accesses, Decode(text));
    }

    /// <summary>Mailbox-shaped traffic with every way of breaking the pattern mixed in: folding must be lossless.</summary>
    [Fact]
    public void Any_mix_of_cycles_programs_and_stray_accesses_reads_back_exactly()
    {
        var piece = Gen.OneOf(
            Gen.Select(Gen.Int[0, 0xFFFF], Gen.Byte).Select(t => Read(t.Item1, t.Item2).ToArray()),
            Gen.Select(Gen.Int[0x100, 0x140], Gen.Byte[0, 3]).Select(t => Read(t.Item1, t.Item2).ToArray()),
            Gen.Select(Gen.Int[0, 0xFFFF], Gen.Byte).Select(t => Write(t.Item1, t.Item2).ToArray()),
            Gen.Select(Gen.Int[0x200, 0x240], Gen.Byte[0, 3]).Select(t => Program(t.Item1, t.Item2).ToArray()),
            Gen.Select(Gen.Int[0, 0xFFFF], Gen.Byte, Gen.Int[1, 8]).Select(t => Read(t.Item1, t.Item2).Take(t.Item3).ToArray()),
            Gen.Select(Gen.Int[0, 7], Gen.Byte, Gen.Bool).Select(t => new[] { Raw(t.Item3, Base + t.Item1, t.Item2) }),
            Gen.Select(Gen.Byte[0xE0, 0xE3], Gen.Int[1, 3]).Select(t => Enumerable.Repeat(Raw(true, Base + 6, t.Item1), t.Item2).ToArray()),
            Gen.UShort.Select(w => new[] { Raw(false, Base, w, true) }),
            Gen.Byte.Select(v => new[] { Raw(false, 0x376, v) }));
        piece.Array[0, 60].Select(p => p.SelectMany(x => x).ToList()).Sample(accesses =>
        {
            var compact = Encode(accesses, TranscriptFormat.Compact);
            Assert.Equal(accesses, Decode(compact));
            // Folding whole cycles at once is a short-cut only: without it the text is the same, and so it is when
            // the batches the accesses are folded in end anywhere inside a cycle or a byte program.
            Assert.Equal(Encode(accesses, TranscriptFormat.Compact, predicting: false), compact);
            foreach (var pending in (int[])[1, 6, 13, 44])
                Assert.Equal(compact, Encode(accesses, TranscriptFormat.Compact, pending: pending));
            Assert.Equal(accesses, Decode(Encode(accesses, TranscriptFormat.Raw)));
        }, iter: 1000);
    }

    [Fact]
    public void A_long_read_then_program_run_writes_the_same_text_with_and_without_the_prediction()
    {
        // 300 reads (several 64-byte lines, then a second pass that is all known values), a program run across a
        // line break, a poll that answers another value (not a program), and a read that skips an address.
        var data = Enumerable.Range(0, 300).Select(i => (byte)(i * 13)).ToArray();
        var reads = data.SelectMany((v, i) => Read(0x4000 + i, v)).ToList();
        var accesses = reads.Concat(reads).ToList();
        accesses.AddRange(Enumerable.Range(0, 70).SelectMany(i => Program(0x6000 + i, (byte)i)));
        accesses.AddRange(Write(0x5555, 0xAA).Concat(Write(0x2AAA, 0x55)).Concat(Write(0x5555, 0xA0)).Concat(Write(0x6046, 0x11)).Concat(Read(0x6046, 0x91)));
        accesses.AddRange(Read(0x6050, 1).Concat(Read(0x6052, 2)));

        var compact = Encode(accesses, TranscriptFormat.Compact);

        Assert.Equal(Encode(accesses, TranscriptFormat.Compact, predicting: false), compact);
        for (var pending = 1; pending <= 50; pending++)
            Assert.Equal(compact, Encode(accesses, TranscriptFormat.Compact, pending: pending));
        Assert.Equal(accesses, Decode(compact));
        Assert.Contains("rs 4000 300\n", compact, StringComparison.Ordinal);
        Assert.Contains("pg 5555 2AAA 6000 ", compact, StringComparison.Ordinal);
    }

    [Fact]
    public void A_write_error_stops_recording_but_never_throws()
    {
        var failing = new FailingWriter(afterChars: 2000);
        var writer = new TranscriptWriter(failing, TranscriptFormat.Compact);
        for (var i = 0; i < 5000; i++)
            writer.Access(false, 0x177, (byte)i, false);

        writer.Dispose();

        Assert.IsType<IOException>(writer.Error);
        Assert.Equal(5000, writer.Accesses);
        // Nothing folds (each value differs from the one before), and an access's line is written when the next
        // access shows it is not repeated. 2000 characters are 222 lines of "R 177 xx" and its line end (nine
        // characters): the 223rd line fails, written while the 224th access was recorded — not wherever the batch
        // of accesses it was folded in ended.
        Assert.Equal(224, writer.FailedAtAccess);
    }

    [Fact]
    public void Arguments_with_spaces_quotes_and_newlines_survive_the_header()
    {
        string[] args = ["flash", "3", "my fw.bin", "a\"b\\c", "line\nbreak", ""];

        var text = TranscriptReader.JoinArguments(args);

        Assert.DoesNotContain('\n', text);
        Assert.Equal(args, TranscriptReader.SplitArguments(text));
    }

    [Theory]
    [InlineData("Q 177 80")]
    [InlineData("R 177 8")]
    [InlineData("rs 0000 4")]
    [InlineData("mailbox 170 70\nrs 0000 4")]
    [InlineData("mailbox 170 70\nrd FFFF 0000")]
    [InlineData("R 177 80 x0")]
    public void A_line_that_is_not_a_transcript_line_is_a_file_error_naming_it(string text)
    {
        var ex = Assert.Throws<RecoveryKitException>(() => TranscriptReader.Expand(text.Split('\n')).ToList());

        Assert.Equal(FailureKind.FileError, ex.Failure.Kind);
        Assert.Contains("line ", ex.Failure.Cause, StringComparison.Ordinal);
    }

    private sealed class FailingWriter(int afterChars) : TextWriter
    {
        private int _written;

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
            if (++_written > afterChars)
                throw new IOException("No space left on device");
        }
    }
}
