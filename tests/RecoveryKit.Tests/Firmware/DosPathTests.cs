using RecoveryKit.Firmware;

namespace RecoveryKit.Tests.Firmware;

public sealed class DosPathTests : IDisposable
{
    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("rk-dos-");

    public void Dispose() => root.Delete(recursive: true);

    private string Create(string relative, byte[]? content = null)
    {
        var path = Path.Combine(root.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content ?? [1]);
        return path;
    }

    [Fact]
    public void Existing_path_is_used_as_it_is_without_notes()
    {
        var path = Create("fs0f.bin");
        var resolution = new DosPath(root.FullName).Resolve(path);
        Assert.True(resolution.Exists);
        Assert.Equal(path, resolution.Path);
        Assert.Empty(resolution.Notes);
    }

    [Fact]
    public void Missing_name_is_found_in_another_letter_case_and_the_substitution_reported()
    {
        var actual = Create("fs0f.bin");
        var resolution = new DosPath(root.FullName).Resolve(Path.Combine(root.FullName, "FS0F.BIN"));

        Assert.True(resolution.Exists);
        Assert.Equal(actual, resolution.Path);
        Assert.Contains(resolution.Notes, n => n.Contains("different letter case") && n.Contains("fs0f.bin"));
    }

    [Fact]
    public void Drive_letter_path_is_translated_relative_to_the_data_root_and_reported()
    {
        if (OperatingSystem.IsWindows())
            return; // drive letters are native there
        var actual = Create(Path.Combine("fw", "fs0f.bin"));

        var resolution = new DosPath(root.FullName).Resolve(@"A:\FW\FS0F.BIN");

        Assert.True(resolution.Exists);
        Assert.Equal(actual, resolution.Path);
        Assert.Contains(resolution.Notes, n => n.Contains(@"A:\FW\FS0F.BIN") && n.Contains("drive A:"));
        Assert.Contains(resolution.Notes, n => n.Contains("different letter case"));
    }

    [Fact]
    public void Missing_file_is_reported_as_not_existing_with_the_translated_path()
    {
        if (OperatingSystem.IsWindows())
            return;
        var resolution = new DosPath(root.FullName).Resolve(@"C:\FW\NOPE.BIN");

        Assert.False(resolution.Exists);
        Assert.Equal(Path.Combine(root.FullName, "FW", "NOPE.BIN"), resolution.Path);
        Assert.Single(resolution.Notes);
    }

    [Fact]
    public void Load_reports_which_file_was_used_when_it_had_to_resolve_the_name()
    {
        if (OperatingSystem.IsWindows())
            return;
        var actual = Create(Path.Combine("fw", "fs0j.bin"), Images.LiteOn411);

        var image = FirmwareReader.Load(@"A:\FW\FS0J.BIN", new DosPath(root.FullName));

        Assert.Equal(actual, image.SourcePath);
        Assert.Equal(2, image.Notes.Count);
        Assert.Equal("FS0J", image.Identity.Revision);
    }

    [Fact]
    public void Load_of_a_missing_DOS_path_is_a_FileError_naming_the_translation()
    {
        if (OperatingSystem.IsWindows())
            return;
        var ex = Images.Rejected(() => FirmwareReader.Load(@"A:\FW\NOPE.BIN", new DosPath(root.FullName)));
        Assert.Equal(RecoveryKit.Diagnostics.FailureKind.FileError, ex.Failure.Kind);
        Assert.Contains("drive A:", ex.Failure.Cause);
    }

    [Fact]
    public void DOS_short_name_finds_the_long_file_and_says_it_was_read_as_an_8_3_alias()
    {
        var actual = Create("firmware_vs0c.bin");
        Create("other.bin");

        var resolution = new DosPath(root.FullName).Resolve(Path.Combine(root.FullName, "FIRMWA~1.BIN"));

        Assert.True(resolution.Exists);
        Assert.Equal(actual, resolution.Path);
        Assert.Contains(resolution.Notes, n => n.Contains("8.3 short name"));
    }

    [Fact]
    public void DOS_short_name_with_a_number_past_the_candidates_is_not_found()
    {
        Create("firmware_vs0c.bin");
        var resolution = new DosPath(root.FullName).Resolve(Path.Combine(root.FullName, "FIRMWA~2.BIN"));
        Assert.False(resolution.Exists);
    }
}
