using RecoveryKit.Diagnostics;

namespace RecoveryKit.Tests.TestSupport;

/// <summary>A --transcript file (either format) as the register accesses it stands for, one "W 177 80" string each.</summary>
internal static class Transcripts
{
    public static string[] Accesses(string path) =>
        [.. TranscriptReader.Expand(File.ReadLines(path)).Where(e => e.Event is null).Select(e => e.Access.ToString())];
}
