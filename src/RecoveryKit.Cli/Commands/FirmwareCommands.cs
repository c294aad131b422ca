using System.CommandLine;
using System.Globalization;
using System.Text;
using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;

namespace RecoveryKit.Cli.Commands;

/// <summary>
/// Firmware file commands: <c>inspect</c>, <c>extract</c>, <c>diff</c>, <c>fix-checksum</c>. They read files only;
/// no drive is touched. JSON output uses the root's <c>--json</c> option.
/// </summary>
internal static class FirmwareCommands
{
    public static IEnumerable<Command> Create(TextWriter output)
    {
        yield return Inspect(output);
        yield return Extract(output);
        yield return Diff(output);
        yield return FixChecksum(output);
    }

    private static Option<string?> DataRootOption() => new("--data-root")
    {
        Description = "Folder a DOS drive letter stands for in paths like A:\\FW\\FS0F.BIN (default: the current directory).",
    };

    private static Command Inspect(TextWriter output)
    {
        var file = new Argument<string>("file") { Description = "Firmware image: .bin, BTC .hex, or a vendor updater .exe." };
        var dataRoot = DataRootOption();
        var command = new Command("inspect", "Show a firmware file's format, size, identity, sums, boot block and the known families it fits.")
        {
            file, dataRoot,
        };
        command.SetAction(parse =>
        {
            var image = FirmwareReader.Load(parse.GetValue(file)!, new DosPath(parse.GetValue(dataRoot)));
            var fits = FamilyFit.Assess(image);
            if (Json(parse))
                JsonOutput.Write(output, InspectJson(image, fits), c => c.InspectJson);
            else
                InspectText(output, image, fits);
            return 0;
        });
        return command;
    }

    private static Command Extract(TextWriter output)
    {
        var file = new Argument<string>("updater") { Description = "The vendor's updater executable." };
        var target = new Option<string>("--output", "-o") { Description = "Where to write the extracted .bin.", Required = true };
        var dataRoot = DataRootOption();
        var command = new Command("extract", "Find the firmware image inside a vendor updater .exe and write it as a .bin.")
        {
            file, target, dataRoot,
        };
        command.SetAction(parse =>
        {
            var image = FirmwareReader.Load(parse.GetValue(file)!, new DosPath(parse.GetValue(dataRoot)));
            if (image.Format != FirmwareFormat.VendorUpdater)
            {
                throw new RecoveryKitException(FailureKind.Usage, "extract",
                    $"\"{image.SourcePath}\" is already a firmware image ({Words(image.Format)}), not an updater",
                    "Use it directly; extract is for vendor updater .exe files.");
            }
            var path = parse.GetValue(target)!;
            if (File.Exists(path))
            {
                throw new RecoveryKitException(FailureKind.FileError, "extract",
                    $"\"{path}\" already exists", "Choose a new name for the extracted image; nothing was overwritten.");
            }
            Write(path, image.Data.Span);
            if (Json(parse))
            {
                JsonOutput.Write(output, new ExtractJson(image.SourcePath, image.SourceOffset, image.SourceLocation, image.Size, path, Identity(image.Identity)), c => c.ExtractJson);
            }
            else
            {
                WriteNotes(output, image);
                output.WriteLine($"Found {FlashSize.Describe(image.Size)} image at offset 0x{image.SourceOffset:X} ({image.SourceLocation}).");
                output.WriteLine($"Identity: {image.Identity.Display}{(image.Family is { } f ? $" [{f.Name}]" : "")}");
                output.WriteLine($"Wrote {path}");
            }
            return 0;
        });
        return command;
    }

    private static Command Diff(TextWriter output)
    {
        var first = new Argument<string>("a") { Description = "First image." };
        var second = new Argument<string>("b") { Description = "Second image." };
        var dataRoot = DataRootOption();
        var command = new Command("diff", "Show which 64 KiB banks and 4 KiB sectors differ between two images.")
        {
            first, second, dataRoot,
        };
        command.SetAction(parse =>
        {
            var paths = new DosPath(parse.GetValue(dataRoot));
            var a = FirmwareReader.Load(parse.GetValue(first)!, paths);
            var b = FirmwareReader.Load(parse.GetValue(second)!, paths);
            var diff = ImageDiff.Compare(a.Data.Span, b.Data.Span);
            if (Json(parse))
                JsonOutput.Write(output, DiffJson(a, b, diff), c => c.DiffJson);
            else
                DiffText(output, a, b, diff);
            return 0;
        });
        return command;
    }

