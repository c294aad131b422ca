using System.Text.Json.Nodes;
using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;
using RecoveryKit.Profiles;

namespace RecoveryKit.Tests.Profiles;

/// <summary>
/// The Xbox 360 drives of the JungleFlasher era (issue 13): every expected value below is PROTOCOL.md's (§3 dialects
/// and statuses, §4 second framing, §5b buffer dialects and part list, §7 key block), not read back from the JSON.
/// </summary>
public sealed class JungleFlasherDriveTests
{
    [Theory]
    // name, vendor status, framing, intro dialect, first outro step (PROTOCOL.md §3, §6)
    [InlineData("DG-16D2S", 0x72, FlashFraming.SpiBuffer, "phat", "vendor-81h")]
    [InlineData("DG-16D4S", 0x72, FlashFraming.SpiBuffer, "slim", "vendor-F0h")]
    [InlineData("DG-16D5S", 0x72, FlashFraming.SpiBuffer, "slim2", "vendor-BEh")]
    [InlineData("VAD6038", 0x73, FlashFraming.SpiBuffer, "phat", "vendor-81h")]
    [InlineData("TS-H943A", 0x70, FlashFraming.CommandRegister, "phat", "vendor-81h")]
    public void Each_drive_has_its_dialect_status_framing_and_outro(string name, int status, FlashFraming framing, string dialect, string outro)
    {
        var drive = ProfileCatalog.FindDrive(name);

        Assert.NotNull(drive);
        Assert.Equal((byte)status, drive.VendorStatus.Value);
        Assert.Equal(framing, drive.Framing.Value);
        Assert.Equal("V-dec", drive.Framing.Grade);
        Assert.Equal(dialect, Assert.Single(drive.Intro.Value).Name);
        Assert.Equal(outro, drive.Outro.Value[0].Name);
        Assert.Equal(framing == FlashFraming.SpiBuffer, drive.Spi.Value);
        Assert.NotNull(ImageFamilies.Find(drive.Family));
    }

    [Theory]
    // PROTOCOL.md §5b table: write, read, execute (+ follow-up), counts order, buffer base
    [InlineData("DG-16D2S", 0x01, 0x00, 0x04, 0x05, true, 0x8800)]
    [InlineData("VAD6038", 0x01, 0x00, 0x04, 0x05, false, 0x0000)]
    [InlineData("DG-16D4S", 0x68, 0x91, 0x1B, -1, true, 0x0000)]
    [InlineData("DG-16D5S", 0x52, 0x1F, 0xC2, -1, true, 0x0000)]
    public void Spi_drives_carry_their_buffer_dialect_graded_from_the_decompiled_tool(string name, int write, int read, int execute, int followUp, bool lowFirst, int bufferBase)
    {
        var buffer = ProfileCatalog.FindDrive(name)!.SpiBuffer;

        Assert.NotNull(buffer);
        Assert.Equal("V-dec", buffer.Grade);
        Assert.Equal(new SpiBufferDialect((byte)write, (byte)read, (byte)execute, followUp < 0 ? null : (byte)followUp, lowFirst, (ushort)bufferBase), buffer.Value);
    }

    [Fact]
    public void The_DG16D2S_knows_52h_as_locked_and_2Eh_80h_as_an_erase_never_an_intro()
    {
        var drive = ProfileCatalog.FindDrive("DG-16D2S")!;

        Assert.Equal((byte)0x52, drive.LockedStatus!.Value);
        Assert.Contains(new VendorTrigger(0x2E, 0x80), drive.EraseTriggers.Value);
        Assert.DoesNotContain(ProfileCatalog.Drives.SelectMany(d => d.Intro.Value), d => d.Trigger == new VendorTrigger(0x2E, 0x80));
    }

    [Fact]
    public void The_TS_H943A_is_an_SST39SF020_with_the_bank_in_the_device_register()
    {
        var drive = ProfileCatalog.FindDrive("TS-H943A")!;
        var chip = ProfileCatalog.FindChip(Assert.Single(drive.Chips))!;

        Assert.Equal((byte)0xBF, chip.ManufacturerId);
        Assert.Equal((byte)0xB6, chip.DeviceId);
        Assert.Equal(256 * 1024, chip.SizeBytes);
        Assert.True(drive.Banking.Value.DeviceHeadBits);
        Assert.Null(drive.SpiBuffer);
    }

    [Theory]
    // PROTOCOL.md §7 and §5b: 20 bytes at 1FF00h on the DG-16D2S, the 4 KiB sector at 3E000h on slim drives
    [InlineData("DG-16D2S", 0x1FF00, 20)]
    [InlineData("DG-16D4S", 0x3E000, 4096)]
    [InlineData("DG-16D5S", 0x3E000, 4096)]
    public void Key_blocks_are_profile_data(string family, int start, int length)
    {
        var f = ImageFamilies.Get(family);

        Assert.Equal(start, f.KeyBlock!.Start);
        Assert.Equal(length, f.KeyBlock.Length);
        Assert.True(f.DriveUnique.Value);
    }

