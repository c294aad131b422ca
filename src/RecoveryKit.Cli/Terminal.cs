using System.Text;
using RecoveryKit.Diagnostics;
using Spectre.Console;

namespace RecoveryKit.Cli;

/// <summary>
/// Where the CLI writes and what it can ask. Tests pass scripted input; no TTY means no questions. On a real
/// terminal (stdout not redirected) bars, tables and prompts go through Spectre.Console (<see cref="Ansi"/>); in a
/// pipe, a log or a test the output stays plain lines, no ANSI.
/// Owns the live progress line (redrawn in place on a TTY, cleared before any other line is written to either
/// stream), the prompts (a wrong answer is asked again, saying what is expected) and Ctrl-C: at a prompt it
/// cancels at once; while a write runs it asks the work to stop after the current sector.
/// </summary>
internal sealed class Terminal
{
    private readonly object _gate = new();
    private readonly LiveLine _live;
    private CancellationTokenSource? _work;
    private ManualResetEventSlim? _promptInterrupt;
    private bool _stopAnnounced;
    private LiveBars? _bars;
    private CancellationTokenSource? _promptCancel;

    public Terminal(TextWriter output, TextWriter error, TextReader? input, bool interactive, bool liveProgress = false, IAnsiConsole? ansi = null)
    {
        LiveProgress = liveProgress;
        Ansi = liveProgress ? ansi : null;
        _live = new LiveLine(output);
        Stdout = new LiveAwareWriter(output, _live, this);
        Error = new LiveAwareWriter(error, _live, this);
        Output = new SwitchWriter(this);
        Input = input;
        Interactive = interactive;
    }

    /// <summary>Where the running text goes: stdout, or stderr under --json (stdout then holds only the JSON document).</summary>
    public TextWriter Output { get; }

    public TextWriter Error { get; }

    /// <summary>The real stdout, whatever --json says.</summary>
    public TextWriter Stdout { get; }
    public TextReader? Input { get; }

    /// <summary>Output is a terminal: progress bars are redrawn in place instead of printed line by line.</summary>
    public bool LiveProgress { get; }

    /// <summary>Spectre.Console on the real terminal's stdout; null in pipes, logs and tests (plain lines).</summary>
    public IAnsiConsole? Ansi { get; }

    /// <summary>The console for rich output (tables), or null when output must stay plain: no terminal, or --json.</summary>
    public IAnsiConsole? Rich => Json ? null : Ansi;

