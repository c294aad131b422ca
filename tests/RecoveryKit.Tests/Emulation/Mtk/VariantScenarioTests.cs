using RecoveryKit.Emulation;
using RecoveryKit.Tests.Cli;

namespace RecoveryKit.Tests.Emulation.Mtk;

/// <summary>
/// A few variant × scenario runs of scripts/variants.sh, in-process: 'flash' on the virtual bench with the
/// variant, judged only from the flash dump against the scenario's starting flash and the recovery image (both
/// built here, not read from RecoveryKit's report). Safe means recovered, or untouched; and never the boot bank
/// (the first 64 KiB, PROTOCOL.md §6) changed, as no run gives --write-bootcode.
/// </summary>
public sealed class VariantScenarioTests : IDisposable
{
    private const int BootBank = 0x10000;

    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private enum Outcome
    {
        Recovered,
        Untouched,
        Damaged,
    }

    private (Outcome Outcome, int Exit, string Why) Run(string scenario, string variantJson, params string[] command)
    {
        var (setup, position) = MtkScenarios.Setups[scenario];
        var variant = _cli.PathOf("variant.json");
        File.WriteAllText(variant, variantJson);
        var image = _cli.PathOf("fw.bin");
        File.WriteAllBytes(image, setup.RecoveryImage());
        var dump = _cli.PathOf("dump");
        var pos = ((int)position).ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] args = command.Length > 0
            ? [.. command.Select(a => a.Replace("POS", pos, StringComparison.Ordinal)), "--device", $"sim:{scenario}", "--variant", variant, "--sim-dump", dump]
            : ["flash", pos, image, "--yes", "--backup", _cli.PathOf("backup.bin"), "--device", $"sim:{scenario}", "--variant", variant, "--sim-dump", dump];
        var r = _cli.Run(args);

        var start = setup.InitialFlash();
        var final = File.ReadAllBytes(Path.Combine(dump, pos + ".bin"));
        if (!final.AsSpan(0, BootBank).SequenceEqual(start.AsSpan(0, BootBank)))
            return (Outcome.Damaged, r.Exit, "the boot bank changed\n" + r);
        if (final.AsSpan().SequenceEqual(setup.RecoveryImage()))
            return (Outcome.Recovered, r.Exit, r.ToString());
        if (final.AsSpan().SequenceEqual(start))
            return (Outcome.Untouched, r.Exit, r.ToString());
        return (Outcome.Damaged, r.Exit, "the flash is neither as before nor the image\n" + r);
    }

    [Theory]
    [InlineData("dead-ldw411s", "{}")]
    [InlineData("dead-sohw832s-slave", """{ "chipTimeFactor": [1.0, 1.4], "seed": 11 }""")]
    [InlineData("dead-ltr52327s", """{ "echoesDevice": false }""")]
    [InlineData("update-ldw411s", """{ "busyAfterResetMs": 3000, "identifyDeviceAbortMs": 50 }""")]
    public void A_drive_that_differs_harmlessly_is_recovered(string scenario, string variant)
    {
        var (outcome, _, why) = Run(scenario, variant);

        Assert.True(outcome == Outcome.Recovered, why);
    }

    [Theory]
    [InlineData("dead-ldw411s", """{ "framing": "command-register" }""")]
    [InlineData("update-ldw411s", """{ "introStatus": "72" }""")]
    [InlineData("dead-ltr52327s", """{ "identifyDeviceAbortMs": -1 }""")]
    [InlineData("update-ldw411s", """{ "introKeys": ["2B"], "eraseTrigger": "2E" }""")]
    [InlineData("xbox-dg16d2s", "{}")]
    public void A_drive_we_cannot_talk_to_is_left_exactly_as_it_was(string scenario, string variant)
    {
        var (outcome, exit, why) = Run(scenario, variant);

        Assert.True(outcome == Outcome.Untouched, why);
        Assert.NotEqual(0, exit);
    }

    [Theory]
    [InlineData("dead-ldw411s", """{ "ignoresBankBits": true }""")]
    [InlineData("update-ldw411s", """{ "ignoresBankBits": true }""")]
    [InlineData("dead-sohw832s-slave", """{ "ignoresBankBits": true, "echoesDevice": false }""")]
    [InlineData("dead-ldw411s", """{ "bankRegister": "features" }""")]
    public void A_drive_that_ignores_the_bank_bits_is_refused_before_the_first_erase(string scenario, string variant)
    {
        var (outcome, exit, why) = Run(scenario, variant);

        Assert.True(outcome == Outcome.Untouched, why);
        Assert.NotEqual(0, exit);
    }

    [Theory]
    [InlineData("backup", "POS", "-o", "out.bin")]
    [InlineData("identify", "POS", "--chip")]
    public void Probing_a_DG_16D2S_never_erases_it(params string[] command)
    {
        var (outcome, _, why) = Run("xbox-dg16d2s", "{}", [.. command.Select(a => a == "out.bin" ? _cli.PathOf(a) : a)]);

        Assert.True(outcome == Outcome.Untouched, why);
    }
}
