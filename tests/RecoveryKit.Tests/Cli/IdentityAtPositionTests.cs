namespace RecoveryKit.Tests.Cli;

/// <summary>
/// Issue 11, points 2 and 3: whatever way the position is named, what the drive says it is (INQUIRY) is read at that
/// position and checked before any vendor command; a drive no profile covers never gets one.
/// </summary>
public sealed class IdentityAtPositionTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>Did the transcript record the vendor opcode 80h written to a command register (1F7h or 177h)?</summary>
    private bool SentVendorCommand(string transcript) =>
        File.ReadLines(_cli.PathOf(transcript)).Any(l => l.Trim() is "W 177 80" or "W 1F7 80");

    private string OtherModelImage()
    {
        // The SOHW-832S practice image: same flash size as the LDW-411S's, another model's identity and boot block.
        Assert.Equal(0, _cli.Run("sim-image", "dead-sohw832s-slave", "-o", _cli.PathOf("sohw.bin")).Exit);
        return _cli.PathOf("sohw.bin");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_named_position_keeps_the_drives_identity_so_another_models_image_is_refused_before_vendor_mode(bool writeBootCode)
    {
        var image = OtherModelImage();
        string[] args = ["flash", "3", image, "--device", "sim:update-ldw411s", "--yes", "--transcript", _cli.PathOf("t.txt")];
        if (writeBootCode)
            args = [.. args, "--write-bootcode", "--yes-bootcode"];

        var r = _cli.Run(args);

        Assert.True(r.Exit == 7, r.ToString());
        Assert.Contains("model mismatch", r.Err);
        Assert.Contains("DVDRW LDW-411S", r.Err);
        Assert.False(SentVendorCommand("t.txt"), "a vendor command was sent although the image was refused");
    }

    [Fact]
    public void Force_model_is_the_only_way_past_the_model_check_and_it_is_logged()
    {
        var image = OtherModelImage();

        var r = _cli.Run("flash", "3", image, "--device", "sim:update-ldw411s", "--yes", "--force-model", "--write-bootcode", "--yes-bootcode");

        Assert.NotEqual(7, r.Exit);
        Assert.Contains("--force-model", File.ReadAllText(_cli.LastLog));
    }

    [Theory]
    [InlineData("flash")]
    [InlineData("backup")]
    [InlineData("erase")]
    [InlineData("verify")]
    [InlineData("identify")]
    public void A_drive_no_profile_covers_never_gets_a_vendor_command(string command)
    {
        Assert.Equal(0, _cli.Run("sim-image", "dead-sohw832s-slave", "-o", _cli.PathOf("fw.bin")).Exit);
        // Position 3 of this bench is a working HL-DT-ST DVD-ROM; the dead SOHW-832S is its slave at 4.
        string[] args = command switch
        {
            "flash" => ["flash", "3", _cli.PathOf("fw.bin"), "--yes"],
            "backup" => ["backup", "3", "-o", _cli.PathOf("b.bin"), "--profile", "SOHW-832S"],
            "erase" => ["erase", "3", "--backup", _cli.PathOf("b.bin"), "--profile", "SOHW-832S", "--yes"],
            "verify" => ["verify", "3", _cli.PathOf("fw.bin")],
            _ => ["identify", "3", "--chip", "--profile", "SOHW-832S"],
        };

        var r = _cli.Run([.. args, "--device", "sim:dead-sohw832s-slave", "--transcript", _cli.PathOf("t.txt")]);

        Assert.True(r.Exit == 4, r.ToString());
        Assert.Contains("HL-DT-ST", r.Err);
        Assert.Contains("no RecoveryKit profile covers", r.Err);
        Assert.False(SentVendorCommand("t.txt"), $"'{command} 3' sent a vendor command to the HL-DT-ST drive");
    }

    [Fact]
    public void A_dead_drives_identity_comes_from_its_backup_and_is_shown_beside_the_images()
    {
        Assert.Equal(0, _cli.Run("sim-image", "dead-ldw411s", "-o", _cli.PathOf("fw.bin")).Exit);

        var r = _cli.Run("flash", "3", _cli.PathOf("fw.bin"), "--device", "sim:dead-ldw411s", "--yes");

        Assert.True(r.Exit == 0, r.ToString());
        var identity = r.Out.Split('\n').Single(l => l.StartsWith("[identity]", StringComparison.Ordinal));
        Assert.Contains("drive:", identity);
        Assert.Contains("from its flash", identity);
        Assert.Contains("| image:", identity);
    }
}