    /// <summary>Spectre.Console for the process's own terminal (only when stdout is one).</summary>
    public static IAnsiConsole ConsoleAnsi() => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = AnsiSupport.Detect,
        ColorSystem = ColorSystemSupport.Detect,
        Out = new AnsiConsoleOutput(Console.Out),
    });

    /// <summary>Whether a person can answer (a TTY, or scripted input in tests).</summary>
    public bool Interactive { get; }

    /// <summary>--json: the result goes to stdout as one JSON document, so progress and stage lines go to stderr.</summary>
    public bool Json { get; set; }

    /// <summary>Where a JSON document goes: the real stdout behind a terminal's <see cref="Output"/>, or the writer itself.</summary>
    public static TextWriter JsonTarget(TextWriter output) => output is SwitchWriter s ? s.Owner.Stdout : output;

    /// <summary>Draws (or redraws) the live line in place; only meaningful when <see cref="LiveProgress"/> is set.</summary>
    public void Live(string text) => _live.Draw(text);

    /// <summary>Removes the live line or bar, if one is showing.</summary>
    public void ClearLive()
    {
        _live.Clear();
        LiveBars? bars;
        lock (_gate)
        {
            bars = _bars;
            _bars = null;
        }
        bars?.Dispose();
    }

    /// <summary>
    /// Shows (or moves) the Spectre bar of one bank, redrawn in place; a new bank replaces the previous bank's bar.
    /// Only with <see cref="Ansi"/>. Other output written meanwhile appears above the bar.
    /// </summary>
    public void LiveBar(string key, string description, double value, double max)
    {
        LiveBars bars;
        lock (_gate)
            bars = _bars ??= new LiveBars(Ansi!);
        bars.Show(key, description, value, max);
    }

    /// <summary>Whether a Spectre bar is showing (other output then goes through Spectre, above it).</summary>
    private bool BarsShowing
    {
        get
        {
            lock (_gate)
                return _bars is not null;
        }
    }

    /// <summary>Asks a question; null when nobody can answer or input ended. Throws a Cancelled failure (<see cref="PromptInterrupted"/>) on Ctrl-C.</summary>
    public string? Ask(string question)
    {
        if (!Interactive || Input is null)
            return null;
        if (Ansi is not null && ReferenceEquals(Input, Console.In))
            return AskSpectre(question);
        Output.Write(question + " ");
        Output.Flush();
        return ReadLine()?.Trim();
    }

    /// <summary>
    /// Asks until the answer is one <paramref name="accept"/> takes (non-null), saying what is expected after a wrong
    /// one. An answer in <paramref name="waysOut"/>, the end of input or Ctrl-C returns null: the caller cancels.
    /// </summary>
    public T? Choose<T>(string question, Func<string, T?> accept, string expected, params string[] waysOut)
        where T : class
    {
        var exits = waysOut.Length > 0 ? waysOut : ["q"];
        var prompt = question;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var answer = Ask(prompt);
            if (answer is null || exits.Any(e => string.Equals(e, answer, StringComparison.OrdinalIgnoreCase)))
                return null;
            if (accept(answer) is { } value)
                return value;
            prompt = $"'{(answer.Length == 0 ? "(Enter)" : answer)}' is not {expected}. {question.TrimEnd(':', '?', ' ')} (or {string.Join("/", exits.Select(e => e.ToUpperInvariant()))} to cancel):";
        }
        return null;
    }

    /// <summary>
    /// Ctrl-C. At a prompt: cancels it at once. During work that registered with <see cref="BeginWork"/>: asks it to
    /// stop after the current sector (said once). Returns false when nothing here handles it (the process may end).
    /// </summary>
    public bool Interrupt()
    {
        lock (_gate)
        {
            if (_promptInterrupt is { } prompt)
            {
                prompt.Set();
                return true;
            }
            if (_promptCancel is { } spectrePrompt)
            {
                spectrePrompt.Cancel();
                return true;
            }
            if (_work is { } work)
            {
                work.Cancel();
                if (!_stopAnnounced)
                {
                    _stopAnnounced = true;
                    Error.WriteLine("Ctrl-C: finishing the current sector, then stopping safely…");
                }
                return true;
            }
            return false;
        }
    }

    /// <summary>Work that Ctrl-C may stop between sectors; dispose when it ends.</summary>
    public WorkScope BeginWork()
    {
        lock (_gate)
        {
            _work = new CancellationTokenSource();
            _stopAnnounced = false;
            return new WorkScope(this, _work);
        }
    }

    /// <summary>Installs the Ctrl-C handler on the real console (never in tests).</summary>
    public void AttachConsoleCtrlC() => Console.CancelKeyPress += (_, e) => e.Cancel = Interrupt();

    private void EndWork(CancellationTokenSource work)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_work, work))
                _work = null;
        }
        work.Dispose();
    }

    /// <summary>The question as a Spectre prompt on the terminal; Ctrl-C cancels it at once.</summary>
    private string? AskSpectre(string question)
    {
        ClearLive();
        using var cancel = new CancellationTokenSource();
        lock (_gate)
            _promptCancel = cancel;
        try
        {
            var prompt = new TextPrompt<string>(Markup.Escape(question)).AllowEmpty();
            return prompt.ShowAsync(Ansi!, cancel.Token).GetAwaiter().GetResult()?.Trim();
        }
        catch (OperationCanceledException)
        {
            Ansi!.WriteLine();
            throw PromptInterrupted.Create();
        }
        finally
        {
            lock (_gate)
                _promptCancel = null;
        }
    }

    private string? ReadLine()
    {
        var interrupt = new ManualResetEventSlim();
        lock (_gate)
            _promptInterrupt = interrupt;
        try
        {
            // The read runs aside so a Ctrl-C can end the prompt without waiting for Enter.
            var read = Task.Run(() => Input!.ReadLine());
            var which = WaitHandle.WaitAny([((IAsyncResult)read).AsyncWaitHandle, interrupt.WaitHandle]);
            if (which == 1 || interrupt.IsSet)
            {
                Output.WriteLine();
                throw PromptInterrupted.Create();
            }
            return read.GetAwaiter().GetResult();
        }
        finally
        {
            lock (_gate)
                _promptInterrupt = null;
            interrupt.Dispose();
        }
    }

    /// <summary>A running job Ctrl-C can stop between sectors.</summary>
    internal sealed class WorkScope(Terminal terminal, CancellationTokenSource source) : IDisposable
    {
        public CancellationToken Token { get; } = source.Token;

        public void Dispose() => terminal.EndWork(source);
    }

    /// <summary>The one live line: what is drawn, and whether it must be wiped before other text.</summary>
    private sealed class LiveLine(TextWriter target)
    {
        private int _width;

        public void Draw(string text)
        {
            lock (this)
            {
                var pad = _width > text.Length ? new string(' ', _width - text.Length) : string.Empty;
                target.Write("\r" + text + pad);
                target.Flush();
                _width = text.Length;
            }
        }

        public void Clear()
        {
            lock (this)
            {
                if (_width == 0)
                    return;
                target.Write("\r" + new string(' ', _width) + "\r");
                target.Flush();
                _width = 0;
            }
        }
    }

    /// <summary><see cref="Output"/>: follows --json, which is known only once the command line is parsed.</summary>
    private sealed class SwitchWriter(Terminal owner) : TextWriter
    {
        public Terminal Owner => owner;

        private TextWriter Target => owner.Json ? owner.Error : owner.Stdout;

        public override Encoding Encoding => Target.Encoding;

        public override IFormatProvider FormatProvider => Target.FormatProvider;

        public override void Write(char value) => Target.Write(value);

        public override void Write(string? value) => Target.Write(value);

        public override void Write(char[] buffer, int index, int count) => Target.Write(buffer, index, count);

        public override void WriteLine() => Target.WriteLine();

        public override void WriteLine(string? value) => Target.WriteLine(value);

        public override void Flush() => Target.Flush();
    }

    /// <summary>
    /// Spectre's live bars on the terminal: the display runs on a thread of its own from the first bar until
    /// <see cref="Dispose"/>, so prompts and the work itself stay on the caller's thread (Spectre allows one
    /// interactive display at a time). Lines written meanwhile through the same console appear above the bar.
    /// </summary>
    private sealed class LiveBars : IDisposable
    {
        private readonly ManualResetEventSlim _ready = new();
        private readonly ManualResetEventSlim _done = new();
        private readonly Thread _thread;
        private ProgressContext? _context;
        private ProgressTask? _task;
        private string? _key;

        public LiveBars(IAnsiConsole ansi)
        {
            _thread = new Thread(() =>
            {
                try
                {
                    new Progress(ansi).AutoClear(true).HideCompleted(true)
                        .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
                        .Start(context =>
                        {
                            _context = context;
                            _ready.Set();
                            _done.Wait();
                        });
                }
                finally
                {
                    _ready.Set();
                }
            }) { IsBackground = true, Name = "progress" };
            _thread.Start();
            _ready.Wait();
        }

        public void Show(string key, string description, double value, double max)
        {
            if (_context is not { } context)
                return;
            if (_key != key)
            {
                if (_task is { } previous)
                    context.RemoveTask(previous);
                _task = context.AddTask(Markup.Escape(description), autoStart: true, maxValue: Math.Max(max, 1));
                _key = key;
            }
            _task!.Description = Markup.Escape(description);
            _task.MaxValue = Math.Max(max, 1);
            _task.Value = value;
        }

        public void Dispose()
        {
            if (_task is { } task && _context is { } context)
                context.RemoveTask(task);
            _done.Set();
            _thread.Join();
            _ready.Dispose();
            _done.Dispose();
        }
    }

    /// <summary>
    /// Clears the live line before anything else is written, so a bar never runs into the next line; while a Spectre
    /// bar shows, text goes through Spectre, which draws it above the bar.
    /// </summary>
    private sealed class LiveAwareWriter(TextWriter inner, LiveLine live, Terminal owner) : TextWriter
    {
        public override Encoding Encoding => inner.Encoding;

        public override IFormatProvider FormatProvider => inner.FormatProvider;

        private bool ThroughSpectre(string? text)
        {
            if (owner.Ansi is not { } ansi || !owner.BarsShowing)
                return false;
            ansi.Write(new Text(text ?? string.Empty));
            return true;
        }

        public override void Write(char value)
        {
            if (ThroughSpectre(value.ToString()))
                return;
            live.Clear();
            inner.Write(value);
        }

        public override void Write(string? value)
        {
            if (ThroughSpectre(value))
                return;
            live.Clear();
            inner.Write(value);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            if (ThroughSpectre(new string(buffer, index, count)))
                return;
            live.Clear();
            inner.Write(buffer, index, count);
        }

        public override void WriteLine()
        {
            if (ThroughSpectre("\n"))
                return;
            live.Clear();
            inner.WriteLine();
        }

        public override void WriteLine(string? value)
        {
            if (ThroughSpectre(value + "\n"))
                return;
            live.Clear();
            inner.WriteLine(value);
        }

        public override void Flush() => inner.Flush();

        public override string ToString() => inner.ToString() ?? string.Empty;
    }
}

/// <summary>Ctrl-C at a prompt: the command stops at once (exit 10); a drive in vendor mode is reset by the caller.</summary>
internal static class PromptInterrupted
{
    /// <summary>The stage name of the failure, which callers test to tell Ctrl-C from a declined answer.</summary>
    public const string Stage = "prompt";

    public static RecoveryKitException Create() =>
        new(FailureKind.Cancelled, Stage, "Ctrl-C at a prompt; stopped at once, nothing more was sent to the drive", "Run the command again when ready.");

    public static bool Is(RecoveryKitException ex) => ex.Failure.Kind == FailureKind.Cancelled && ex.Failure.Stage == Stage;
}
