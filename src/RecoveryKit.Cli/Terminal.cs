namespace RecoveryKit.Cli;

/// <summary>Where the CLI writes and what it can ask. Tests pass scripted input; no TTY means no questions.</summary>
internal sealed class Terminal
{
    public Terminal(TextWriter output, TextWriter error, TextReader? input, bool interactive, bool liveProgress = false)
    {
        LiveProgress = liveProgress;
        Output = output;
        Error = error;
        Input = input;
        Interactive = interactive;
    }

    public TextWriter Output { get; }
    public TextWriter Error { get; }
    public TextReader? Input { get; }

    /// <summary>Output is a terminal: progress bars are redrawn in place instead of printed line by line.</summary>
    public bool LiveProgress { get; }

    /// <summary>Whether a person can answer (a TTY, or scripted input in tests).</summary>
    public bool Interactive { get; }

    /// <summary>Asks a question; null when nobody can answer or input ended.</summary>
    public string? Ask(string question)
    {
        if (!Interactive || Input is null)
            return null;
        Output.Write(question + " ");
        Output.Flush();
        return Input.ReadLine()?.Trim();
    }
}
