using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Discovery;

namespace RecoveryKit.Emulation;

/// <summary>
/// A bench rebuilt from a recorded session (a --transcript, either format): every read is answered with the value
/// recorded there, in order, and every access the host makes is checked against the recording. The first access
/// that differs — another register, another direction, another value written, a power cycle the recording lacks,
/// or an access after the recording ends — is a <see cref="FailureKind.ReplayDiverged"/> failure, and stays one:
/// once diverged every later access fails too, so code that catches a failure cannot carry on against nonsense.
/// This is how a technician's recording of a real drive becomes a test that runs without the drive.
/// </summary>
public sealed class ReplayBench : IChannelSet
{
    private readonly IEnumerator<TranscriptEntry> _entries;
    private readonly string _name;
    private bool _hasNext;
    private TranscriptEntry _next;
    private RecoveryKitException? _diverged;

    private ReplayBench(string name, TranscriptHeader header, IEnumerable<TranscriptEntry> entries)
    {
        _name = name;
        Header = header;
        Clock = new VirtualClock();
        var channels = header.Channels.Count > 0
            ? header.Channels
            : [new TranscriptChannel(0, "primary", 0x1F0, 0x3F6), new TranscriptChannel(1, "secondary", 0x170, 0x376)];
        Channels = channels.Select(c => new OpenChannel(c.Index, c.Name.Replace('_', ' '), new ReplayChannel(this, new ChannelAddress(c.CommandBase, c.ControlBase)))).ToList();
        _entries = entries.GetEnumerator();
        Advance();
    }

    /// <summary>Opens a transcript file.</summary>
    /// <exception cref="RecoveryKitException">FileError when it cannot be read or is not a transcript.</exception>
    public static ReplayBench Open(string path)
    {
        TranscriptHeader header;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
                throw new FileNotFoundException("no such file", path);
            // A FIFO or device reports no size; opening a FIFO with no writer would wait for ever.
            if (info.Length == 0)
                throw new RecoveryKitException(FailureKind.FileError, "replay",
                    $"\"{TranscriptWriter.Escape(path)}\" is empty or not a regular file (a device or FIFO)", "Give the file written with --transcript.");
            using (var reader = new StreamReader(path))
            {
                var first = reader.ReadLine();
                if (first is null || !first.StartsWith("# " + TranscriptWriter.Signature, StringComparison.Ordinal) && !first.StartsWith("W ", StringComparison.Ordinal) && !first.StartsWith("R ", StringComparison.Ordinal))
                    throw new RecoveryKitException(FailureKind.FileError, "replay",
                        $"\"{TranscriptWriter.Escape(path)}\" is not a RecoveryKit transcript (it does not start with \"# {TranscriptWriter.Signature}\")",
                        "Give the file written with --transcript.");
            }
            header = TranscriptReader.ReadHeader(File.ReadLines(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new RecoveryKitException(FailureKind.FileError, "replay", $"cannot read the transcript \"{TranscriptWriter.Escape(path)}\": {ex.Message}",
                "Check the name and that the file is readable.", ex);
        }
        return new ReplayBench(Path.GetFileName(path), header, TranscriptReader.Expand(File.ReadLines(path), Path.GetFileName(path)));
    }

    /// <summary>A bench over transcript lines already in memory (tests).</summary>
    public static ReplayBench FromLines(IReadOnlyList<string> lines, string name = "transcript") =>
        new(name, TranscriptReader.ReadHeader(lines), TranscriptReader.Expand(lines, name));

    public TranscriptHeader Header { get; }

    public VirtualClock Clock { get; }

    public string Describe => $"replay of {_name}";

    public IReadOnlyList<OpenChannel> Channels { get; }

    /// <summary>Register accesses matched so far.</summary>
    public long Matched { get; private set; }

    /// <summary>The first divergence, once there was one.</summary>
    public ReplayDivergence? Divergence => _diverged?.Failure.Divergence;

    /// <summary>Whether every recorded access and event was used.</summary>
    public bool AtEnd => !_hasNext;

    /// <summary>
    /// After the run: the first divergence, or — when the run ended while the recording goes on — that one; null
    /// when the run and the recording agree to the last access.
    /// </summary>
    public Failure? Verdict()
    {
        if (_diverged is not null)
            return _diverged.Failure;
        if (_hasNext)
        {
            Diverge(_next.Event ?? _next.Access.ToString(), null);
            return _diverged!.Failure;
        }
        return null;
    }

    public bool TryPowerCycle(DevicePosition position)
    {
        var done = $"power-cycle {(int)position}";
        if (_hasNext && _next.Event is { } e && e.StartsWith(done + " ", StringComparison.Ordinal))
        {
            Advance();
            return e.EndsWith(" yes", StringComparison.Ordinal);
        }
        throw Diverge(_hasNext ? _next.Event ?? _next.Access.ToString() : null, done);
    }

    public void Dispose() => _entries.Dispose();

    internal ushort Access(bool write, int port, ushort value, bool word)
    {
        Clock.AdvanceTicks(TimeSpan.TicksPerMicrosecond);
        if (_diverged is not null)
            throw _diverged;
        var host = new RegisterAccess(write, port, value, word);
        if (!_hasNext || _next.Event is not null)
            throw Diverge(_hasNext ? _next.Event : null, write ? host.ToString() : $"R {port:X3}");
        var recorded = _next.Access;
        if (recorded.IsWrite != write || recorded.Port != port || recorded.IsWord != word || (write && recorded.Value != value))
            throw Diverge(recorded.ToString(), write ? host.ToString() : $"R {port:X3}{(word ? " (word)" : "")}");
        Matched++;
        Advance();
        return recorded.Value;
    }

    private void Advance()
    {
        try
        {
            _hasNext = _entries.MoveNext();
            if (_hasNext)
                _next = _entries.Current;
        }
        catch (IOException ex)
        {
            throw new RecoveryKitException(FailureKind.FileError, "replay", $"reading the transcript failed: {ex.Message}", "Check the medium and run again.", ex);
        }
    }

    private RecoveryKitException Diverge(string? recorded, string? host)
    {
        var divergence = new ReplayDivergence(Matched, _hasNext ? _next.Line : 0, recorded, host);
        _diverged = new RecoveryKitException(new Failure(FailureKind.ReplayDiverged, "replay", divergence.Describe(),
            "The run no longer does what the recorded session did: if the code changed on purpose, record the session again; otherwise this is the regression.")
        {
            Divergence = divergence,
        });
        return _diverged;
    }

    /// <summary>One recorded channel: the register seam over the shared recording.</summary>
    private sealed class ReplayChannel(ReplayBench bench, ChannelAddress address) : IAtaRegisters
    {
        public ChannelAddress Address { get; } = address;

        public IClock Clock => bench.Clock;

        public byte Read(TaskFileRegister register) => (byte)bench.Access(false, Address.CommandBase + (int)register, 0, false);

        public void Write(TaskFileRegister register, byte value) => bench.Access(true, Address.CommandBase + (int)register, value, false);

        public byte ReadAlternateStatus() => (byte)bench.Access(false, Address.ControlBase, 0, false);

        public void WriteDeviceControl(byte value) => bench.Access(true, Address.ControlBase, value, false);

        public ushort ReadData() => bench.Access(false, Address.CommandBase, 0, true);

        public void WriteData(ushort value) => bench.Access(true, Address.CommandBase, value, true);

        public void ReadData(Span<ushort> words)
        {
            for (var i = 0; i < words.Length; i++)
                words[i] = ReadData();
        }

        public void WriteData(ReadOnlySpan<ushort> words)
        {
            foreach (var w in words)
                WriteData(w);
        }
    }
}
