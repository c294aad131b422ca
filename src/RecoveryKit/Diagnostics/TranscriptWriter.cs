using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
public sealed class TranscriptWriter : IDisposable
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
    {
        _out = output;
        Format = format;
    }

    public TranscriptFormat Format { get; }

    /// <summary>Whether accesses are matched against the predicted next cycle first (true; tests compare with false).</summary>
    internal bool Predicting { get; init; } = true;

    /// <summary>Register accesses recorded (including any not written after an error).</summary>
    public long Accesses { get; private set; }


    /// <summary>Accesses recorded when the first write error happened, or -1.</summary>
    public long FailedAtAccess { get; private set; } = -1;

    /// <summary>The first write error, or null while the transcript is intact.</summary>
    public Exception? Error { get; private set; }

    /// <summary>A header line ("# command: …"); written as given after "# ".</summary>
    public void Header(string text)
    {
        Unarm();
        FlushAll();
        WriteLine("# " + Escape(text));
    }

    /// <summary>An event the replay device must see at this point, e.g. "power-cycle 3 yes".</summary>
    public void Event(string text)
    {
        Unarm();
        FlushAll();
        WriteLine(text);
    }

    /// <summary>Records one register access (a byte, or a word on the data port).</summary>
    public void Access(bool write, int port, ushort value, bool word) => Record(Pack(write, port, value, word));

    /// <summary>
    /// Records one packed access (<see cref="Pack"/>). The common case — the next access of the mailbox cycle that
    /// continues the current run of reads or programs — is one masked compare against the predicted access (see
    /// <see cref="Arm"/>); everything else goes through the folding stages below, which the prediction only
    /// short-cuts: the text written is the same either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Record(ulong packed)
    {
        Accesses++;
        var i = _expectPosition;
        if (i < _expectLength)
        {
            // i < _expectLength ≤ _expect.Length (Arm sets at most ProgramLength, the array's length).
            ref var slot = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_expect), i);
            if ((packed & slot.Mask) == slot.Value)
            {
                slot.Seen = packed;
                _expectPosition = ++i;
                if (i == _expectLength)
                    Predicted();
                return;
            }
        }
        AccessSlow(packed);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AccessSlow(ulong packed)
    {
        if (_stopped)
            return;
        if (Format == TranscriptFormat.Raw)
        {
            EmitRawLine(Unpack(packed), 1);
            return;
        }
        Unarm();
        Feed(Unpack(packed));
        Arm();
    }

    // ---- The prediction: the accesses that would continue the current run, compared as packed integers ----
    //
    // Packed access: bit 0 write, bit 1 word, bits 8-23 port, bits 32-47 value. A slot's mask clears the value
    // bits where any value continues the run (the byte a read answers, the byte a program writes).

    private const ulong FullMask = ulong.MaxValue;
    private const ulong AnyValue = ~(0xFFFFUL << 32);

    /// <summary>bit 0 write, bit 1 word, bits 8-23 port, bits 32-47 value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Pack(bool write, int port, ushort value, bool word) =>
        (write ? 1UL : 0UL) | (word ? 2UL : 0UL) | ((ulong)(uint)port << 8) | ((ulong)value << 32);

    private static Raw Unpack(ulong packed) =>
        new((packed & 1) != 0, (int)((packed >> 8) & 0xFFFFFF), (ushort)(packed >> 32), (packed & 2) != 0);

    private struct Slot
    {
        public ulong Value;
        public ulong Mask;
        public ulong Seen;
    }

    // A byte program: four write cycles (9 accesses each) and the poll's read cycle (7).
    private const int ProgramLength = (4 * 9) + 7;
    private const int ProgramDataSlot = (3 * 9) + 4;
    private const int ProgramPollSlot = ProgramLength - 1;
    private readonly Slot[] _expect = new Slot[ProgramLength];
    private int _expectLength;
    private int _expectPosition;

    /// <summary>
    /// Predicts the next mailbox cycle when the stages are between cycles and a run of reads or programs is open:
    /// the read (or byte program) at the run's next address, on the same channel with the same ready status — the
    /// only continuation the stages would append to the run unchanged.
    /// </summary>
    private void Arm()
    {
        _expectPosition = 0;
        _expectLength = 0;
        if (!Predicting || _stopped || _cycleLength != 0 || _opCount != 0 || _runNext > 0xFFFF)
            return;
        if (_run == RunKind.Read && _runShadow is not null && ReferenceEquals(_shadow.Bank(_runBase), _runShadow))
        {
            ExpectCycle(0, false, _runNext, 0);
            _expect[6].Mask = AnyValue;
            _expectLength = 7;
        }
        else if (_run == RunKind.Program)
        {
            ExpectCycle(0, true, _runUnlock1, 0xAA);
            ExpectCycle(9, true, _runUnlock2, 0x55);
            ExpectCycle(18, true, _runUnlock1, 0xA0);
            ExpectCycle(27, true, _runNext, 0);
            ExpectCycle(36, false, _runNext, 0);
            _expect[ProgramDataSlot].Mask = AnyValue;
            _expect[ProgramPollSlot].Mask = AnyValue;
            _expectLength = ProgramLength;
        }
    }

    /// <summary>The accesses of one mailbox cycle (docs/transcript.md, "mw" and "rd") into the slots from <paramref name="at"/>.</summary>
    private void ExpectCycle(int at, bool write, int address, byte data)
    {
        var b = _runBase;
        var e = _expect;
        Set(ref e[at], true, b + 2, 0x15);
        Set(ref e[at + 1], true, b + 5, (byte)(address >> 8));
        Set(ref e[at + 2], true, b + 4, (byte)address);
        Set(ref e[at + 3], false, b + 7, (byte)_runReady);
        if (write)
        {
            Set(ref e[at + 4], true, b + 3, data);
            Set(ref e[at + 5], true, b + 2, 0x20);
            Set(ref e[at + 6], true, b + 2, 0x40);
            Set(ref e[at + 7], true, b + 2, 0x42);
            Set(ref e[at + 8], true, b + 2, 0x01);
        }
        else
        {
            Set(ref e[at + 4], true, b + 2, 0x20);
            Set(ref e[at + 5], true, b + 2, 0x08);
            Set(ref e[at + 6], false, b + 3, 0);
        }

        static void Set(ref Slot slot, bool write, int port, byte value)
        {
            slot.Value = Pack(write, port, value, false);
            slot.Mask = FullMask;
        }
    }

    /// <summary>Gives the accesses matched so far to the stages, as if no prediction had been made.</summary>
    private void Unarm()
    {
        var n = _expectPosition;
        _expectPosition = 0;
        _expectLength = 0;
        for (var i = 0; i < n; i++)
            Feed(Unpack(_expect[i].Seen));
    }

    /// <summary>A predicted cycle (or byte program) is complete: appended to the run, and the next one predicted.</summary>
    private void Predicted()
    {
        if (_run == RunKind.Read)
        {
            var value = (byte)(_expect[6].Seen >> 32);
            var address = _runNext;
            var known = _runShadow![address] == value;
            _runShadow[address] = value;
            AppendRead(value, known);
            if (_run == RunKind.Read && !_stopped && _runNext <= 0xFFFF)
            {
                // The run goes on (AppendRead keeps channel, status and bank): only the address changes.
                Readdress(1, _runNext);
                _expectPosition = 0;
                return;
            }
        }
        else
        {
            var data = (byte)(_expect[ProgramDataSlot].Seen >> 32);
            if ((byte)(_expect[ProgramPollSlot].Seen >> 32) != data)
            {
                // The poll answered something else: not a byte program; the stages sort it out.
                Unarm();
                Arm();
                return;
            }
            EmitProgram(_runBase, _runReady, _runUnlock1, _runUnlock2, _runNext, data);
            if (_run == RunKind.Program && !_stopped && _runNext <= 0xFFFF)
            {
                Readdress(28, _runNext);
                Readdress(37, _runNext);
                _expectPosition = 0;
                return;
            }
        }
        Arm();
    }

    /// <summary>The LBA high and mid slots of a predicted cycle, from <paramref name="at"/>, for another address.</summary>
    private void Readdress(int at, int address)
    {
        var b = (ulong)(uint)_runBase << 8;
        _expect[at].Value = 1UL | ((b + (5UL << 8)) | ((ulong)(byte)(address >> 8) << 32));
        _expect[at + 1].Value = 1UL | ((b + (4UL << 8)) | ((ulong)(byte)address << 32));
    }

    /// <summary>Writes what is still folded and the closing line; the transcript is complete after this.</summary>
    public void Complete()
    {
        if (_completed)
            return;
        _completed = true;
        Unarm();
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
        for (var i = 0; i < length; i++)
            n = Hex(c, n, _runBytes[i], 2);
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
        _expectLength = 0;
        Error ??= ex;
        if (FailedAtAccess < 0)
            FailedAtAccess = Accesses;
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
