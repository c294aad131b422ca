using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RecoveryKit.Diagnostics;

/// <summary>How a transcript is written: folded (the default) or one register access per line.</summary>
public enum TranscriptFormat
{
    /// <summary>Repeats folded, mailbox cycles one per flash-bus access, runs of reads and programs one line per run (docs/transcript.md).</summary>
    Compact,

    /// <summary>One register access per line ("W 1F6 A0", "R 1F7 70"): --transcript-raw.</summary>
    Raw,
}

/// <summary>
/// Writes a register transcript (docs/transcript.md) for one or more channels, in order. It never throws on
/// I/O: the first write error (a full disk, a pulled stick) is kept in <see cref="Error"/>, recording stops
/// there, and the drive work goes on — a transcript is evidence, never a reason to stop a flash halfway.
/// </summary>
public sealed unsafe class TranscriptWriter : IDisposable
{
    /// <summary>The first line of every transcript RecoveryKit writes.</summary>
    public const string Signature = "RecoveryKit register transcript";

    private const int MaxRunBytes = 64;
    private const int ShadowRunMin = 16;

    private readonly TextWriter _out;
    private readonly char[] _line = new char[16 + (MaxRunBytes * 2) + 32];
    private bool _stopped;
    private bool _completed;

    // Stage A: the mailbox cycle being matched (PROTOCOL.md §4: SC←15, LBAH, LBAM, status, then read or write codes).
    private readonly Raw[] _cycle = new Raw[9];
    private int _cycleLength;
    private int _cycleBase;
    private bool _cycleIsWrite;

    // Stage B: mailbox operations that may still become one byte program (AA, 55, A0, data, poll read).
    private readonly Op[] _ops = new Op[5];
    private int _opCount;

    // Stage C: the line being built.
    private RunKind _run;
    private Raw _rawLast;
    private long _rawCount;
    private int _runBase;
    private int _runReady;
    private int _runStart;
    private int _runNext;
    private int _runUnlock1;
    private int _runUnlock2;
    private readonly byte[] _runBytes = new byte[MaxRunBytes];
    private int _runLength;
    private int _runTrailingKnown;
    private long _runShadowCount;
    private short[]? _runShadow;

    // What the mailbox directive says now (base, ready status) and each channel's device/features registers.
    private int _mailboxBase = -1;
    private int _mailboxReady = -1;
    private readonly TranscriptShadow _shadow = new();

    public TranscriptWriter(TextWriter output, TranscriptFormat format)
        : this(output, format, DefaultPendingAccesses)
    {
    }

