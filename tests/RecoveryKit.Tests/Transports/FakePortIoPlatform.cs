using System.Runtime.InteropServices;
using RecoveryKit.Transports;

namespace RecoveryKit.Tests.Transports;

/// <summary>A scripted machine: what the OS would answer, and a log of every ioperm and port access.</summary>
internal sealed class FakePortIoPlatform : IPortIoPlatform
{
    public bool IsLinux { get; set; } = true;

    public Architecture ProcessArchitecture { get; set; } = Architecture.X64;

    public uint EffectiveUserId { get; set; }

    public Dictionary<string, string> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>errno to answer for ioperm(enable) of a range starting at the key port.</summary>
    public Dictionary<ushort, int> IopermErrno { get; } = [];

    public List<(ushort From, ushort Count, bool Enable, int ThreadId)> IopermCalls { get; } = [];

    public RecordingPortBus RecordingBus { get; } = new();

    public IPortBus Bus => RecordingBus;

    public string? ReadTextFile(string path) => Files.TryGetValue(path, out var text) ? text : null;

    public int SetPortPermission(ushort from, ushort count, bool enable)
    {
        lock (IopermCalls)
            IopermCalls.Add((from, count, enable, Environment.CurrentManagedThreadId));
        return enable && IopermErrno.TryGetValue(from, out var errno) ? errno : 0;
    }
}

/// <summary>Records port traffic and answers reads from a per-port queue (or a default).</summary>
internal sealed class RecordingPortBus : IPortBus
{
    public List<string> Log { get; } = [];

    public Dictionary<ushort, Queue<ushort>> Answers { get; } = [];

    public ushort Default { get; set; } = 0xFFFF;

    private ushort Next(ushort port) =>
        Answers.TryGetValue(port, out var q) && q.Count > 0 ? q.Dequeue() : Default;

    public byte InByte(ushort port)
    {
        var v = (byte)Next(port);
        Log.Add($"inb {port:X3} -> {v:X2}");
        return v;
    }

    public void OutByte(ushort port, byte value) => Log.Add($"outb {port:X3} <- {value:X2}");

    public ushort InWord(ushort port)
    {
        var v = Next(port);
        Log.Add($"inw {port:X3} -> {v:X4}");
        return v;
    }

    public void OutWord(ushort port, ushort value) => Log.Add($"outw {port:X3} <- {value:X4}");

    public void InWords(ushort port, Span<ushort> words)
    {
        for (var i = 0; i < words.Length; i++)
            words[i] = Next(port);
        Log.Add($"insw {port:X3} x{words.Length}");
    }

    public void OutWords(ushort port, ReadOnlySpan<ushort> words) =>
        Log.Add($"outsw {port:X3} [{string.Join(' ', words.ToArray().Select(w => w.ToString("X4")))}]");
}
