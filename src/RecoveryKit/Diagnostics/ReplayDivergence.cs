namespace RecoveryKit.Diagnostics;

/// <summary>
/// The first point where a run against a recorded session (replay) did something else than the recording.
/// </summary>
/// <param name="Access">How many register accesses both agreed on before this one (0-based index of the access).</param>
/// <param name="Line">The transcript line holding the recorded access (0 when the recording had ended).</param>
/// <param name="Recorded">What the recording has there ("R 177 70", "power-cycle 3 yes"), or null when it had ended.</param>
/// <param name="Host">What the host did instead ("W 172 15", "power-cycle 3"), or null when the run ended early.</param>
public sealed record ReplayDivergence(long Access, int Line, string? Recorded, string? Host)
{
    public string Describe() => (Recorded, Host) switch
    {
        (null, _) => $"the run goes on after the recording ends (access {Access + 1}: the host did {Host})",
        (_, null) => $"the run ended after {Access} register accesses, but the recording goes on at line {Line} ({Recorded})",
        _ => $"access {Access + 1} (transcript line {Line}): the host did {Host}, the recording has {Recorded}",
    };
}
