using System.Text;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Cli;

/// <summary>
/// Renders flash progress: on a terminal, one bar per 64 KiB bank redrawn in place (erase, program, verify of
/// each sector); in a log or pipe, one line per finished bank.
/// </summary>
internal sealed class BankProgress : IProgress<FlashProgress>
{
    private const int Width = 24;
    private readonly TextWriter _output;
    private readonly bool _live;
    private int _bank = -1;
    private int _bankStartDone;
    private int _lastDone;
    private bool _lineOpen;

    public BankProgress(TextWriter output, bool live)
    {
        _output = output;
        _live = live;
    }

    public void Report(FlashProgress p)
    {
        if (p.Stage == "retry")
        {
            CloseLine();
            _output.WriteLine($"  sector {p.Sector} did not verify; erasing and writing it again");
            return;
        }
        if (p.Bank != _bank)
        {
            if (_bank >= 0)
                Finish(_bank, _lastDone, p.SectorsTotal);
            _bank = p.Bank;
            _bankStartDone = _lastDone;
        }
        if (p.Stage == "done")
            _lastDone = p.SectorsDone;
        if (_live)
        {
            var fraction = p.SectorsTotal == 0 ? 1.0 : (double)p.SectorsDone / p.SectorsTotal;
            var filled = (int)Math.Round(fraction * Width);
            var bar = new StringBuilder().Append('#', filled).Append('.', Width - filled);
            _output.Write($"\r  Bank {p.Bank,2} [{bar}] {p.SectorsDone,4}/{p.SectorsTotal} sectors — {p.Stage,-7} sector {p.Sector,4}");
            _output.Flush();
            _lineOpen = true;
        }
        if (p.Stage == "done" && p.SectorsDone == p.SectorsTotal)
        {
            Finish(p.Bank, p.SectorsDone, p.SectorsTotal);
            _bank = -1;
        }
    }

    private void Finish(int bank, int done, int total)
    {
        CloseLine();
        _output.WriteLine($"  Bank {bank,2}: done ({done - _bankStartDone} sectors in this bank; {done}/{total} written and verified)");
    }

    private void CloseLine()
    {
        if (!_lineOpen)
            return;
        _output.Write("\r" + new string(' ', 78) + "\r");
        _lineOpen = false;
    }
}
