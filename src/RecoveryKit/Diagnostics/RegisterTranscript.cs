using System.Globalization;
using System.Runtime.CompilerServices;
using RecoveryKit.Ata;

namespace RecoveryKit.Diagnostics;

/// <summary>One register access: direction, I/O port, value (a byte, or a word on the data port).</summary>
public readonly record struct RegisterAccess(bool IsWrite, int Port, ushort Value, bool IsWord)
{
    /// <summary>"W 1F6 A0", "R 1F7 70", "R 1F0 1234" (port and value in hex).</summary>
    public override string ToString() =>
        $"{(IsWrite ? 'W' : 'R')} {Port:X3} {(IsWord ? Value.ToString("X4", CultureInfo.InvariantCulture) : Value.ToString("X2", CultureInfo.InvariantCulture))}";

    public static bool TryParse(string line, out RegisterAccess access)
    {
        access = default;
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3 || parts[0] is not ("W" or "R"))
            return false;
        if (!int.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var port)
            || !ushort.TryParse(parts[2], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
            || parts[2].Length is not (2 or 4))
            return false;
        access = new RegisterAccess(parts[0] == "W", port, value, parts[2].Length == 4);
        return true;
    }
}

/// <summary>
/// Records every register access that crosses the seam (--transcript), for real ports and the emulator alike:
/// to a <see cref="TranscriptWriter"/> (a file, compact or raw; docs/transcript.md), or to memory for tests.
/// Recording never changes what reaches the channel, and a transcript that cannot be written never throws here.
/// </summary>
public sealed class RegisterTranscript : IAtaRegisters, IDisposable
{
    private readonly IAtaRegisters _inner;
    private readonly TranscriptWriter? _writer;
    private readonly List<RegisterAccess>? _memory;

    /// <summary>Records to <paramref name="writer"/>, which several channels may share; null records to memory.</summary>
    public RegisterTranscript(IAtaRegisters inner, TranscriptWriter? writer)
    {
        _inner = inner;
        _writer = writer;
        _memory = writer is null ? [] : null;
        Address = inner.Address;
        Clock = inner.Clock;
        _command = Address.CommandBase;
        _control = Address.ControlBase;
        _readCommand = TranscriptWriter.Pack(false, _command, 0, false);
        _writeCommand = TranscriptWriter.Pack(true, _command, 0, false);
    }

    private readonly int _command;
    private readonly int _control;
    // Packed accesses (TranscriptWriter.Pack) to the command block's first register, without a value: a task-file
    // register's access is this plus the register's offset in the port bits and the value in the value bits.
    private readonly ulong _readCommand;
    private readonly ulong _writeCommand;

    /// <summary>What was recorded, when recording to memory.</summary>
    public IReadOnlyList<RegisterAccess> Accesses => _memory ?? [];

    public ChannelAddress Address { get; }

    /// <summary>The channel's clock (taken once: a channel keeps its clock).</summary>
    public IClock Clock { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Log(ulong packed)
    {
        if (_writer is { } writer)
            writer.Record(packed);
        else
            LogToMemory(packed);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void LogToMemory(ulong packed) =>
        _memory!.Add(new RegisterAccess((packed & 1) != 0, (int)((packed >> 8) & 0xFFFFFF), (ushort)(packed >> 32), (packed & 2) != 0));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Offset(TaskFileRegister register, byte value) => ((ulong)(uint)register << 8) | ((ulong)value << 32);

    public byte Read(TaskFileRegister register)
    {
        var value = _inner.Read(register);
        Log(_readCommand + Offset(register, value));
        return value;
    }

    public void Write(TaskFileRegister register, byte value)
    {
        Log(_writeCommand + Offset(register, value));
        _inner.Write(register, value);
    }

    public byte ReadAlternateStatus()
    {
        var value = _inner.ReadAlternateStatus();
        Log(TranscriptWriter.Pack(false, _control, value, false));
        return value;
    }

    public void WriteDeviceControl(byte value)
    {
        Log(TranscriptWriter.Pack(true, _control, value, false));
        _inner.WriteDeviceControl(value);
    }

    public ushort ReadData()
    {
        var value = _inner.ReadData();
        Log(TranscriptWriter.Pack(false, _command, value, true));
        return value;
    }

    public void WriteData(ushort value)
    {
        Log(TranscriptWriter.Pack(true, _command, value, true));
        _inner.WriteData(value);
    }

    public void ReadData(Span<ushort> words)
    {
        _inner.ReadData(words);
        foreach (var w in words)
            Log(TranscriptWriter.Pack(false, _command, w, true));
    }

    public void WriteData(ReadOnlySpan<ushort> words)
    {
        foreach (var w in words)
            Log(TranscriptWriter.Pack(true, _command, w, true));
        _inner.WriteData(words);
    }

    /// <summary>Nothing to release: the shared <see cref="TranscriptWriter"/> is completed by whoever made it.</summary>
    public void Dispose()
    {
    }

    /// <summary>
    /// Replays a transcript's accesses (either format) against a channel (writes are written, reads are read and
    /// compared); returns the accesses whose read value differed. Accesses to other channels are skipped.
    /// </summary>
    public static IReadOnlyList<(RegisterAccess Expected, ushort Actual)> Replay(IEnumerable<string> lines, IAtaRegisters channel)
    {
        var differences = new List<(RegisterAccess, ushort)>();
        var a = channel.Address;
        foreach (var entry in TranscriptReader.Expand(lines))
        {
            if (entry.Event is not null)
                continue;
            var access = entry.Access;
            if (access.Port == a.ControlBase)
            {
                if (access.IsWrite)
                    channel.WriteDeviceControl((byte)access.Value);
                else if (channel.ReadAlternateStatus() is var s && s != access.Value)
                    differences.Add((access, s));
                continue;
            }
            var offset = access.Port - a.CommandBase;
            if (offset is < 0 or > 7)
                continue;
            if (offset == 0)
            {
                if (access.IsWrite)
                    channel.WriteData(access.Value);
                else if (channel.ReadData() is var w && w != access.Value)
                    differences.Add((access, w));
                continue;
            }
            var register = (TaskFileRegister)offset;
            if (access.IsWrite)
                channel.Write(register, (byte)access.Value);
            else if (channel.Read(register) is var v && v != access.Value)
                differences.Add((access, v));
        }
        return differences;
    }
}