    /// <param name="output">Where the text goes.</param>
    /// <param name="format">Compact or raw.</param>
    /// <param name="pendingAccesses">How many accesses are kept before they are folded (tests use small numbers to
    /// cut mailbox cycles at every point; the text never depends on it).</param>
    internal TranscriptWriter(TextWriter output, TranscriptFormat format, int pendingAccesses)
    {
        _out = output;
        Format = format;
        // Pinned (the pinned object heap): the channels append through a plain pointer, one store and one compare.
        _pending = GC.AllocateUninitializedArray<ulong>(Math.Max(pendingAccesses, 1), pinned: true);
        _first = (ulong*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_pending));
        _cursor = _first;
        _limit = _first + _pending.Length;
    }

    public TranscriptFormat Format { get; }

    /// <summary>Whether whole mailbox cycles that continue the current run are folded in one step (true; tests compare with false).</summary>
    internal bool Predicting { get; init; } = true;

    /// <summary>Register accesses recorded (including any not written after an error).</summary>
    public long Accesses => _drained + PendingCount;

    /// <summary>Accesses recorded when the first write error happened, or -1.</summary>
    public long FailedAtAccess { get; private set; } = -1;

    /// <summary>The first write error, or null while the transcript is intact.</summary>
    public Exception? Error { get; private set; }

    /// <summary>A header line ("# command: …"); written as given after "# ".</summary>
    public void Header(string text)
    {
        FlushAll();
        WriteLine("# " + Escape(text));
    }

    /// <summary>An event the replay device must see at this point, e.g. "power-cycle 3 yes".</summary>
    public void Event(string text)
    {
        FlushAll();
        WriteLine(text);
    }

    /// <summary>Records one register access (a byte, or a word on the data port).</summary>
    public void Access(bool write, int port, ushort value, bool word) => Record(Pack(write, port, value, word));

    // ---- Recording: one store per access; the folding runs over a batch of them (Drain) ----
    //
    // A channel (VirtualChannel's recording hook, or the RegisterTranscript wrapper) hands each access over already
    // packed: bit 0 write, bit 1 word, bits 8-23 port, bits 32-47 value. Keeping them and folding a few thousand at a
    // time lets the fold compare whole mailbox cycles against the run it continues in one tight loop (FoldReads,
    // FoldPrograms) instead of paying a call and the folding stages' bookkeeping per access.

    private const int DefaultPendingAccesses = 8192;
    private const ulong AnyValue = ~(0xFFFFUL << 32);

    private readonly ulong[] _pending;
    // The next free slot of _pending, its first slot and the end; _cursor < _limit between calls.
    private ulong* _cursor;
    private readonly ulong* _first;
    private readonly ulong* _limit;

    private int PendingCount => (int)(_cursor - _first);
    // Accesses taken out of _pending (folded or written) so far, and the one being folded now (1-based, for FailedAtAccess).
    private long _drained;
    private long _current;

    /// <summary>Records one packed access (<see cref="Pack"/>): kept, and folded with the next few thousand.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Record(ulong packed)
    {
        var p = _cursor;
        *p = packed;
        _cursor = ++p;
        if (p == _limit)
            Full();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Full()
    {
        Drain(final: false);
        if (_cursor == _limit)
            Drain(final: true);
    }

    /// <summary>bit 0 write, bit 1 word, bits 8-23 port, bits 32-47 value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Pack(bool write, int port, ushort value, bool word) =>
        (write ? 1UL : 0UL) | (word ? 2UL : 0UL) | ((ulong)(uint)port << 8) | ((ulong)value << 32);

    private static Raw Unpack(ulong packed) =>
        new((packed & 1) != 0, (int)((packed >> 8) & 0xFFFFFF), (ushort)(packed >> 32), (packed & 2) != 0);

    /// <summary>
    /// Folds the kept accesses. Where the stages are between mailbox cycles with a run of reads or programs open,
    /// whole cycles that continue the run exactly are appended in one step; everything else goes through the stages
    /// one access at a time. The short-cut changes nothing in the text (a property test compares it with the stages
    /// alone). Unless <paramref name="final"/>, a cycle the batch ends in the middle of waits for the next batch.
    /// </summary>
    private void Drain(bool final)
    {
        var n = PendingCount;
        var buffer = _pending;
        var j = 0;
        if (_stopped)
            j = n;
        else if (Format == TranscriptFormat.Raw)
        {
            for (; j < n && !_stopped; j++)
            {
                _current = _drained + j + 1;
                EmitRawLine(Unpack(buffer[j]), 1);
            }
            j = n;
        }
        else
        {
            while (j < n)
            {
                if (Predicting && _cycleLength == 0 && _opCount == 0 && _runNext <= 0xFFFF)
                {
                    if (_run == RunKind.Read && _runShadow is not null && ReferenceEquals(_shadow.Bank(_runBase), _runShadow))
                    {
                        var k = FoldReads(buffer, j, n);
                        if (k != j)
                        {
                            j = k;
                            continue;
                        }
                        if (!final && n - j < ReadCycleLength)
                            break;
                    }
                    else if (_run == RunKind.Program)
                    {
                        var k = FoldPrograms(buffer, j, n);
                        if (k != j)
                        {
                            j = k;
                            continue;
                        }
                        if (!final && n - j < ProgramLength)
                            break;
                    }
                }
                if (_stopped)
                {
                    j = n;
                    break;
                }
                _current = _drained + j + 1;
                Feed(Unpack(buffer[j++]));
            }
        }
        _drained += j;
        _current = _drained;
        _cursor = _first + (n - j);
        if (j < n)
            Array.Copy(buffer, j, buffer, 0, n - j);
    }

    // A mailbox read cycle (PROTOCOL.md §4): SC←15, LBA high, LBA mid, status, SC←20, SC←08, data.
    private const int ReadCycleLength = 7;

    // A byte program: four write cycles (9 accesses each) and the poll's read cycle (7).
    private const int ProgramLength = (4 * 9) + ReadCycleLength;
    private const int ProgramDataSlot = (3 * 9) + 4;
    private const int ProgramPollSlot = ProgramLength - 1;
    private readonly ulong[] _program = new ulong[ProgramLength];
    private readonly ulong[] _readCycle = new ulong[ReadCycleLength];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Packed(bool write, ulong port, int value) => (write ? 1UL : 0UL) | (port << 8) | ((ulong)(uint)value << 32);

    /// <summary>
    /// Appends to the open run of reads every whole read cycle from <paramref name="j"/> that continues it (same
    /// channel and status, the run's next address; the bank cannot change inside: that takes a raw write). Returns
    /// where it stopped.
    /// </summary>
    private int FoldReads(ulong[] buffer, int j, int n)
    {
        var t = _readCycle;
        ExpectCycle(t, 0, false, 0, 0);
        var shadow = _runShadow!;
        while (n - j >= ReadCycleLength)
        {
            if (_runShadowCount > 0)
            {
                j = FoldKnownReads(buffer, j, n);
                if (n - j < ReadCycleLength || _runNext > 0xFFFF)
                    break;
            }
            var next = _runNext;
            ref var c = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(buffer), j);
            if (!IsReadCycle(ref c, ref MemoryMarshal.GetArrayDataReference(t), next))
                break;
            var value = (byte)(Unsafe.Add(ref c, 6) >> 32);
            j += ReadCycleLength;
            var known = shadow[next] == value;
            shadow[next] = value;
            if (!known && _runShadowCount == 0 && _runLength < MaxRunBytes - 1)
            {
                // AppendRead's common case in a first read (a new value that does not fill the line) without the call.
                _runBytes[_runLength++] = value;
                _runTrailingKnown = 0;
                _runNext = next + 1;
            }
            else
            {
                _current = _drained + j;
                AppendRead(value, known);
                if (_run != RunKind.Read || _stopped)
                    break;
            }
            if (_runNext > 0xFFFF)
                break;
        }
        return j;
    }

    /// <summary>The seven accesses at <paramref name="c"/> are the read cycle <paramref name="t"/> (ExpectCycle) at <paramref name="address"/>, any data.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsReadCycle(ref ulong c, ref ulong t, int address) =>
        c == t
        && Unsafe.Add(ref c, 1) == (Unsafe.Add(ref t, 1) | ((ulong)(uint)(address >> 8) << 32))
        && Unsafe.Add(ref c, 2) == (Unsafe.Add(ref t, 2) | ((ulong)(byte)address << 32))
        && Unsafe.Add(ref c, 3) == Unsafe.Add(ref t, 3)
        && Unsafe.Add(ref c, 4) == Unsafe.Add(ref t, 4)
        && Unsafe.Add(ref c, 5) == Unsafe.Add(ref t, 5)
        && (Unsafe.Add(ref c, 6) & AnyValue) == Unsafe.Add(ref t, 6);

    /// <summary>
    /// The common case of a read-back (backup's second pass, verify): while the run is an "rs" run, every read
    /// cycle that continues it and answers the value already known there adds one to its count (AppendRead's first
    /// branch). No calls, so the loop keeps its values in registers.
    /// </summary>
    private int FoldKnownReads(ulong[] buffer, int j, int n)
    {
        ref var t = ref MemoryMarshal.GetArrayDataReference(_readCycle);
        // Every run shadow is a whole bank (TranscriptShadow.NewBank): 10000h values, and next stays ≤ FFFFh below.
        ref var shadow = ref MemoryMarshal.GetArrayDataReference(_runShadow!);
        ref var c = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(buffer), j);
        var next = _runNext;
        var count = _runShadowCount;
        var cycles = (n - j) / ReadCycleLength;
        var done = 0;
        while (done < cycles && next <= 0xFFFF)
        {
            if (!IsReadCycle(ref c, ref t, next) || Unsafe.Add(ref shadow, next) != (short)(ushort)(byte)(Unsafe.Add(ref c, 6) >> 32))
                break;
            c = ref Unsafe.Add(ref c, ReadCycleLength);
            next++;
            done++;
        }
        _runNext = next;
        _runShadowCount = count + done;
        return j + (done * ReadCycleLength);
    }

    /// <summary>
    /// Appends to the open run of byte programs every whole byte program from <paramref name="j"/> that continues
    /// it (same channel, status and unlock addresses, the run's next address, a poll that shows the data). Returns
    /// where it stopped.
    /// </summary>
    private int FoldPrograms(ulong[] buffer, int j, int n)
    {
        var e = _program;
        ExpectCycle(e, 0, true, _runUnlock1, 0xAA);
        ExpectCycle(e, 9, true, _runUnlock2, 0x55);
        ExpectCycle(e, 18, true, _runUnlock1, 0xA0);
        ExpectCycle(e, 27, true, 0, 0);
        ExpectCycle(e, 36, false, 0, 0);
        var high = e[28];
        var low = e[29];
        var data = e[ProgramDataSlot];
        var poll = e[ProgramPollSlot];
        // The bank a program run writes into stays the same inside (changing it takes a raw write).
        var shadow = _shadow.Bank(_runBase);
        while (n - j >= ProgramLength && _runNext <= 0xFFFF)
        {
            var address = _runNext;
            var c = buffer.AsSpan(j, ProgramLength);
            // The data byte (written, then shown by the poll) is the one value not known in advance: taken from the
            // data write, so that one compare of all 43 accesses checks the rest and that the poll shows it.
            var value = (c[ProgramDataSlot] >> 32) & 0xFF;
            e[ProgramDataSlot] = data | (value << 32);
            e[ProgramPollSlot] = poll | (value << 32);
            e[28] = e[37] = high | ((ulong)(uint)(address >> 8) << 32);
            e[29] = e[38] = low | ((ulong)(byte)address << 32);
            if (!SameAccesses(ref MemoryMarshal.GetReference(c), ref MemoryMarshal.GetArrayDataReference(e)))
                break;
            j += ProgramLength;
            shadow[address] = (byte)value;
            if (_runLength < MaxRunBytes)
            {
                // EmitProgram's common case: the byte continues the run's line.
                _runBytes[_runLength++] = (byte)value;
                _runNext = address + 1;
                continue;
            }
            _current = _drained + j;
            EmitProgram(_runBase, _runReady, _runUnlock1, _runUnlock2, address, (byte)value);
            if (_run != RunKind.Program || _stopped)
                break;
        }
        return j;
    }

    /// <summary>Whether the 43 accesses at <paramref name="c"/> are those at <paramref name="e"/>: two at a time, one branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool SameAccesses(ref ulong c, ref ulong e)
    {
        var differ = Vector128<ulong>.Zero;
        for (var i = 0; i < ProgramLength - 1; i += 2)
            differ |= Vector128.LoadUnsafe(ref c, (nuint)i) ^ Vector128.LoadUnsafe(ref e, (nuint)i);
        return differ == Vector128<ulong>.Zero && Unsafe.Add(ref c, ProgramLength - 1) == Unsafe.Add(ref e, ProgramLength - 1);
    }

    /// <summary>The accesses of one mailbox cycle on the open run's channel (docs/transcript.md, "mw" and "rd"), value bits clear where the data goes.</summary>
    private void ExpectCycle(ulong[] e, int at, bool write, int address, byte data)
    {
        var b = (ulong)(uint)_runBase;
        e[at] = Packed(true, b + 2, 0x15);
        e[at + 1] = Packed(true, b + 5, address >> 8);
        e[at + 2] = Packed(true, b + 4, address & 0xFF);
        e[at + 3] = Packed(false, b + 7, _runReady);
        if (write)
        {
            e[at + 4] = Packed(true, b + 3, data);
            e[at + 5] = Packed(true, b + 2, 0x20);
            e[at + 6] = Packed(true, b + 2, 0x40);
            e[at + 7] = Packed(true, b + 2, 0x42);
            e[at + 8] = Packed(true, b + 2, 0x01);
        }
        else
        {
            e[at + 4] = Packed(true, b + 2, 0x20);
            e[at + 5] = Packed(true, b + 2, 0x08);
            e[at + 6] = Packed(false, b + 3, 0);
        }
    }

    /// <summary>Writes what is still folded and the closing line; the transcript is complete after this.</summary>
    public void Complete()
    {
        if (_completed)
            return;
        _completed = true;
        FlushAll();
        WriteLine($"# end: {Accesses} register accesses");
        try
        {
            if (!_stopped)
                _out.Flush();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            Fail(ex);
        }
    }

    public void Dispose()
    {
        Complete();
        try
        {
            _out.Dispose();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            if (Error is null)
                Fail(ex);
        }
    }

    /// <summary>Control characters in a header (a file name with a newline) would split the line: shown as \xNN.</summary>
    public static string Escape(string text)
    {
        if (!text.Any(char.IsControl))
            return text;
        var sb = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (char.IsControl(c))
                sb.Append("\\x").Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            else
                sb.Append(c);
        }
        return sb.ToString();
    }

    // ---- Stage A: mailbox cycles ----

    private void Feed(Raw a)
    {
        var n = _cycleLength;
        if (n == 0)
        {
            if (a.Write && !a.Word && a.Value == 0x15)
            {
                _cycleBase = a.Port - 2;
                _cycle[0] = a;
                _cycleLength = 1;
                return;
            }
            EmitRaw(a);
            return;
        }
        var offset = a.Port - _cycleBase;
        bool ok;
        if (a.Word)
            ok = false;
        else if (n == 1)
            ok = a.Write && offset == 5;
        else if (n == 2)
            ok = a.Write && offset == 4;
        else if (n == 3)
            ok = !a.Write && offset == 7;
        else if (n == 4)
        {
            ok = a.Write && ((offset == 2 && a.Value == 0x20) || offset == 3);
            _cycleIsWrite = offset == 3;
        }
        else if (n == 5)
            ok = a.Write && offset == 2 && a.Value == (_cycleIsWrite ? 0x20 : 0x08);
        else if (n == 6)
            ok = _cycleIsWrite ? a.Write && offset == 2 && a.Value == 0x40 : !a.Write && offset == 3;
        else if (n == 7)
            ok = a.Write && offset == 2 && a.Value == 0x42;
        else
            ok = a.Write && offset == 2 && a.Value == 0x01;
        if (!ok)
        {
            _cycleLength = 0;
            for (var i = 0; i < n; i++)
                EmitRaw(_cycle[i]);
            Feed(a);
            return;
        }
        _cycle[n] = a;
        _cycleLength = ++n;
        if (n == 7 && !_cycleIsWrite)
        {
            _cycleLength = 0;
            PushOp(new Op(false, _cycleBase, _cycle[3].Value, (_cycle[1].Value << 8) | _cycle[2].Value, (byte)a.Value));
        }
        else if (n == 9)
        {
            _cycleLength = 0;
            PushOp(new Op(true, _cycleBase, _cycle[3].Value, (_cycle[1].Value << 8) | _cycle[2].Value, (byte)_cycle[4].Value));
        }
    }

    // ---- Stage B: byte programs (AAh, 55h, A0h, data, one poll read that shows the data) ----

    private void PushOp(Op op)
    {
        if (_opCount == 0 && !(op.Write && op.Value == 0xAA))
        {
            EmitOp(op); // cannot start a byte program: the common case, kept cheap
            return;
        }
        _ops[_opCount++] = op;
        while (_opCount > 0)
        {
            if (IsProgramPrefix())
            {
                if (_opCount == 5)
                {
                    _opCount = 0;
                    EmitProgram(_ops[0].Base, _ops[0].Ready, _ops[0].Address, _ops[1].Address, _ops[3].Address, _ops[3].Value);
                }
                return;
            }
            var first = _ops[0];
            _opCount--;
            for (var i = 0; i < _opCount; i++)
                _ops[i] = _ops[i + 1];
            EmitOp(first);
        }
    }

    private bool IsProgramPrefix()
    {
        var o = _ops;
        var n = _opCount;
        if (!(o[0].Write && o[0].Value == 0xAA))
            return false;
        if (n > 1 && !(o[1].Write && o[1].Value == 0x55 && o[1].Base == o[0].Base && o[1].Ready == o[0].Ready))
            return false;
        if (n > 2 && !(o[2].Write && o[2].Value == 0xA0 && o[2].Address == o[0].Address && o[2].Base == o[0].Base && o[2].Ready == o[0].Ready))
            return false;
        if (n > 3 && !(o[3].Write && o[3].Base == o[0].Base && o[3].Ready == o[0].Ready))
            return false;
        if (n > 4 && !(!o[4].Write && o[4].Address == o[3].Address && o[4].Value == o[3].Value && o[4].Base == o[0].Base && o[4].Ready == o[0].Ready))
            return false;
        return true;
    }

    private void FlushOps()
    {
        var cycle = _cycleLength;
        _cycleLength = 0;
        while (_opCount > 0)
        {
            var first = _ops[0];
            _opCount--;
            for (var i = 0; i < _opCount; i++)
                _ops[i] = _ops[i + 1];
            EmitOp(first);
        }
        // Raw accesses of an unfinished cycle come after every finished operation.
        for (var i = 0; i < cycle; i++)
            EmitRaw(_cycle[i]);
    }

    // ---- Stage C: lines ----

    private void EmitOp(Op op)
    {
        if (op.Write)
        {
            FlushRun();
            Directive(op.Base, op.Ready);
            WriteLine($"mw {op.Address:X4} {op.Value:X2}");
            return;
        }
        var shadow = _shadow.Bank(op.Base);
        var known = shadow[op.Address] == op.Value;
        shadow[op.Address] = op.Value;
        if (_run == RunKind.Read && _runBase == op.Base && _runReady == op.Ready && op.Address == _runNext && _runShadow == shadow)
        {
            AppendRead(op.Value, known);
            return;
        }
        FlushRun();
        _run = RunKind.Read;
        _runBase = op.Base;
        _runReady = op.Ready;
        _runStart = op.Address;
        _runNext = op.Address;
        _runLength = 0;
        _runTrailingKnown = 0;
        _runShadowCount = 0;
        _runShadow = shadow;
        AppendRead(op.Value, known);
    }

    private void AppendRead(byte value, bool known)
    {
        _runNext++;
        if (_runShadowCount > 0)
        {
            if (known)
            {
                _runShadowCount++;
                return;
            }
            FlushRun();
            _run = RunKind.Read;
            _runStart = _runNext - 1;
            _runLength = 0;
            _runTrailingKnown = 0;
        }
        _runBytes[_runLength++] = value;
        _runTrailingKnown = known ? _runTrailingKnown + 1 : 0;
        if (_runTrailingKnown >= ShadowRunMin)
        {
            var explicitBytes = _runLength - _runTrailingKnown;
            if (explicitBytes > 0)
            {
                Directive(_runBase, _runReady);
                WriteBytesLine("rd", _runStart, explicitBytes);
            }
            _runStart += explicitBytes;
            _runShadowCount = _runTrailingKnown;
            _runLength = 0;
            _runTrailingKnown = 0;
            return;
        }
        if (_runLength == MaxRunBytes)
        {
            Directive(_runBase, _runReady);
            WriteBytesLine("rd", _runStart, _runLength);
            _runStart += _runLength;
            _runLength = 0;
            _runTrailingKnown = 0;
        }
    }

    private void EmitProgram(int @base, int ready, int unlock1, int unlock2, int address, byte value)
    {
        _shadow.Bank(@base)[address] = value;
        if (_run == RunKind.Program && _runBase == @base && _runReady == ready && _runUnlock1 == unlock1 && _runUnlock2 == unlock2
            && address == _runNext && _runLength < MaxRunBytes)
        {
            _runBytes[_runLength++] = value;
            _runNext++;
            return;
        }
        FlushRun();
        _run = RunKind.Program;
        _runBase = @base;
        _runReady = ready;
        _runUnlock1 = unlock1;
        _runUnlock2 = unlock2;
        _runStart = address;
        _runNext = address + 1;
        _runBytes[0] = value;
        _runLength = 1;
    }

    private void EmitRaw(Raw a)
    {
        if (_run == RunKind.Raw && _opCount == 0 && a == _rawLast)
        {
            _rawCount++;
            return;
        }
        FlushOps();
        FlushRun();
        if (a.Write && !a.Word)
            _shadow.Track(a.Port, (byte)a.Value);
        _run = RunKind.Raw;
        _rawLast = a;
        _rawCount = 1;
    }

    private void FlushRun()
    {
        switch (_run)
        {
            case RunKind.Raw:
                EmitRawLine(_rawLast, _rawCount);
                break;
            case RunKind.Read:
                Directive(_runBase, _runReady);
                if (_runShadowCount > 0)
                    WriteLine($"rs {_runStart:X4} {_runShadowCount}");
                else if (_runLength > 0)
                    WriteBytesLine("rd", _runStart, _runLength);
                break;
            case RunKind.Program:
                Directive(_runBase, _runReady);
                WriteBytesLine($"pg {_runUnlock1:X4} {_runUnlock2:X4}", _runStart, _runLength);
                break;
        }
        _run = RunKind.None;
        _runLength = 0;
        _runShadowCount = 0;
    }

    private void FlushAll()
    {
        Drain(final: true);
        if (Format == TranscriptFormat.Compact)
        {
            FlushOps();
            FlushRun();
        }
    }

    private void Directive(int @base, int ready)
    {
        if (@base == _mailboxBase && ready == _mailboxReady)
            return;
        _mailboxBase = @base;
        _mailboxReady = ready;
        WriteLine($"mailbox {@base:X3} {ready:X2}");
    }

    private void EmitRawLine(Raw a, long count)
    {
        var c = _line;
        var n = 0;
        c[n++] = a.Write ? 'W' : 'R';
        c[n++] = ' ';
        n = Hex(c, n, a.Port, a.Port > 0xFFF ? 4 : 3);
        c[n++] = ' ';
        n = Hex(c, n, a.Value, a.Word ? 4 : 2);
        if (count > 1)
        {
            c[n++] = ' ';
            c[n++] = 'x';
            var digits = count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            digits.CopyTo(0, c, n, digits.Length);
            n += digits.Length;
        }
        WriteChars(c, n);
    }

    private void WriteBytesLine(string prefix, int start, int length)
    {
        var c = _line;
        prefix.CopyTo(0, c, 0, prefix.Length);
        var n = prefix.Length;
        c[n++] = ' ';
        n = Hex(c, n, start, 4);
        c[n++] = ' ';
        const string digits = "0123456789ABCDEF";
        var bytes = _runBytes;
        for (var i = 0; i < length; i++)
        {
            var b = bytes[i];
            c[n] = digits[b >> 4];
            c[n + 1] = digits[b & 0xF];
            n += 2;
        }
        WriteChars(c, n);
    }

    private static int Hex(char[] c, int n, int value, int digits)
    {
        for (var d = digits - 1; d >= 0; d--)
            c[n++] = "0123456789ABCDEF"[(value >> (d * 4)) & 0xF];
        return n;
    }

    private void WriteChars(char[] chars, int length)
    {
        if (_stopped)
            return;
        try
        {
            _out.Write(chars, 0, length);
            _out.Write('\n');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            Fail(ex);
        }
    }

    private void WriteLine(string line)
    {
        if (_stopped)
            return;
        try
        {
            _out.Write(line);
            _out.Write('\n');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            Fail(ex);
        }
    }

    private void Fail(Exception ex)
    {
        _stopped = true;
        Error ??= ex;
        if (FailedAtAccess < 0)
            FailedAtAccess = _current;
    }

    private enum RunKind
    {
        None,
        Raw,
        Read,
        Program,
    }

    private readonly record struct Raw(bool Write, int Port, ushort Value, bool Word);

    private readonly record struct Op(bool Write, int Base, int Ready, int Address, byte Value);
}

