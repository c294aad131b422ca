using CsCheck;
using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;

namespace RecoveryKit.Tests.Ata;

/// <summary>How technicians name positions: 1-4, names, port:, pci:, sg: (PROTOCOL.md §1 numbering).</summary>
public sealed class PositionSpecTests
{
    [Theory]
    [InlineData("1", DevicePosition.PrimaryMaster)]
    [InlineData("2", DevicePosition.PrimarySlave)]
    [InlineData("3", DevicePosition.SecondaryMaster)]
    [InlineData("4", DevicePosition.SecondarySlave)]
    [InlineData("primary-master", DevicePosition.PrimaryMaster)]
    [InlineData("Secondary-Slave", DevicePosition.SecondarySlave)]
    [InlineData("secondarymaster", DevicePosition.SecondaryMaster)]
    [InlineData("  primary-slave ", DevicePosition.PrimarySlave)]
    public void Legacy_numbers_and_names_parse_to_mtkflash_positions(string text, DevicePosition expected)
    {
        var spec = PositionSpec.Parse(text);

        Assert.Equal(PositionSpecKind.Legacy, spec.Kind);
        Assert.Equal(expected, spec.Legacy);
        Assert.Equal(expected.ChannelIndex() == 0 ? 0x1F0 : 0x170, spec.PortBase);
        Assert.Equal(expected.Device(), spec.Device);
    }

    [Fact]
    public void Port_form_gives_base_device_and_the_legacy_position_it_matches()
    {
        var spec = PositionSpec.Parse("port:0x170:slave");

        Assert.Equal(PositionSpecKind.Port, spec.Kind);
        Assert.Equal(0x170, spec.PortBase);
        Assert.Equal(DeviceSelect.Slave, spec.Device);
        Assert.Equal(DevicePosition.SecondarySlave, spec.Legacy);
        Assert.Equal("port:0x170:slave", spec.ToString());
    }

    [Fact]
    public void Port_form_accepts_a_native_pci_base_with_no_legacy_position()
    {
        var spec = PositionSpec.Parse("PORT:EC00:master");

        Assert.Equal(0xEC00, spec.PortBase);
        Assert.Equal(DeviceSelect.Master, spec.Device);
        Assert.Null(spec.Legacy);
    }

    [Fact]
    public void Pci_form_gives_address_channel_and_device()
    {
        var spec = PositionSpec.Parse("pci:0000:00:1f.1:secondary:master");

        Assert.Equal(PositionSpecKind.Pci, spec.Kind);
        Assert.Equal("0000:00:1f.1", spec.PciAddress);
        Assert.Equal(1, spec.PciChannel);
        Assert.Equal(DeviceSelect.Master, spec.Device);
        Assert.Equal("pci:0000:00:1f.1:secondary:master", spec.ToString());
    }