    [Theory]
    [InlineData("VAD6038")]
    [InlineData("TS-H943A")]
    public void Drives_without_a_fixed_key_place_are_still_drive_unique(string family)
    {
        var f = ImageFamilies.Get(family);

        Assert.Null(f.KeyBlock);
        Assert.True(f.DriveUnique.Value);
        Assert.Equal("none", f.Validity.Kind);
    }

    [Fact]
    public void The_key_block_is_shown_as_a_hash_that_tells_two_drives_apart_and_never_as_its_bytes()
    {
        var key = ImageFamilies.Get("DG-16D2S").KeyBlock!;
        var a = new byte[0x40000];
        var b = new byte[0x40000];
        Array.Fill(a, (byte)0xFF);
        Array.Fill(b, (byte)0xFF);
        for (var i = 0; i < 20; i++)
        {
            a[0x1FF00 + i] = (byte)(0xA0 + i);
            b[0x1FF00 + i] = (byte)(0xA0 + i);
        }
        b[0x1FF13] ^= 1;

        Assert.NotEqual(key.Hash(a), key.Hash(b));
        Assert.Equal(16, key.Hash(a).Length);
        Assert.DoesNotContain("a0a1a2", key.Hash(a));
        Assert.False(key.IsBlank(a));
        Assert.True(key.IsBlank(new byte[0x40000].Select(_ => (byte)0xFF).ToArray()));
    }

    [Theory]
    // REMS IDs and sizes from PROTOCOL.md §5b
    [InlineData(0xBF, 0x43, 256)]
    [InlineData(0xEF, 0x11, 256)]
    [InlineData(0x9D, 0x7D, 256)]
    [InlineData(0xEF, 0x31, 256)]
    [InlineData(0x37, 0x11, 256)]
    [InlineData(0xC2, 0x11, 256)]
    [InlineData(0x10, 0x00, 256)]
    [InlineData(0x1C, 0x13, 1024)]
    [InlineData(0xEF, 0x13, 1024)]
    [InlineData(0xC2, 0x13, 1024)]
    [InlineData(0x1C, 0x14, 2048)]
    [InlineData(0xEF, 0x14, 2048)]
    [InlineData(0xC2, 0x14, 2048)]
    public void Every_spi_part_of_the_protocol_list_is_in_the_chip_table(int manufacturer, int device, int kib)
    {
        var chip = ProfileCatalog.FindChip(FlashBusKind.Spi, (byte)manufacturer, (byte)device);

        Assert.NotNull(chip);
        Assert.Equal(kib * 1024, chip.SizeBytes);
        Assert.NotNull(chip.Spi);
        Assert.True(chip.Spi.StatusWriteTime.Maximum > TimeSpan.Zero);
        Assert.Null(ProfileCatalog.FindChip((byte)manufacturer, (byte)device)); // never taken for a parallel part
    }

    [Fact]
    public void Chip_erase_opcode_follows_the_manufacturer()
    {
        // PROTOCOL.md §5b: 60h on SST parts, C7h on the others of the list (no Atmel part in it)
        Assert.Equal((byte)0x60, ProfileCatalog.FindChip("SST25VF020")!.Spi!.ChipEraseOpcode);
        Assert.True(ProfileCatalog.FindChip("SST25VF020")!.Spi!.NeedsEwsr);
        Assert.All(ProfileCatalog.Chips.Where(c => c.Bus == FlashBusKind.Spi && c.Manufacturer != "SST"),
            c => Assert.Equal((byte)0xC7, c.Spi!.ChipEraseOpcode));
    }

    private static JsonObject Drives() => JsonNode.Parse(ProfileCatalog.EmbeddedText("drives.json"))!.AsObject();

    private static JsonObject Drive(JsonObject file, string name) =>
        file["drives"]!.AsArray().Select(n => n!.AsObject()).First(d => (string?)d["name"] == name);

    [Theory]
    [InlineData("framing", "spi-mailbox")]
    [InlineData("countOrder", "middle-first")]
    [InlineData("spiOnParallel", "")]
    [InlineData("missingBuffer", "")]
    public void A_wrong_framing_or_buffer_dialect_fails_at_load(string what, string value)
    {
        var file = Drives();
        switch (what)
        {
            case "framing":
                Drive(file, "DG-16D2S")["framing"]!["value"] = value;
                break;
            case "countOrder":
                Drive(file, "DG-16D2S")["spiBuffer"]!["value"]!["countOrder"] = value;
                break;
            case "spiOnParallel":
                Drive(file, "TS-H943A")["framing"]!["value"] = "spi-buffer";
                break;
            default:
                Drive(file, "DG-16D4S").Remove("spiBuffer");
                break;
        }

        var failure = Assert.Throws<RecoveryKitException>(() => ProfileCatalog.ParseDrives(file.ToJsonString(), "test-drives.json", embedded: false)).Failure;

        Assert.Equal(FailureKind.Usage, failure.Kind);
        Assert.Contains("test-drives.json", failure.Cause);
    }
}
