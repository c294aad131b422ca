using RecoveryKit.Ata;
using RecoveryKit.Cli.Commands;
using RecoveryKit.Diagnostics;
using RecoveryKit.Discovery;
using RecoveryKit.Emulation;

namespace RecoveryKit.Tests.Cli;

/// <summary>What the commands say about the bench's topology: hard disks, empty benches, drives only the kernel lists.</summary>
public sealed class TopologyMessagesTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Identify_chip_on_a_hard_disk_is_the_wrong_device_class_exit_4_like_backup()
    {
        // sim:dead-ldw411s has a hard disk on position 1 (primary master).
        var identify = _cli.Run("identify", "1", "--chip", "--device", "sim:dead-ldw411s");
        var backup = _cli.Run("backup", "1", "-o", _cli.PathOf("b.bin"), "--device", "sim:dead-ldw411s");

        Assert.Equal((int)FailureKind.WrongDeviceClass, identify.Exit);
        Assert.Equal((int)FailureKind.WrongDeviceClass, backup.Exit);
        Assert.Contains("hard disk", Assert.Single(identify.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Plain_identify_of_a_hard_disk_still_describes_it()
    {
        var r = _cli.Run("identify", "1", "--device", "sim:dead-ldw411s");

        Assert.Equal(0, r.Exit);
        Assert.Contains("a hard disk: ST340016A", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Flash_without_a_position_on_a_bench_with_no_device_says_no_optical_drive_found_exit_3()
    {
        var image = _cli.PathOf("fw.bin");
        File.WriteAllBytes(image, SimScenarios.Find("dead-ldw411s")!.RecoveryImage()!);

        var r = _cli.Run("flash", image, "--device", "sim:empty", "--yes");

        Assert.Equal((int)FailureKind.NoDevice, r.Exit);
        Assert.Contains("no optical drive found", Assert.Single(r.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_summary_counts_an_optical_drive_the_kernel_lists_when_no_position_holds_one()
    {
        using var bench = SimScenarios.Find("empty")!.Create();
        var reports = ChannelScanner.Scan(bench);

        var withKernelDrive = ScanCommand.Summary(bench, reports, kernelDrives: 1);
        var without = ScanCommand.Summary(bench, reports, kernelDrives: 0);

        Assert.StartsWith("One optical drive found, through the kernel (SG_IO) only", withKernelDrive, StringComparison.Ordinal);
        Assert.DoesNotContain("No optical drive found", withKernelDrive, StringComparison.Ordinal);
        Assert.StartsWith("No optical drive found", without, StringComparison.Ordinal);
    }
}
