using RecoveryKit.Cli.Commands;
using RecoveryKit.Diagnostics;
using RecoveryKit.Discovery;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Cli;

/// <summary>
/// The CLI side of the shared-cable rule (issue 17): builds the gate with the typed confirmation --shared-channel asks
/// for, and renders the neighbour's re-identification after a vendor-mode session.
/// </summary>
internal static class NeighbourCheck
{
    /// <summary>
    /// The gate for <paramref name="session"/> (kept on it). The confirmation is typed at a terminal: the neighbour's model
    /// (or position words); --yes never answers it. Without a terminal it cannot be given, so a risky neighbour is refused.
    /// </summary>
    public static SharedChannelGuard Guard(Terminal terminal, DriveSession session, IProgress<StageEvent> stages)
    {
        Func<Neighbour, bool>? confirm = terminal.Interactive
            ? n => FlashCommand.Confirm(terminal,
                $"--shared-channel: {n.Where} holds {n.Name} ({n.KindWords}) on the same cable; it may be written along with this drive. Type {n.ConfirmationWord} to enter vendor mode anyway:",
                n.ConfirmationWord)
            : null;
        var guard = new SharedChannelGuard(session.AllowSharedChannel, confirm) { Stages = stages };
        session.Neighbour = guard;
        return guard;
    }

    /// <summary>
    /// After the session (success or failure): identifies the neighbour again and says whether it is unchanged, or — loudly,
    /// on stderr — that it changed, with its position and what to do. Returns <paramref name="rc"/>, or 16 when a session
    /// that otherwise succeeded changed the neighbour.
    /// </summary>
    public static int After(Terminal terminal, SessionLog log, DriveSession session, int rc)
    {
        if (session.Neighbour?.Recheck(session.Host) is not { } check)
            return rc;
        if (check.Verdict == NeighbourVerdict.Unchanged)
        {
            terminal.Output.WriteLine($"[neighbour] {check.Describe()}");
            log.Stage("neighbour", check.Describe());
            return rc;
        }
        terminal.Error.WriteLine($"WARNING: {check.Describe()}.");
        terminal.Error.WriteLine($"WARNING: {check.Advice}");
        log.Stage("neighbour", $"CHANGED: {check.Describe()}");
        return rc == 0 ? (int)FailureKind.SharedChannel : rc;
    }

    /// <summary>Runs <paramref name="job"/> and then <see cref="After"/>, also when the job fails (the failure is rethrown).</summary>
    public static int Around(Terminal terminal, SessionLog log, DriveSession session, Func<int> job)
    {
        int rc;
        try
        {
            rc = job();
        }
        catch (RecoveryKitException)
        {
            After(terminal, log, session, 0);
            throw;
        }
        return After(terminal, log, session, rc);
    }
}
