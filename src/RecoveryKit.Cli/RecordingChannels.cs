using System.Text;
using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Discovery;
using RecoveryKit.Emulation;

namespace RecoveryKit.Cli;

/// <summary>
/// A bench whose every channel records its register accesses into one transcript file (--transcript), with a
/// header naming the command line and the channels, so that 'replay' can run the same command against it. A
/// transcript that cannot be written (a full disk) stops recording, never the drive work: the error is reported
/// when the bench is closed.
/// </summary>
internal sealed class RecordingChannels : IChannelSet
{
    private readonly IChannelSet _inner;
    private readonly TranscriptWriter _writer;
    private readonly string _path;
    private readonly SessionFiles _files;

    private RecordingChannels(IChannelSet inner, TranscriptWriter writer, string path, SessionFiles files)
    {
        _inner = inner;
        _writer = writer;
        _path = path;
        _files = files;
        Channels = inner.Channels.Select(Record).ToList();
    }

    private readonly List<VirtualChannel> _hooked = [];

    /// <summary>
    /// A virtual channel records through its own hook (one buffer store per access: the emulator answers an access in
    /// about 175 instructions, and a wrapper's second interface call and frame cost about 45 more); any other channel
    /// (real ports, a replay) is wrapped. Either way the transcript holds what the host saw, in order.
    /// </summary>
    private OpenChannel Record(OpenChannel channel)
    {
        if (channel.Registers is VirtualChannel { Transcript: null } virtualChannel)
        {
            virtualChannel.Transcript = _writer;
            _hooked.Add(virtualChannel);
            return channel;
        }
        return channel with { Registers = new RegisterTranscript(channel.Registers, _writer) };
    }

    /// <summary>
    /// Wraps <paramref name="inner"/> when a transcript path is given (a new file, created now: before any register
    /// access); otherwise returns it unchanged. On a refusal the inner bench is closed.
    /// </summary>
    public static IChannelSet Wrap(IChannelSet inner, string? path, SessionFiles files)
    {
        if (path is null)
            return inner;
        try
        {
            var stream = OutputFiles.CreateNew(path, "--transcript", "transcript");
            var writer = new TranscriptWriter(new StreamWriter(stream, new UTF8Encoding(false), 1 << 16), files.TranscriptFormat);
            writer.Header($"{TranscriptWriter.Signature}, {(files.TranscriptFormat == TranscriptFormat.Raw ? "raw" : "compact")} format 1 (docs/transcript.md)");
            writer.Header($"version: {typeof(RecordingChannels).Assembly.GetName().Version}");
            writer.Header($"args: {TranscriptReader.JoinArguments(files.Arguments)}");
            writer.Header($"bench: {inner.Describe}");
            foreach (var c in inner.Channels)
                writer.Header($"channel {c.Index} {c.Name.Replace(' ', '_')} {c.Registers.Address.CommandBase:X3} {c.Registers.Address.ControlBase:X3}");
            return new RecordingChannels(inner, writer, path, files);
        }
        catch
        {
            inner.Dispose();
            throw;
        }
    }

    public string Describe => _inner.Describe;

    public IReadOnlyList<OpenChannel> Channels { get; }

    /// <summary>The real bench underneath (for notes and power cycles).</summary>
    public IChannelSet Inner => _inner;

    public bool TryPowerCycle(DevicePosition position)
    {
        var done = _inner.TryPowerCycle(position);
        _writer.Event($"power-cycle {(int)position} {(done ? "yes" : "no")}");
        return done;
    }

    public void Dispose()
    {
        try
        {
            foreach (var channel in _hooked)
                channel.Transcript = null;
            _writer.Dispose();
            if (_writer.Error is { } error)
            {
                _files.Warnings.Add(
                    $"the transcript {OutputFiles.Shown(_path)} is incomplete: writing it failed after {_writer.FailedAtAccess} of {_writer.Accesses} register accesses ({error.Message}); the drive work was not affected");
            }
        }
        finally
        {
            _inner.Dispose();
        }
    }
}
