using System.Text;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Cli;

/// <summary>
/// Renders flash progress: on a terminal, one bar per 64 KiB bank redrawn in place (a Spectre.Console progress bar
/// on the real terminal) (erase, program, verify of
/// each sector), cleared before any other line; in a log or pipe, one line per finished bank. Banks with nothing
/// to write get no line, and the re-check after the last sector (sectors a lost bus cycle could have hit) adds
/// no second round of bank lines — only a line for a sector it had to write again.
/// </summary>
internal sealed class BankProgress : IProgress<FlashProgress>
{
    private const int Width = 24;
    private readonly TextWriter _output;
    private readonly bool _live;
    private readonly Action<string> _draw;
    private readonly Action _clear;
    private readonly Terminal? _spectre;
    private int _bank = -1;
    private int _inBank;
    private int _lastDone;
    private bool _allDone;

    /// <summary>Progress on the terminal: the bar is the terminal's live line, which any other output clears first.</summary>
    public BankProgress(Terminal terminal)
        : this(terminal.Output, terminal.LiveProgress && !terminal.Json, terminal.Live, terminal.ClearLive)
    {
        _spectre = terminal.Rich is not null ? terminal : null;
    }

    /// <summary>Progress on a plain writer (tests, logs): a live bar is drawn with carriage returns and wiped before each line.</summary>
    public BankProgress(TextWriter output, bool live)
        : this(output, live, null, null)
    {
    }

    private BankProgress(TextWriter output, bool live, Action<string>? draw, Action? clear)
    {
        _output = output;
        _live = live;
        var width = 0;
        _draw = draw ?? (text =>
        {
            _output.Write("\r" + text.PadRight(width));
            _output.Flush();
            width = text.Length;
        });
        _clear = clear ?? (() =>
        {
            if (width == 0)
                return;
            _output.Write("\r" + new string(' ', width) + "\r");
            width = 0;
        });
    }

    public void Report(FlashProgress p)
    {
        if (p.Stage == "retry")
        {
            _clear();
            _output.WriteLine($"  sector {p.Sector} did not verify (or changed while another was written); erasing and writing it again");
            return;
        }
        if (_allDone)
        {
            // The re-check after the last sector: nothing new is finished, so only the live line moves.
            if (_spectre is not null)
                _spectre.LiveBar("recheck", $"Re-checking sector {p.Sector,4} (bank {p.Bank})", p.SectorsDone, p.SectorsTotal);
            else if (_live)
                _draw($"  Re-checking sector {p.Sector,4} (bank {p.Bank}) for damage from a lost bus cycle");
            return;
        }
        if (p.Bank != _bank)
        {
            FinishBank(p.SectorsTotal);
            _bank = p.Bank;
            _inBank = 0;
        }
        if (p.Stage == "done")
        {
            _inBank += p.SectorsDone - _lastDone;
            _lastDone = p.SectorsDone;
        }
        if (_spectre is not null)
        {
            _spectre.LiveBar($"bank {p.Bank}", $"Bank {p.Bank,2}: {p.Stage,-7} sector {p.Sector,4} ({p.SectorsDone}/{p.SectorsTotal})", p.SectorsDone, p.SectorsTotal);
        }
        else if (_live)
        {
            var fraction = p.SectorsTotal == 0 ? 1.0 : (double)p.SectorsDone / p.SectorsTotal;
            var filled = (int)Math.Round(fraction * Width);
            var bar = new StringBuilder().Append('#', filled).Append('.', Width - filled);
            _draw($"  Bank {p.Bank,2} [{bar}] {p.SectorsDone,4}/{p.SectorsTotal} sectors — {p.Stage,-7} sector {p.Sector,4}");
        }
        if (p.Stage == "done" && p.SectorsDone == p.SectorsTotal)
        {
            FinishBank(p.SectorsTotal);
            _allDone = true;
            _clear();
        }
    }

    private void FinishBank(int total)
    {
        if (_bank < 0 || _inBank == 0)
            return;
        _clear();
        _output.WriteLine($"  Bank {_bank,2}: {Plural(_inBank, "sector")} written and verified ({_lastDone}/{total})");
        _inBank = 0;
    }

    /// <summary>"1 sector", "2 sectors".</summary>
    internal static string Plural(long n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}
