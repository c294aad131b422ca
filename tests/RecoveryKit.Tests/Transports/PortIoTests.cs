using System.Runtime.InteropServices;
using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Transports;

namespace RecoveryKit.Tests.Transports;

public class PortIoTests
{
    private static FakePortIoPlatform RootOnPc() => new()
    {
        EffectiveUserId = 0,
        Files = { [PortIo.LockdownPath] = "[none] integrity confidentiality\n" },
    };

    private static Failure Refusal(FakePortIoPlatform platform, ChannelAddress? address = null)
    {
        var e = Assert.Throws<RecoveryKitException>(() => PortIo.Open(address ?? ChannelAddress.Primary, platform));
        Assert.Equal(FailureKind.Environment, e.Failure.Kind);
        Assert.Equal("port-io", e.Failure.Stage);
        return e.Failure;
    }

    [Fact]
    public void Not_linux_is_refused_before_anything_else()
    {
        var platform = RootOnPc();
        platform.IsLinux = false;
        platform.EffectiveUserId = 1000;
        var f = Refusal(platform);
        Assert.Contains("Linux only", f.Cause);
        Assert.Contains("spti", f.Advice);
        Assert.Empty(platform.IopermCalls);
    }

    [Theory]
    [InlineData(Architecture.Arm64)]
    [InlineData(Architecture.Arm)]
    [InlineData(Architecture.RiscV64)]
    public void Non_x86_is_refused_even_as_root(Architecture arch)
    {
        var platform = RootOnPc();
        platform.ProcessArchitecture = arch;
        var f = Refusal(platform);
        Assert.Contains(arch.ToString(), f.Cause);
        Assert.Contains("in/out", f.Cause);
        Assert.Empty(platform.IopermCalls);
    }

    [Fact]
    public void Not_root_is_refused_with_the_uid_and_sudo_advice()
    {
        var platform = RootOnPc();
        platform.EffectiveUserId = 1000;
        platform.Files[PortIo.LockdownPath] = "none [integrity] confidentiality";
        var f = Refusal(platform);
        Assert.Contains("uid 1000", f.Cause);
        Assert.Contains("sudo", f.Advice);
        Assert.Empty(platform.IopermCalls);
    }

    [Theory]
    [InlineData("none [integrity] confidentiality\n", "integrity")]
    [InlineData("none integrity [confidentiality]\n", "confidentiality")]
    public void Active_lockdown_is_refused_before_ioperm(string file, string mode)
    {
        var platform = RootOnPc();
        platform.Files[PortIo.LockdownPath] = file;
        var f = Refusal(platform);
        Assert.Contains("lockdown is active", f.Cause);
        Assert.Contains(mode, f.Cause);
        Assert.Contains("Secure Boot", f.Advice);
        Assert.Contains("lockdown=none", f.Advice);
        Assert.Contains("RecoveryKit stick", f.Advice);
        Assert.Empty(platform.IopermCalls);
    }

    [Theory]
    [InlineData("[none] integrity confidentiality", KernelLockdown.None)]
    [InlineData("none [integrity] confidentiality\n", KernelLockdown.Integrity)]
    [InlineData("none integrity [confidentiality]", KernelLockdown.Confidentiality)]
    [InlineData("none integrity confidentiality", KernelLockdown.Unknown)]
    [InlineData("[something-new]", KernelLockdown.Unknown)]
    [InlineData("", KernelLockdown.Unknown)]
    [InlineData(null, KernelLockdown.Unknown)]
    public void Lockdown_file_is_parsed_by_its_bracketed_word(string? text, KernelLockdown expected) =>
        Assert.Equal(expected, PortIo.ParseLockdown(text));

    [Fact]
    public void Ioperm_enosys_names_the_errno_and_points_to_the_boot_stick()
    {
        var platform = RootOnPc();
        platform.IopermErrno[0x1F0] = 38;
        var f = Refusal(platform);
        Assert.Contains("ports 0x1F0-0x1F7", f.Cause);
        Assert.Contains("ENOSYS", f.Cause);
        Assert.Contains("(Function not implemented)", f.Cause);
        Assert.Contains("no ioperm", f.Advice);
        Assert.Contains("RecoveryKit stick", f.Advice);
    }

    [Fact]
    public void Ioperm_eperm_without_visible_lockdown_mentions_capability_and_lockdown()
    {
        var platform = RootOnPc();
        platform.Files.Remove(PortIo.LockdownPath);
        platform.IopermErrno[0x1F0] = 1;
        var f = Refusal(platform);
        Assert.Contains("EPERM (Operation not permitted)", f.Cause);
        Assert.Contains("CAP_SYS_RAWIO", f.Advice);
        Assert.Contains("lockdown", f.Advice);
        Assert.StartsWith("The process lacks", f.Advice);
    }

    [Fact]
    public void Ioperm_refused_on_the_control_port_releases_the_command_block()
    {
        var platform = RootOnPc();
        platform.IopermErrno[0x376] = 1;
        var f = Refusal(platform, ChannelAddress.Secondary);
        Assert.Contains("port 0x376", f.Cause);
        Assert.Equal(
            [(0x170, 8, true), (0x376, 1, true), (0x170, 8, false)],
            platform.IopermCalls.Select(c => ((int)c.From, (int)c.Count, c.Enable)));
    }

