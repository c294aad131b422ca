using System.Diagnostics;
using System.Reflection;
using RecoveryKit.Cli;
using RecoveryKit.Cli.Commands;
using RecoveryKit.Emulation;
using RecoveryKit.Emulation.Spi;
using RecoveryKit.Profiles;
using Xunit.Abstractions;

namespace RecoveryKit.Tests.Cli;

/// <summary>
/// Issue 14, point 8: the flash path from the wizard to a register write is at most 6 calls. The wizard runs in-process
/// ('unbrick --simulate --yes') on a virtual bench; a hook on the virtual channel's register writes takes a stack trace
/// at the write that sends the first sector-erase command (and the first program command) to the drive, and counts the
/// calls of RecoveryKit code between the wizard's own method and the channel.
/// </summary>
/// <remarks>
/// How frames are counted: the stack is read from the channel outwards. The wizard's method is
/// <c>UnbrickCommand.Run</c> (the one that scans, picks and starts the flash); the channel is the virtual channel's
/// register write (<see cref="VirtualChannel"/>, the emulator: the target, not counted, and nothing above it — the
/// test's own hook — either). Every frame strictly between the two whose method lives in RecoveryKit's own assemblies
/// (the library RecoveryKit.Core and the command line 'recoverykit') counts once: lambdas and local functions too (they are methods of compiler-made types or
/// of the same type in those assemblies), and any wrapper of the channel that is our code. Frames of other
/// assemblies (the BCL, System.CommandLine) are not ours and are listed but not counted; the test harness is below the
/// wizard and not counted. The JIT could hide a frame by inlining a small method; the methods on this path are too
/// large for its inliner (or hold stackalloc or exception handling), and the test also checks that the session and
/// the flasher are on the stack, so the count is the stack as written.
/// The write that "sends the erase command" is found from the virtual flash part, not from the code under test: the
/// part's sector-erase count rises when the erase it was given finishes, and the last register write before that which
/// can start an operation (a mailbox commit, a command-register write, an SPI execute of anything but a read, status
/// read or write enable) is the one that carried the command.
/// </remarks>
public sealed class FlashPathDepthTests(ITestOutputHelper log) : IDisposable
{
    /// <summary>Issue 14: "the flash path from the wizard to a register write in at most 6 calls".</summary>
    private const int MaxCalls = 6;

    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("dead-ldw411s", true)]   // SST39VF080 behind MtkFlash's SC-code mailbox (JEDEC unlock cycles)
    [InlineData("dead-dg16d4s", true)]   // W25P20 behind the slim SPI buffer dialect (WREN, erase, WIP polls)
    [InlineData("dead-ts-h943a", true)]  // SST39SF020A behind the command-register mailbox
    [InlineData("dead-dg16d2s", false)]  // a blank MX25L2005 (phat dialect): nothing to erase, only page programs
    public void The_wizards_flash_reaches_the_register_write_in_at_most_six_calls(string bench, bool erases)
    {
        var probes = new List<DepthProbe>();
        var output = new StringWriter();
        var error = new StringWriter();
        var terminal = new Terminal(output, error, null, interactive: false);

        var exit = RecoveryKitCli.Run(["unbrick", "--device", "sim:" + bench, "--simulate", "--yes", "--log", _cli.PathOf("run.log")], terminal,
            simOpened: opened => probes.Add(DepthProbe.Attach(opened)));

        Assert.True(exit == 0, $"the wizard failed on sim:{bench}: exit {exit}\n{output}\n{error}");
        var flashed = Assert.Single(probes, p => p.AtFirstProgram is not null);
        var measured = new List<(string What, StackTrace Trace)> { ("first program command", flashed.AtFirstProgram!) };
        if (erases)
            measured.Add(("first sector-erase command", Assert.IsType<StackTrace>(flashed.AtFirstErase)));
        else
            Assert.Null(flashed.AtFirstErase);
        foreach (var (what, trace) in measured)
        {
            var depth = CallDepth.Between(trace);
            log.WriteLine($"sim:{bench}, {what}: {depth.Ours.Count} calls of ours between the wizard (W) and the channel (C), marked *:\n{depth.Listing}");
            Assert.True(depth.Wizard >= 0, $"{what}: the wizard's method is not on the stack:\n{depth.Listing}");
            Assert.Contains(depth.Ours, m => m.EndsWith("FlashSession.Run", StringComparison.Ordinal));
            Assert.Contains(depth.Ours, m => m.EndsWith("Flasher.Execute", StringComparison.Ordinal));
            Assert.True(depth.Ours.Count <= MaxCalls,
                $"sim:{bench}, {what}: {depth.Ours.Count} calls of RecoveryKit code between the wizard and the channel write (at most {MaxCalls}):\n{depth.Listing}");
        }
    }

    [Fact]
    public void The_count_takes_every_method_of_ours_between_the_wizard_and_the_channel_lambdas_included()
    {
        // The counting rule on a stack of known shape (innermost first): the test's hook and the channel above, the
        // harness's lambda below the wizard, a BCL frame between — and a lambda and a local function of ours, which count.
        var (library, cli) = (CallDepth.OurAssemblies[0], CallDepth.OurAssemblies[1]);
        var frames = new[]
        {
            ("RecoveryKit.Tests.Cli.FlashPathDepthTests+DepthProbe", "OnWrite", "RecoveryKit.Tests"),
            ("RecoveryKit.Emulation.VirtualChannel", "Write", library),
            ("RecoveryKit.MediaTek.Mailbox", "Write", library),
            ("RecoveryKit.MediaTek.FlashChip", "EraseSector", library),
            ("System.Linq.Enumerable", "Select", "System.Linq"),
            ("RecoveryKit.Cli.Commands.FlashRun+<>c__DisplayClass0_0", "<Execute>b__0", cli),
            ("RecoveryKit.Cli.Commands.FlashRun", "<Execute>g__Local|0_1", cli),
            ("RecoveryKit.Cli.Commands.UnbrickCommand", "Run", cli),
            ("RecoveryKit.Cli.Commands.UnbrickCommand+<>c__DisplayClass1_0", "<Create>b__0", cli),
        };

        var depth = CallDepth.Count(frames.Select(f => new Frame(f.Item1, f.Item2, f.Item3)).ToList());

        Assert.Equal(7, depth.Wizard);
        Assert.Equal(
            ["RecoveryKit.MediaTek.Mailbox.Write", "RecoveryKit.MediaTek.FlashChip.EraseSector", "RecoveryKit.Cli.Commands.FlashRun+<>c__DisplayClass0_0.<Execute>b__0", "RecoveryKit.Cli.Commands.FlashRun.<Execute>g__Local|0_1"],
            depth.Ours);
    }

    internal sealed record Frame(string? Type, string? Method, string? Assembly);

    internal sealed record Depth(int Wizard, IReadOnlyList<string> Ours, string Listing);

    /// <summary>The counting rule of this class's remarks.</summary>
    internal static class CallDepth
    {
        private static readonly string Wizard = typeof(UnbrickCommand).FullName!;
        private static readonly string Channel = typeof(VirtualChannel).FullName!;
        /// <summary>The library (RecoveryKit.Core) and the command line (recoverykit): RecoveryKit's own code.</summary>
        public static readonly string[] OurAssemblies = [typeof(VirtualChannel).Assembly.GetName().Name!, typeof(UnbrickCommand).Assembly.GetName().Name!];

        public static Depth Between(StackTrace trace) =>
            Count(trace.GetFrames().Select(f => DiagnosticMethodInfo.Create(f) is { } m
                ? new Frame(m.DeclaringTypeName, m.Name, m.DeclaringAssemblyName is { } a ? new AssemblyName(a).Name : null)
                : new Frame(null, null, null)).ToList());

        public static Depth Count(IReadOnlyList<Frame> frames)
        {
            var wizard = -1;
            for (var i = 0; i < frames.Count && wizard < 0; i++)
            {
                if (frames[i].Type == Wizard && frames[i].Method == "Run")
                    wizard = i;
            }
            var channel = -1;
            for (var i = 0; i < (wizard < 0 ? frames.Count : wizard); i++)
            {
                if (frames[i].Type == Channel)
                    channel = i;
            }
            var ours = new List<string>();
            var listing = new System.Text.StringBuilder();
            for (var i = 0; i < frames.Count; i++)
            {
                var f = frames[i];
                var name = $"{f.Type}.{f.Method}";
                var counted = wizard >= 0 && i > channel && i < wizard && f.Assembly is { } a && OurAssemblies.Contains(a);
                if (counted)
                    ours.Add(name);
                listing.AppendLine($"  {(counted ? "*" : i == wizard ? "W" : i == channel ? "C" : " ")} {name} [{f.Assembly}]");
            }
            return new Depth(wizard, ours, listing.ToString());
        }
    }

    /// <summary>
    /// Watches one virtual bench's MediaTek drive: at each register write that can start a flash operation it keeps the
    /// stack; when the part's erase or program count first rises, the stack kept is the one that sent that command.
    /// </summary>
    private sealed class DepthProbe : IRegisterObserver
    {
        // SPI commands that start nothing in the array [D, SPI NOR datasheets]: READ, RDSR, WREN, WRDI, EWSR, REMS, RDID, RES.
        private static readonly byte[] SpiReadOnly = [0x03, 0x05, 0x06, 0x04, 0x50, 0x90, 0x9F, 0xAB];

        private readonly IRegisterObserver? _next;
        private readonly int _base;
        private readonly FlashFraming _framing;
        private readonly SpiBufferDialect? _dialect;
        private readonly Func<(long Erases, long Programs)> _counts;
        private (long Erases, long Programs) _last;
        private byte _lbaLow;
        private byte _lbaMid;
        private byte _lbaHigh;
        private byte _spiOpcode;
        private StackTrace? _pending;

        private DepthProbe(VirtualChannel channel, VirtualMtkDrive drive)
        {
            _next = channel.Observer;
            _base = channel.Address.CommandBase;
            _framing = drive.Profile.Framing.Value;
            _dialect = drive.Profile.SpiBuffer?.Value;
            _counts = drive.Memory switch
            {
                FlashChipModel p => () => (p.SectorErases, p.BytesProgrammed + p.PageWrites),
                SpiChipModel s => () => (s.SectorErases, s.PagePrograms),
                _ => throw new InvalidOperationException($"no counters for {drive.Memory.GetType().Name}"),
            };
            _last = _counts();
        }

        public StackTrace? AtFirstErase { get; private set; }

        public StackTrace? AtFirstProgram { get; private set; }

        public static DepthProbe Attach(SimBench bench)
        {
            var (position, drive) = Assert.Single(bench.MtkDrives());
            var channel = bench.ChannelOf(position);
            var probe = new DepthProbe(channel, drive);
            channel.Observer = probe;
            return probe;
        }

        private void Settled()
        {
            if (AtFirstErase is not null && AtFirstProgram is not null)
                return;
            var now = _counts();
            if (now.Erases > _last.Erases)
                AtFirstErase ??= _pending;
            if (now.Programs > _last.Programs)
                AtFirstProgram ??= _pending;
            _last = now;
        }

        public void OnRead(int port, byte value)
        {
            Settled();
            _next?.OnRead(port, value);
        }

        public void OnWrite(int port, byte value)
        {
            Settled();
            switch (port - _base)
            {
                case 2 when value == 0x01 && _framing == FlashFraming.MtkFlashScCodes:
                    Keep(); // SC ← 01h: the mailbox commit of a flash-bus write
                    break;
                case 3: _lbaLow = value; break;
                case 4: _lbaMid = value; break;
                case 5: _lbaHigh = value; break;
                case 7 when _framing == FlashFraming.CommandRegister && value == 0x01:
                    Keep(); // CMD ← 01h: a flash-bus write
                    break;
                case 7 when _dialect is { } d && value == d.WriteOpcode:
                    if ((_lbaMid | (_lbaHigh << 8)) == d.BufferBase)
                        _spiOpcode = _lbaLow; // the first byte of the next transaction: its SPI command
                    break;
                case 7 when _dialect is { } d && value == d.ExecuteOpcode && !SpiReadOnly.Contains(_spiOpcode):
                    Keep();
                    break;
            }
            _next?.OnWrite(port, value);
        }

        private void Keep()
        {
            if (AtFirstErase is null || AtFirstProgram is null)
                _pending = new StackTrace(fNeedFileInfo: false);
        }

        public void OnReadData(int port, ushort value)
        {
            Settled();
            _next?.OnReadData(port, value);
        }

        public void OnWriteData(int port, ushort value)
        {
            Settled();
            _next?.OnWriteData(port, value);
        }
    }
}
