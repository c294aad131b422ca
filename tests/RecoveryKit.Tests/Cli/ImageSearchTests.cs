using RecoveryKit.Tests.TestSupport;
using RecoveryKit.Cli;
using RecoveryKit.Emulation;

namespace RecoveryKit.Tests.Cli;

/// <summary>
/// The one-stick workflow: technicians copy firmware files anywhere into the stick's recoverykit/ folder
/// ($RECOVERYKIT_DATA), subfolders included, and unbrick finds them there first (issue 12, point 2).
/// </summary>
[Collection(nameof(RecoveryKitDataEnvironment))]
public sealed class ImageSearchTests : IDisposable
{
    private readonly StickDataFolder _stick = new();

    private CliHarness Cli => _stick.Cli;

    private string Data => _stick.Data;

    public void Dispose() => _stick.Dispose();

    private string Put(string relative, byte[] bytes) => _stick.Put(relative, bytes);

    private static byte[] Ldw411sFs0j() => SimScenarios.Find("dead-ldw411s")!.RecoveryImage()!;

    [Fact]
    public void An_image_in_a_subfolder_of_the_data_folder_is_found_and_backed_up_beside()
    {
        var image = Put(Path.Combine("images", "lite-on", "FS0J.BIN"), Ldw411sFs0j());

        // Not practice mode (which always takes the practice image): the wizard's real image search, on a virtual bench.
        var r = Cli.Run("unbrick", "--device", "sim:dead-ldw411s", "--yes");

        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains($"Step 3 of 5 — image: {image}", r.Out, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(image)!, "FS0J-backup-*.bin"));
    }

    [Fact]
    public void Files_under_the_data_folders_logs_and_backups_are_never_candidates()
    {
        Put(Path.Combine("logs", "recoverykit-practice", "dead-ldw411s.bin"), Ldw411sFs0j());
        Put(Path.Combine("images", "FS0J-backup-20260101-120000.bin"), Ldw411sFs0j());
        var wanted = Put(Path.Combine("images", "FS0J.bin"), Ldw411sFs0j());

        var files = ImageSearch.Files().Where(f => f.StartsWith(Data, StringComparison.Ordinal)).ToList();

        Assert.Equal([wanted], files);
    }

    [Fact]
    public void The_data_folder_given_twice_over_is_searched_once()
    {
        // /init starts the tool with the working folder set to the data folder, as the media test does.
        Environment.SetEnvironmentVariable("RECOVERYKIT_DATA", Directory.GetCurrentDirectory() + Path.DirectorySeparatorChar);

        var places = ImageSearch.Places();

        Assert.Single(places, p => Path.TrimEndingDirectorySeparator(p.Folder) == Path.TrimEndingDirectorySeparator(Directory.GetCurrentDirectory()));
        Assert.True(places[0].Subfolders);
    }

    [Fact]
    public void A_file_is_offered_once_even_when_two_search_places_hold_it()
    {
        Put("FS0J.bin", Ldw411sFs0j());
        Environment.SetEnvironmentVariable("RECOVERYKIT_DATA", Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var copy = Path.Combine(AppContext.BaseDirectory, $"rk-search-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(copy, Ldw411sFs0j());
        try
        {
            var files = ImageSearch.Files();

            Assert.Single(files, f => f == copy);
        }
        finally
        {
            File.Delete(copy);
        }
    }
}