    [Fact]
    public void Open_grants_exactly_the_command_block_and_control_port_and_dispose_drops_them()
    {
        var platform = RootOnPc();
        var regs = PortIo.Open(new ChannelAddress(0xEC00, 0xE882), platform);
        Assert.Equal(
            [(0xEC00, 8, true), (0xE882, 1, true)],
            platform.IopermCalls.Select(c => ((int)c.From, (int)c.Count, c.Enable)));
        regs.Dispose();
        Assert.Equal(
            [(0xE882, 1, false), (0xEC00, 8, false)],
            platform.IopermCalls.Skip(2).Select(c => ((int)c.From, (int)c.Count, c.Enable)));
        Assert.Throws<ObjectDisposedException>(() => regs.ReadAlternateStatus());
        Assert.Empty(platform.RecordingBus.Log);
    }

    [Fact]
    public void Missing_lockdown_file_does_not_block_a_permitted_ioperm()
    {
        var platform = RootOnPc();
        platform.Files.Clear();
        using var regs = PortIo.Open(ChannelAddress.Primary, platform);
        Assert.Equal(ChannelAddress.Primary, regs.Address);
        Assert.Same(SystemClock.Instance, regs.Clock);
    }

    [Fact]
    public void Registers_map_to_base_plus_offset_and_the_control_port()
    {
        var platform = RootOnPc();
        platform.RecordingBus.Answers[0x1F7] = new([0x50]);
        platform.RecordingBus.Answers[0x1F4] = new([0x14]);
        platform.RecordingBus.Answers[0x3F6] = new([0x51]);
        using var regs = PortIo.Open(ChannelAddress.Primary, platform);

        regs.Write(TaskFileRegister.Device, 0xA0);
        regs.Write(TaskFileRegister.LbaLow, 0x2A);
        regs.Write(TaskFileRegister.StatusCommand, 0x80);
        Assert.Equal(0x50, regs.Read(TaskFileRegister.StatusCommand));
        Assert.Equal(0x14, regs.Read(TaskFileRegister.LbaMid));
        regs.Read(TaskFileRegister.ErrorFeatures);
        regs.Write(TaskFileRegister.SectorCount, 0x15);
        regs.Write(TaskFileRegister.LbaHigh, 0x55);
        Assert.Equal(0x51, regs.ReadAlternateStatus());
        regs.WriteDeviceControl(DeviceControl.SoftReset | DeviceControl.InterruptsDisabled);

        Assert.Equal(
        [
            "outb 1F6 <- A0", "outb 1F3 <- 2A", "outb 1F7 <- 80", "inb 1F7 -> 50", "inb 1F4 -> 14", "inb 1F1 -> FF",
            "outb 1F2 <- 15", "outb 1F5 <- 55", "inb 3F6 -> 51", "outb 3F6 <- 06",
        ], platform.RecordingBus.Log);
    }

    [Fact]
    public void Data_port_is_sixteen_bits_wide_and_blocks_use_string_io()
    {
        var platform = RootOnPc();
        platform.RecordingBus.Answers[0x170] = new([0x8580, 0x0000, 0x1234, 0xABCD]);
        using var regs = PortIo.Open(ChannelAddress.Secondary, platform);

        Assert.Equal(0x8580, regs.ReadData());
        var block = new ushort[3];
        regs.ReadData(block);
        Assert.Equal([0x0000, 0x1234, 0xABCD], block);
        regs.WriteData(0x0012);
        regs.WriteData([0x0000, 0x0024]);

        Assert.Equal(["inw 170 -> 8580", "insw 170 x3", "outw 170 <- 0012", "outsw 170 [0000 0024]"], platform.RecordingBus.Log);
    }

    [Fact]
    public void The_data_port_cannot_be_read_as_an_eight_bit_register()
    {
        using var regs = PortIo.Open(ChannelAddress.Primary, RootOnPc());
        Assert.Throws<ArgumentOutOfRangeException>(() => regs.Read(TaskFileRegister.Data));
        Assert.Throws<ArgumentOutOfRangeException>(() => regs.Write((TaskFileRegister)8, 0));
    }

    [Fact]
    public void A_second_thread_asks_ioperm_for_itself_before_touching_a_port()
    {
        var platform = RootOnPc();
        using var regs = PortIo.Open(ChannelAddress.Primary, platform);
        var opener = Environment.CurrentManagedThreadId;
        var worker = 0;
        var thread = new Thread(() =>
        {
            worker = Environment.CurrentManagedThreadId;
            regs.Read(TaskFileRegister.StatusCommand);
            regs.Read(TaskFileRegister.StatusCommand);
        });
        thread.Start();
        thread.Join();

        Assert.NotEqual(opener, worker);
        var grants = platform.IopermCalls.Where(c => c.Enable).Select(c => (c.ThreadId, (int)c.From)).ToList();
        Assert.Equal([(opener, 0x1F0), (opener, 0x3F6), (worker, 0x1F0), (worker, 0x3F6)], grants);
    }
}