/// <summary>
/// What the compact format's "rs" lines refer to: the value last seen at each mailbox address, per channel and per
/// value of that channel's device and features registers (which carry the bank bits), exactly as last written.
/// </summary>
internal sealed class TranscriptShadow
{
    private readonly short[] _written = NewBank();
    private readonly Dictionary<(int Base, short Device, short Features), short[]> _banks = [];
    private int _lastBase = -1;
    private short[]? _last;

    /// <summary>A raw byte write to a port: the device (base+6) and features (base+1) registers pick the bank.</summary>
    public void Track(int port, byte value)
    {
        if ((uint)port >= 0x10000)
            return;
        _written[port] = value;
        if (port == _lastBase + 6 || port == _lastBase + 1)
            _lastBase = -1;
    }

    /// <summary>The shadow of the 64 KiB the channel at <paramref name="base"/> addresses now (-1: never seen).</summary>
    public short[] Bank(int @base)
    {
        if (@base == _lastBase && _last is not null)
            return _last;
        var key = (@base, Written(@base + 6), Written(@base + 1));
        if (!_banks.TryGetValue(key, out var bank))
        {
            bank = NewBank();
            _banks[key] = bank;
        }
        _lastBase = @base;
        _last = bank;
        return bank;
    }

    private short Written(int port) => (uint)port < 0x10000 ? _written[port] : (short)-1;

    private static short[] NewBank()
    {
        var bank = new short[0x10000];
        Array.Fill(bank, (short)-1);
        return bank;
    }
}
