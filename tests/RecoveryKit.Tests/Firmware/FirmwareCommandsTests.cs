using System.Text;
using System.Text.Json;
using RecoveryKit.Cli;
using RecoveryKit.Firmware;

namespace RecoveryKit.Tests.Firmware;

public sealed class FirmwareCommandsTests : IDisposable
{
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("rk-cli-fw-");

    public void Dispose() => dir.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(dir.FullName, name);

    private string Put(string name, byte[] content)
    {
        File.WriteAllBytes(PathOf(name), content);
        return PathOf(name);
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = RecoveryKitCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Inspect_shows_format_identity_family_and_sums()
    {
        var file = Put("fs0j.bin", Images.LiteOn411);

        var (code, output, _) = Run("inspect", file);

        Assert.Equal(0, code);
        Assert.Contains("raw binary", output);
        Assert.Contains("LITE-ON DVDRW LDW-411S FS0J", output);
        Assert.Contains("Family:      LDW-411S", output);
        Assert.Contains(ImageIdentity.Of(Images.LiteOn411).Sha256, output);
        Assert.Contains("LDW-411S     model matches", output);
    }

    [Fact]
    public void Inspect_json_is_valid_json_with_the_identity()
    {
        var file = Put("v0045.hex", Encoding.ASCII.GetBytes(IntelHex.Write(Images.Btc1008)));

        var (code, output, _) = Run("inspect", file, "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("IntelHex", root.GetProperty("format").GetString());
        Assert.Equal("DRW-1008IM", root.GetProperty("identity").GetProperty("model").GetString());
        Assert.Equal("0045", root.GetProperty("identity").GetProperty("revision").GetString());
        Assert.Equal("0x4000", root.GetProperty("bootBlock").GetProperty("length").GetString());
        Assert.Contains(root.GetProperty("fits").EnumerateArray(), f => f.GetProperty("family").GetString() == "DRW-1008IM" && f.GetProperty("modelMatches").GetBoolean());
    }

    [Fact]
    public void Inspect_of_a_missing_file_exits_with_FileError()
    {
        var (code, _, error) = Run("inspect", PathOf("NOPE.BIN"));
        Assert.Equal(13, code);
        Assert.Contains("NOPE.BIN", error);
    }

    [Fact]
    public void Inspect_of_a_wrong_size_file_exits_with_ImageRejected_naming_the_size()
    {
        var (code, _, error) = Run("inspect", Put("cut.bin", new byte[1000]));
        Assert.Equal(7, code);
        Assert.Contains("1000 bytes", error);
    }

    [Fact]
    public void Inspect_resolves_a_DOS_path_against_the_data_root_and_says_so()
    {
        if (OperatingSystem.IsWindows())
            return;
        Directory.CreateDirectory(PathOf("fw"));
        File.WriteAllBytes(Path.Combine(PathOf("fw"), "fs0j.bin"), Images.LiteOn411);

        var (code, output, _) = Run("inspect", @"A:\FW\FS0J.BIN", "--data-root", dir.FullName);

        Assert.Equal(0, code);
        Assert.Contains("note: DOS path", output);
        Assert.Contains("different letter case", output);
    }

    [Fact]
    public void Extract_writes_the_embedded_image_and_reports_its_offset()
    {
        var exe = TestPe.Build(overlay: Images.LiteOn411);
        var updater = Put("ldw411s.exe", exe);
        var target = PathOf("out.bin");

        var (code, output, _) = Run("extract", updater, "-o", target);

        Assert.Equal(0, code);
        Assert.Equal(Images.LiteOn411, File.ReadAllBytes(target));
        Assert.Contains($"offset 0x{exe.Length - Images.LiteOn411.Length:X}", output);
    }

    [Fact]
    public void Extract_never_overwrites_an_existing_output()
    {
        var updater = Put("ldw411s.exe", TestPe.Build(overlay: Images.LiteOn411));
        var target = Put("out.bin", [1, 2, 3]);

        var (code, _, _) = Run("extract", updater, "-o", target);

        Assert.Equal(13, code);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(target));
    }

    [Fact]
    public void Extract_of_a_plain_image_is_a_usage_error()
    {
        var (code, _, error) = Run("extract", Put("fs0j.bin", Images.LiteOn411), "-o", PathOf("x.bin"));
        Assert.Equal(2, code);
        Assert.Contains("already a firmware image", error);
        Assert.False(File.Exists(PathOf("x.bin")));
    }

    [Fact]
    public void Extract_of_a_scrambled_updater_says_so()
    {
        var scrambled = Images.LiteOn411.Select((b, i) => (byte)(b ^ (i & 0x7F))).ToArray();
        var (code, _, error) = Run("extract", Put("sohw1213s.exe", TestPe.Build(overlay: scrambled)), "-o", PathOf("x.bin"));
        Assert.Equal(7, code);
        Assert.Contains("scrambled or compressed", error);
    }

    [Fact]
    public void Diff_names_the_banks_and_sectors_that_differ()
    {
        var a = (byte[])Images.LiteOn411.Clone();
        var b = (byte[])a.Clone();
        b[0x23456] ^= 0x01;
        b[0x23FFF] ^= 0x01;
        b[0x80000] ^= 0x80;

        var (code, output, _) = Run("diff", Put("a.bin", a), Put("b.bin", b), "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var banks = json.RootElement.GetProperty("banks").EnumerateArray().ToArray();
        Assert.Equal([2, 8], banks.Select(x => x.GetProperty("bank").GetInt32()));
        Assert.Equal(["0x023000"], banks[0].GetProperty("sectors").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(2, banks[0].GetProperty("bytesDiffering").GetInt32());
        Assert.Equal(3, json.RootElement.GetProperty("bytesDiffering").GetInt32());
        Assert.False(json.RootElement.GetProperty("bootBlocksDiffer").GetBoolean());
    }

    [Fact]
    public void Diff_of_identical_images_says_identical()
    {
        var (code, output, _) = Run("diff", Put("a.bin", Images.LiteOn411), Put("b.bin", Images.LiteOn411));
        Assert.Equal(0, code);
        Assert.Contains("Identical.", output);
    }

    [Fact]
    public void Fix_checksum_rewrites_a_verified_rule_in_place_keeping_a_bak()
    {
        var family = ImageFamilies.Get("MT1939");
        var patched = SyntheticImage.Build(family, 0x200000, "1D00", 2);
        patched[0x12345] ^= 0x10; // a patch, like an RPC1 or bitsetting change
        var file = Put("mt1939.bin", patched);

        var (code, output, _) = Run("fix-checksum", file);

        Assert.Equal(0, code);
        Assert.Equal(patched, File.ReadAllBytes(file + ".bak"));
        Assert.True(family.Validity.IsValid(File.ReadAllBytes(file)));
        Assert.Contains("Kept the previous file", output);
    }

    [Fact]
    public void Fix_checksum_with_output_leaves_the_input_untouched()
    {
        var family = ImageFamilies.Get("MT1939");
        var patched = SyntheticImage.Build(family, 0x200000, "1D00", 2);
        patched[0x12345] ^= 0x10;
        var file = Put("mt1939.bin", patched);

        var (code, _, _) = Run("fix-checksum", file, "-o", PathOf("fixed.bin"));

        Assert.Equal(0, code);
        Assert.Equal(patched, File.ReadAllBytes(file));
        Assert.False(File.Exists(file + ".bak"));
        Assert.True(family.Validity.IsValid(File.ReadAllBytes(PathOf("fixed.bin"))));
    }

    [Fact]
    public void Fix_checksum_applies_a_reconstructed_rule_with_a_warning_into_a_new_file()
    {
        var patched = (byte[])Images.LiteOn411.Clone();
        patched[0x20000] ^= 0x01;
        var file = Put("fs0j.bin", patched);
        var family = ImageFamilies.Find("LDW-411S")!;
        Assert.False(family.Validity.IsValid(patched));

        var (code, output, _) = Run("fix-checksum", file, "-o", PathOf("fixed.bin"));

        Assert.Equal(0, code);
        Assert.Contains("WARNING", output);
        Assert.Contains("graded [R]", output);
        Assert.Equal(patched, File.ReadAllBytes(file));
        Assert.True(family.Validity.IsValid(File.ReadAllBytes(PathOf("fixed.bin"))));
    }

    [Fact]
    public void Fix_checksum_refuses_a_family_that_stores_no_checksum()
    {
        var (code, _, error) = Run("fix-checksum", Put("btc.bin", Images.Btc1008));
        Assert.Equal(7, code);
        Assert.Contains("store no checksum", error);
    }

    [Fact]
    public void Fix_checksum_refuses_an_image_of_no_known_family()
    {
        var (code, _, error) = Run("fix-checksum", Put("anon.bin", Images.Anonymous128K()));
        Assert.Equal(7, code);
        Assert.Contains("--family", error);
    }

    [Fact]
    public void Fix_checksum_keeps_a_hex_file_in_hex()
    {
        var family = ImageFamilies.Get("MT1939");
        var patched = SyntheticImage.Build(family, 0x200000, "1D00", 6);
        patched[0x40000] ^= 0x04;
        var file = Put("mt1939.hex", Encoding.ASCII.GetBytes(IntelHex.Write(patched)));

        var (code, _, _) = Run("fix-checksum", file);

        Assert.Equal(0, code);
        var fixedImage = FirmwareReader.Load(file);
        Assert.Equal(FirmwareFormat.IntelHex, fixedImage.Format);
        Assert.True(family.Validity.IsValid(fixedImage.Data.Span));
    }
}
