using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;

namespace RecoveryKit.Cli;

/// <summary>A bench whose every channel records its register accesses into one transcript file (--transcript).</summary>
internal sealed class TranscriptBench : IBench
{
    private readonly IBench _inner;
    private readonly StreamWriter _file;
    private readonly List<RegisterTranscript> _transcripts = [];

    private TranscriptBench(IBench inner, StreamWriter file)
    {
        _inner = inner;
        _file = file;
        Channels = inner.Channels.Select(c =>
        {
            var t = new RegisterTranscript(c.Registers, file);
            _transcripts.Add(t);
            return c with { Registers = t };
        }).ToList();
    }

    /// <summary>Wraps <paramref name="inner"/> when a transcript path is given; otherwise returns it unchanged.</summary>
    public static IBench Wrap(IBench inner, string? path)
    {
        if (path is null)
            return inner;
        try
        {
            return new TranscriptBench(inner, new StreamWriter(path, append: false));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            inner.Dispose();
            throw new RecoveryKitException(FailureKind.FileError, "transcript", $"cannot write the transcript {path}: {ex.Message}", "Give a writable path with --transcript.", ex);
        }
    }

    public string Describe => _inner.Describe;

    public IReadOnlyList<BenchChannel> Channels { get; }

    /// <summary>The real bench underneath (for notes and power cycles).</summary>
    public IBench Inner => _inner;

    public bool TryPowerCycle(DevicePosition position) => _inner.TryPowerCycle(position);

    public void Dispose()
    {
        foreach (var t in _transcripts)
            t.Dispose();
        _file.Dispose();
        _inner.Dispose();
    }
}