    private static Command FixChecksum(TextWriter output)
    {
        var file = new Argument<string>("file") { Description = "Image whose stored checksum should be recomputed (.bin or .hex)." };
        var target = new Option<string?>("--output", "-o") { Description = "Write the fixed image here (default: rewrite FILE, keeping FILE.bak)." };
        var familyName = new Option<string?>("--family") { Description = "Family whose rule to apply, when the image does not name one." };
        var dataRoot = DataRootOption();
        var command = new Command("fix-checksum", "Recompute the stored checksum of a patched image (a rule that is only reconstructed [R] is applied with a warning).")
        {
            file, target, familyName, dataRoot,
        };
        command.SetAction(parse =>
        {
            var image = FirmwareReader.Load(parse.GetValue(file)!, new DosPath(parse.GetValue(dataRoot)));
            var family = parse.GetValue(familyName) is { } name ? ImageFamilies.Get(name) : image.Family;
            var rule = RefuseUnlessFixable(image, family);
            var warning = UnverifiedWarning(family!, rule);
            var stored = rule.Stored(image.Data.Span);
            var fixedBytes = image.Data.ToArray();
            rule.Fix(fixedBytes);
            var computed = rule.Stored(fixedBytes);

            var outPath = parse.GetValue(target) ?? image.SourcePath;
            string? backup = null;
            var changed = stored != computed;
            var sameFile = Path.GetFullPath(outPath) == Path.GetFullPath(image.SourcePath);
            if (changed || !sameFile)
            {
                if (File.Exists(outPath))
                    backup = Backup(outPath);
                var bytes = image.Format == FirmwareFormat.IntelHex
                    ? Encoding.ASCII.GetBytes(IntelHex.Write(fixedBytes))
                    : fixedBytes;
                Write(outPath, bytes);
            }

            if (Json(parse))
            {
                JsonOutput.Write(output, new FixChecksumJson(image.SourcePath, family!.Name, rule.Describe(), stored is { } s ? $"0x{s:X4}" : null, $"0x{computed:X4}",
                    changed, changed || !sameFile, outPath, backup, rule.Evidence.Tag, warning), c => c.FixChecksumJson);
            }
            else
            {
                WriteNotes(output, image);
                output.WriteLine($"Rule ({family!.Name}, {rule.Evidence.Tag}): {rule.Describe()}");
                if (warning is not null)
                    output.WriteLine($"WARNING: {warning}");
                output.WriteLine(changed
                    ? $"Stored checksum 0x{stored:X4} -> 0x{computed:X4}."
                    : $"Stored checksum 0x{stored:X4} is already correct.");
                if (backup is not null)
                    output.WriteLine($"Kept the previous file as {backup}");
                output.WriteLine(changed || !sameFile ? $"Wrote {outPath}" : "Nothing written.");
            }
            return 0;
        });
        return command;
    }

    /// <summary>
    /// A rule with a stored checksum. A rule that is only reconstructed [R] or reported [F] is applied too, with a
    /// warning (<see cref="UnverifiedWarning"/>): refusing would leave a technician with no way to fix a patched image.
    /// </summary>
    private static string? UnverifiedWarning(ImageFamily family, ValidityRule rule) =>
        EvidenceGate.Gates(rule.Evidence.Grade)
            ? null
            : $"the checksum rule of {family.Name} is only graded [{rule.Evidence.Tag}] ({rule.Evidence.Note.TrimEnd('.')}): the fixed image matches our reconstruction, which may not be what the drive's boot code checks. Keep the original file";

    private static ValidityRule RefuseUnlessFixable(FirmwareImage image, ImageFamily? family)
    {
        if (image.Format == FirmwareFormat.VendorUpdater)
        {
            throw new RecoveryKitException(FailureKind.Usage, "fix-checksum",
                $"\"{image.SourcePath}\" is an updater; its embedded image cannot be fixed in place",
                "Run 'extract' first and fix the extracted .bin.");
        }
        if (family is null)
        {
            throw new RecoveryKitException(FailureKind.ImageRejected, "fix-checksum",
                $"\"{image.SourcePath}\" does not name a known family ({image.Identity.Display})",
                "Name the family with --family if you are sure which drive the image is for.");
        }
        var rule = family.Validity;
        if (!rule.CanFix)
        {
            throw new RecoveryKitException(FailureKind.ImageRejected, "fix-checksum",
                $"{family.Name} images store no checksum ({rule.Describe()})",
                "Nothing to fix: flash the image as it is.");
        }
        return rule;
    }