    [Fact]
    public void Sg_form_keeps_the_device_path()
    {
        var spec = PositionSpec.Parse("sg:/dev/sg1");

        Assert.Equal(PositionSpecKind.Sg, spec.Kind);
        Assert.Equal("/dev/sg1", spec.SgPath);
        Assert.Equal("sg:/dev/sg1", spec.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("0")]
    [InlineData("5")]
    [InlineData("12")]
    [InlineData("primary-mast")]
    [InlineData("port:0x171:slave")]      // not a command-block base (multiple of 8)
    [InlineData("port:0x0:master")]
    [InlineData("port:0x170:middle")]
    [InlineData("port:0x170")]
    [InlineData("port:0x10000:master")]
    [InlineData("port:0x170:slave:extra")]
    [InlineData("pci:0000:00:1f.8:secondary:master")] // function 0..7
    [InlineData("pci:0000:00:20.0:secondary:master")] // device 00..1f
    [InlineData("pci:0000:00:ff.1:primary:slave")]
    [InlineData("pci:0000:00:1f.1:tertiary:master")]
    [InlineData("pci:000:00:1f.1:primary:master")]
    [InlineData("pci:0000:00:1f:primary:master")]
    [InlineData("sg:dev/sg1")]
    [InlineData("sg:")]
    [InlineData("/dev/sg1")]
    public void Malformed_positions_are_rejected_as_usage_errors_with_help(string text)
    {
        var ex = Assert.Throws<RecoveryKitException>(() => PositionSpec.Parse(text));

        Assert.Equal(FailureKind.Usage, ex.Failure.Kind);
        Assert.Equal("position", ex.Failure.Stage);
        Assert.False(string.IsNullOrWhiteSpace(ex.Failure.Cause));
        Assert.Equal(PositionSpec.Help, ex.Failure.Advice);
        Assert.False(PositionSpec.TryParse(text, out _, out var problem));
        Assert.Equal(problem, ex.Failure.Cause);
    }

    [Fact]
    public void Null_is_rejected_without_throwing_from_try_parse()
    {
        Assert.False(PositionSpec.TryParse(null, out _, out var problem));
        Assert.False(string.IsNullOrWhiteSpace(problem));
    }

    [Fact]
    public void Any_string_either_parses_and_round_trips_or_gives_a_problem_text_and_never_throws_anything_else()
    {
        Gen.String.Sample(CheckAnyString, iter: 20_000);
    }

    [Fact]
    public void Strings_that_start_like_a_position_either_parse_and_round_trip_or_give_a_problem_text()
    {
        var prefixes = Gen.OneOf("1", "4", "port:", "port:0x", "PORT:0x1f0", "pci:", "pci:0000:00:", "sg:", "sg:/", "primary-", "secondary");
        var tails = Gen.String[Gen.Char["0123456789abcdefxABCDEF:.-/ msaterlvpyc"], 0, 30];
        Gen.Select(prefixes, tails, (p, t) => p + t).Sample(CheckAnyString, iter: 20_000);
    }

    [Fact]
    public void Every_valid_spec_round_trips_through_to_string_and_parse()
    {
        var device = Gen.OneOf("master", "slave", "MASTER", "Slave");
        var legacy = Gen.OneOf("1", "2", "3", "4", "primary-master", "PRIMARY-SLAVE", "secondarymaster", "secondary-slave");
        var port = Gen.Select(Gen.Int[1, 0x1FFF], Gen.Bool, device, (b, hex, d) => $"port:{(hex ? "0x" : string.Empty)}{b * 8:x}:{d}");
        var pci = Gen.Select(Gen.Int[0, 0xFFFF], Gen.Int[0, 0xFF], Gen.Int[0, 0x1F], Gen.Int[0, 7], Gen.Bool, device,
            (dom, bus, slot, fn, secondary, d) => $"pci:{dom:x4}:{bus:X2}:{slot:x2}.{fn}:{(secondary ? "secondary" : "primary")}:{d}");
        var sg = Gen.String[Gen.Char.AlphaNumeric, 1, 12].Select(s => $"sg:/dev/{s}");

        Gen.OneOf<string>(legacy, port, pci, sg).Sample(text =>
        {
            Assert.True(PositionSpec.TryParse(text, out var spec, out var problem), $"'{text}' rejected: {problem}");
            var again = PositionSpec.Parse(spec.ToString());
            Assert.Equal(spec, again);
            Assert.Equal(spec.ToString(), again.ToString());
        }, iter: 5_000);
    }

    private static void CheckAnyString(string text)
    {
        PositionSpec spec;
        try
        {
            spec = PositionSpec.Parse(text);
        }
        catch (RecoveryKitException ex)
        {
            Assert.Equal(FailureKind.Usage, ex.Failure.Kind);
            Assert.False(string.IsNullOrWhiteSpace(ex.Failure.Cause));
            return;
        }
        Assert.Equal(spec, PositionSpec.Parse(spec.ToString()));
    }
}
