using RecoveryKit.Ata;
using RecoveryKit.Discovery;
using RecoveryKit.Emulation;

namespace RecoveryKit.Tests.Discovery;

/// <summary>"No optical drive found" says why, and the advice fits the PC: SATA mode on AHCI, the cable on IDE.</summary>
public sealed class NoDriveAdviceTests
{
    private static IReadOnlyList<PositionReport> ScanOf(string scenario)
    {
        using var bench = SimScenarios.Find(scenario)!.Create();
        return ChannelScanner.Scan(bench);
    }

    [Fact]
    public void On_an_AHCI_pc_the_advice_is_the_SATA_mode_naming_AHCI_not_the_IDE_cable()
    {
        // q35: no PCI IDE controller, so no channel at all; the SATA controller is in AHCI mode.
        var finding = NoDriveFinding.Explain([], sataWithoutTaskFile: true);

        Assert.Equal(NoDriveReason.SataWithoutTaskFile, finding.Reason);
        Assert.Contains("AHCI", finding.Cause, StringComparison.Ordinal);
        Assert.Contains("SATA mode to IDE / Legacy", finding.Advice, StringComparison.Ordinal);
        Assert.DoesNotContain("IDE cable", finding.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void On_AHCI_the_drives_the_kernel_lists_are_counted_in_the_advice()
    {
        var finding = NoDriveFinding.Explain([], sataWithoutTaskFile: true, kernelDrives: 1);

        Assert.Contains("The kernel lists 1 optical drive", finding.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void On_IDE_channels_where_nothing_answers_the_advice_is_the_cable_and_power()
    {
        var finding = NoDriveFinding.Explain(ScanOf("empty"), sataWithoutTaskFile: false);

        Assert.Equal(NoDriveReason.NothingAnswers, finding.Reason);
        Assert.Contains("IDE data cable", finding.Advice, StringComparison.Ordinal);
        Assert.Contains("never the data cable while powered", finding.Advice, StringComparison.Ordinal);
        Assert.DoesNotContain("AHCI", finding.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void With_no_channel_at_all_and_no_AHCI_it_says_there_is_nothing_to_scan()
    {
        var finding = NoDriveFinding.Explain([], sataWithoutTaskFile: false);

        Assert.Equal(NoDriveReason.NoChannel, finding.Reason);
        Assert.Contains("no IDE channel", finding.Cause, StringComparison.Ordinal);
    }
}