    private static void InspectText(TextWriter output, FirmwareImage image, IReadOnlyList<FamilyFit> fits)
    {
        var id = image.Identity;
        WriteNotes(output, image);
        output.WriteLine($"File:        {image.SourcePath}");
        output.WriteLine($"Format:      {Words(image.Format)}{(image.Format == FirmwareFormat.VendorUpdater ? $", image at offset 0x{image.SourceOffset:X} ({image.SourceLocation})" : "")}");
        output.WriteLine($"Size:        {FlashSize.Describe(image.Size)} ({image.Size} bytes)");
        output.WriteLine($"Identity:    {id.Display}{IdentityWhere(id)}");
        output.WriteLine($"Family:      {(id.Family is { } f ? f.Name : "(none known)")}");
        output.WriteLine($"Sum16:       0x{id.Sum16:X4} (16-bit sum of all bytes)");
        output.WriteLine($"SHA-256:     {id.Sha256}");
        output.WriteLine($"Boot block:  {id.BootBlock} [{id.BootBlock.Evidence.Tag}] SHA-256 {id.BootBlockSha256}");
        if (id.Family is { } family)
        {
            var rule = family.Validity;
            var stored = rule.Stored(image.Data.Span);
            output.WriteLine($"Checksum:    [{rule.Evidence.Tag}] {rule.Describe()}");
            output.WriteLine($"             computed 0x{rule.Compute(image.Data.Span):X4}{(stored is { } s ? $", stored 0x{s:X4}" : "")}: {(rule.IsValid(image.Data.Span) ? "valid" : "INVALID")}");
        }
        if (fits.Count == 0)
        {
            output.WriteLine("Fits:        no known family");
            return;
        }
        output.WriteLine("Fits:");
        foreach (var fit in fits)
        {
            output.WriteLine($"  {fit.Family.Name,-12} model {(fit.ModelMatches ? "matches" : "differs"),-8} size {(fit.SizeFits ? "fits" : "differs"),-8} " +
                $"checksum {(fit.Valid ? "valid" : "invalid")} [{fit.Family.Validity.Evidence.Tag}]");
        }
    }

    private static InspectJson InspectJson(FirmwareImage image, IReadOnlyList<FamilyFit> fits)
    {
        var id = image.Identity;
        return new InspectJson(image.SourcePath, image.Notes, image.Format.ToString(), image.SourceOffset, image.SourceLocation, image.Size, Identity(id),
            $"0x{id.Sum16:X4}", id.Sha256,
            new BootBlockJson($"0x{id.BootBlock.Start:X}", $"0x{id.BootBlock.Length:X}", id.BootBlock.Evidence.Tag, id.BootBlockSha256),
            [.. fits.Select(fit => new FitJson(fit.Family.Name, fit.ModelMatches, fit.SizeFits, fit.Valid, fit.Family.Validity.Describe(), fit.Family.Validity.Evidence.Tag,
                $"0x{fit.Family.Validity.Compute(image.Data.Span):X4}", fit.Family.Validity.Stored(image.Data.Span) is { } stored ? $"0x{stored:X4}" : null))]);
    }

