using RecoveryKit.Ata;
using RecoveryKit.Emulation;
using RecoveryKit.Emulation.Spi;

namespace RecoveryKit.Tests.Emulation.Spi;

/// <summary>The JungleFlasher-era practice benches (issue 13): what each drive holds, answers and refuses, at the register level.</summary>
public sealed class SpiScenarioTests
{
    private const int D2SKeyBlock = 0x1FF00; // PROTOCOL.md §7: 20 bytes
    private const int SlimKeySector = 0x3E000; // PROTOCOL.md §5b: 4 KiB

    private static (SimBench Bench, VirtualMtkDrive Drive, SpiWire? Wire) Open(string name)
    {
        var bench = SimScenarios.Find(name)!.Create();
        var drive = (VirtualMtkDrive)bench.DeviceAt(MtkScenarios.Setups[name].Position)!;
        return (bench, drive, null);
    }

    /// <summary>A wire onto the scenario's own drive (secondary master).</summary>
    private static SpiHost Host(string name, WireDialect dialect)
    {
        var (bench, drive, _) = Open(name);
        return new SpiHost(bench, drive, dialect);
    }

    [Theory]
    [InlineData("dead-dg16d2s", 0x40000)]
    [InlineData("locked-dg16d2s", 0x40000)]
    [InlineData("wp-locked-dg16d2s", 0x40000)]
    [InlineData("dead-dg16d4s", 0x40000)]
    [InlineData("dead-dg16d5s", 0x40000)]
    [InlineData("blank-vad6038", 0x40000)]
    [InlineData("dead-ts-h943a", 0x40000)]
    public void Each_scenario_has_a_practice_image_of_its_flash_size(string name, int size)
    {
        var image = SimScenarios.Find(name)!.RecoveryImage();

        Assert.NotNull(image);
        Assert.Equal(size, image.Length);
        using var bench = SimScenarios.Find(name)!.Create();
        Assert.IsType<VirtualMtkDrive>(bench.DeviceAt(MtkScenarios.Setups[name].Position));
    }

    [Fact]
    public void The_erased_DG_16D2S_is_blank_answers_72h_and_its_image_is_its_own_backup_with_its_own_key_block()
    {
        var host = Host("dead-dg16d2s", WireDialect.PhatLiteOn);
        var setup = MtkScenarios.Setups["dead-dg16d2s"].Setup;

        Assert.All(host.Drive.Memory.Contents.ToArray(), b => Assert.Equal(0xFF, b));
        Assert.Equal(MtkDriveMode.BootCode, host.Drive.Mode);
        Assert.Equal(0x72, host.Wire.Intro());
        var image = setup.RecoveryImage();
        Assert.Equal(setup.DriveKeyBlock(), image.AsSpan(D2SKeyBlock, 20).ToArray());
        Assert.Equal("0225", setup.NewRevision);
    }

    [Fact]
    public void The_locked_DG_16D2S_answers_52h_its_BP_bits_are_set_and_its_image_carries_another_drive_s_key_block()
    {
        var host = Host("locked-dg16d2s", WireDialect.PhatLiteOn);
        var setup = MtkScenarios.Setups["locked-dg16d2s"].Setup;

        Assert.Equal(MtkDriveMode.Firmware, host.Drive.Mode); // old firmware runs
        Assert.Equal(0x52, host.Wire.Intro());
        Assert.Equal(new byte[] { 0xBF, 0x43 }, host.Wire.Rems());
        Assert.Equal(0x0C, host.Wire.Rdsr() & 0x0C);
        var own = host.Drive.Memory.Contents.Slice(D2SKeyBlock, 20).ToArray();
        Assert.Equal(setup.DriveKeyBlock(), own);
        Assert.NotEqual(own, setup.RecoveryImage().AsSpan(D2SKeyBlock, 20).ToArray());
    }