    private static void DiffText(TextWriter output, FirmwareImage a, FirmwareImage b, ImageDiff diff)
    {
        WriteNotes(output, a);
        WriteNotes(output, b);
        output.WriteLine($"A: {a.SourcePath} ({FlashSize.Describe(a.Size)}, {a.Identity.Display})");
        output.WriteLine($"B: {b.SourcePath} ({FlashSize.Describe(b.Size)}, {b.Identity.Display})");
        if (diff.Identical)
        {
            output.WriteLine("Identical.");
            return;
        }
        if (diff.SizeA != diff.SizeB)
            output.WriteLine($"Sizes differ: {FlashSize.Describe(diff.SizeA)} vs {FlashSize.Describe(diff.SizeB)}; compared the first {FlashSize.Describe(Math.Min(diff.SizeA, diff.SizeB))}.");
        if (a.Identity.BootBlockSha256 != b.Identity.BootBlockSha256)
            output.WriteLine($"Boot blocks differ ({a.Identity.BootBlock} vs {b.Identity.BootBlock}).");
        output.WriteLine($"{diff.BytesDiffering} bytes differ in {diff.Banks.Count} bank(s); first difference at 0x{diff.FirstDifference:X6}.");
        foreach (var bank in diff.Banks)
        {
            output.WriteLine($"  bank {bank.Bank,2} (0x{bank.Start:X6}): {bank.BytesDiffering,6} bytes in {bank.Sectors.Count,2} sector(s): " +
                string.Join(", ", SectorRuns(bank.Sectors)));
        }
    }

    /// <summary>Consecutive 4 KiB sectors as address ranges: "0x010000-0x015FFF".</summary>
    private static IEnumerable<string> SectorRuns(IReadOnlyList<int> sectors)
    {
        for (var i = 0; i < sectors.Count;)
        {
            var j = i;
            while (j + 1 < sectors.Count && sectors[j + 1] == sectors[j] + 1)
                j++;
            yield return i == j
                ? $"0x{sectors[i] * FlashSize.Sector:X6}"
                : $"0x{sectors[i] * FlashSize.Sector:X6}-0x{(sectors[j] + 1) * FlashSize.Sector - 1:X6}";
            i = j + 1;
        }
    }

    private static DiffJson DiffJson(FirmwareImage a, FirmwareImage b, ImageDiff diff) =>
        new(a.SourcePath, b.SourcePath, diff.SizeA, diff.SizeB, diff.Identical, a.Identity.BootBlockSha256 != b.Identity.BootBlockSha256,
            diff.BytesDiffering, diff.FirstDifference,
            [.. diff.Banks.Select(bank => new DiffBankJson(bank.Bank, $"0x{bank.Start:X6}", bank.BytesDiffering, [.. bank.Sectors.Select(sector => $"0x{sector * FlashSize.Sector:X6}")]))]);

    private static IdentityJson Identity(ImageIdentity id) =>
        new(id.Source.ToString(), id.Vendor, id.Model, id.Revision, id.VendorOffset is { } at ? $"0x{at:X}" : null, id.Family?.Name);

    private static void WriteNotes(TextWriter output, FirmwareImage image)
    {
        foreach (var note in image.Notes)
            output.WriteLine($"note: {note}");
    }

    private static string IdentityWhere(ImageIdentity id) => id.Source switch
    {
        IdentitySource.FixedOffsets => $" (fixed offsets, vendor at 0x{id.VendorOffset:X})",
        IdentitySource.Search when id.VendorOffset is { } at => $" (found at 0x{at:X})",
        IdentitySource.Search => " (product string found by search)",
        _ => "",
    };

    private static string Words(FirmwareFormat format) => format switch
    {
        FirmwareFormat.Bin => "raw binary",
        FirmwareFormat.IntelHex => "Intel-HEX (BTC banks)",
        _ => "vendor updater",
    };

    /// <summary>The root's --json option, read by name so these commands need no reference to it.</summary>
    private static bool Json(ParseResult parse)
    {
        try
        {
            return parse.GetValue<bool>("--json");
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Copies an existing file to FILE.bak (or FILE.bak.1, .2 … when taken) and returns the backup's path.</summary>
    private static string Backup(string path)
    {
        var backup = path + ".bak";
        for (var n = 1; File.Exists(backup); n++)
            backup = path + ".bak." + n.ToString(CultureInfo.InvariantCulture);
        try
        {
            File.Copy(path, backup);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RecoveryKitException(FailureKind.FileError, "backup",
                $"could not keep a backup of \"{path}\" as \"{backup}\" ({ex.Message})",
                "Nothing was overwritten. Free space or write to another file with -o.", ex);
        }
        return backup;
    }

    private static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
            stream.Write(bytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RecoveryKitException(FailureKind.FileError, "write-image",
                $"could not write \"{path}\" ({ex.Message})", "Check the folder exists, is writable and has space.", ex);
        }
    }
}