    [Fact]
    public void The_hardware_locked_DG_16D2S_keeps_SRWD_and_its_BP_bits_whatever_WRSR_says()
    {
        var host = Host("wp-locked-dg16d2s", WireDialect.PhatLiteOn);
        Assert.Equal(0x52, host.Wire.Intro());
        var before = host.Drive.Memory.Contents.ToArray();

        host.Wire.Wren();
        host.Wire.Wrsr(0x00);
        host.Wire.Clock.Advance(TimeSpan.FromMilliseconds(50));
        host.Wire.Wren();
        host.Wire.SectorErase(0x10000);
        host.Wire.Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0x80, host.Wire.Rdsr() & 0x80);
        Assert.Equal(before, host.Drive.Memory.Contents.ToArray());
    }

    [Fact]
    public void The_Lite_On_erase_2Eh_80h_erases_the_whole_SPI_flash_key_block_included_then_answers_72h()
    {
        var host = Host("locked-dg16d2s", WireDialect.PhatLiteOn);

        var status = host.Wire.Intro(0x2E, 0x80);

        Assert.Equal(0x72, status);
        Assert.All(host.Drive.Memory.Contents.ToArray(), b => Assert.Equal(0xFF, b));
        Assert.Equal(1, host.Drive.TriggeredErases);
        Assert.Equal(MtkDriveMode.Vendor, host.Drive.Mode);
        Assert.Equal(new byte[] { 0xBF, 0x43 }, host.Wire.Rems());
    }

    [Fact]
    public void The_slim_DG_16D4S_answers_72h_to_the_slim_intro_with_its_own_key_sector_at_3E000h()
    {
        var host = Host("dead-dg16d4s", WireDialect.Slim);
        var setup = MtkScenarios.Setups["dead-dg16d4s"].Setup;

        Assert.Equal(MtkDriveMode.BootCode, host.Drive.Mode);
        Assert.Equal(0x01, host.Wire.Intro(0x2A, 0x80) & 0x01); // the phat intro is not this drive's
        Assert.Equal(0x72, host.Wire.Intro());
        Assert.Equal(new byte[] { 0xEF, 0x11 }, host.Wire.Rems());
        Assert.Equal(setup.DriveKeyBlock(), host.Wire.ReadFlash(SlimKeySector, 0x100).Concat(host.Drive.Memory.Contents.Slice(SlimKeySector + 0x100, 0xF00).ToArray()).ToArray());
        Assert.NotEqual(setup.DriveKeyBlock(), setup.RecoveryImage().AsSpan(SlimKeySector, 0x1000).ToArray());
    }

    [Fact]
    public void The_BenQ_VAD6038_is_blank_and_answers_73h()
    {
        var host = Host("blank-vad6038", WireDialect.PhatBenQ);

        Assert.All(host.Drive.Memory.Contents.ToArray(), b => Assert.Equal(0xFF, b));
        Assert.Equal(0x73, host.Wire.Intro());
        Assert.Equal(new byte[] { 0xC2, 0x11 }, host.Wire.Rems());
    }

    [Fact]
    public void Every_virtual_drive_has_its_own_key_block()
    {
        var keys = new[] { "dead-dg16d2s", "locked-dg16d2s", "wp-locked-dg16d2s" }
            .Select(n => Convert.ToHexString(MtkScenarios.Setups[n].Setup.DriveKeyBlock()))
            .ToList();

        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.All(keys, k => Assert.Equal(40, k.Length));
    }

    [Theory]
    [InlineData("locked-dg16d2s")]
    [InlineData("dead-dg16d4s")]
    public void The_drive_boots_the_new_firmware_with_its_own_key_block_or_the_image_s(string name)
    {
        var setup = MtkScenarios.Setups[name].Setup;
        var image = setup.RecoveryImage();
        var withOwnKey = image.ToArray();
        setup.DriveKeyBlock().CopyTo(withOwnKey, setup.KeyBlockAt!.Value);

        Assert.Equal(MtkDriveMode.Firmware, setup.Create(new VirtualClock(), flash: image).Mode);
        Assert.Equal(MtkDriveMode.Firmware, setup.Create(new VirtualClock(), flash: withOwnKey).Mode);
        var damaged = withOwnKey.ToArray();
        damaged[0x20000] ^= 0x01;
        Assert.Equal(MtkDriveMode.BootCode, setup.Create(new VirtualClock(), flash: damaged).Mode);
    }

    [Fact]
    public void The_sim_dump_of_an_SPI_drive_is_its_flash()
    {
        var dir = Directory.CreateTempSubdirectory("rk-spi-dump-");
        try
        {
            using var bench = SimScenarios.Find("locked-dg16d2s")!.Create();

            var files = bench.DumpFlash(dir.FullName);

            Assert.Equal(Path.Combine(dir.FullName, "3.bin"), Assert.Single(files));
            Assert.Equal(MtkScenarios.Setups["locked-dg16d2s"].Setup.InitialFlash(), File.ReadAllBytes(files[0]));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>A scenario's drive with a register-level wire onto it.</summary>
    private sealed class SpiHost(SimBench bench, VirtualMtkDrive drive, WireDialect dialect)
    {
        public VirtualMtkDrive Drive { get; } = drive;
        public SpiWire Wire { get; } = SpiWire.Onto(bench.Secondary, bench.Clock, drive, dialect);
    }
}
