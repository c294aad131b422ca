using System.CommandLine;
using Spectre.Console;
using RecoveryKit.Profiles;

namespace RecoveryKit.Cli.Commands;

/// <summary>
/// <c>drives</c>: every drive profile and flash chip RecoveryKit knows, each with its evidence grade (PROTOCOL.md:
/// V verified, D datasheet/standard, F forum, R reconstructed) — the list flashrom prints with -L.
/// </summary>
internal static class DrivesCommand
{
    public static Command Create(GlobalOptions options, Terminal terminal)
    {
        var markdown = new Option<bool>("--markdown") { Description = "Print the supported-drives table as Markdown (README.md's list is this output)." };
        var command = new Command("drives", "List every drive profile and flash chip RecoveryKit supports, with its evidence grade (V verified, D datasheet, F forum, R reconstructed).")
        {
            markdown,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(markdown))
                terminal.Output.Write(Markdown());
            else if (parse.GetValue(options.Json))
                JsonOutput.Write(terminal.Output, Document(), c => c.DrivesJson);
            else if (terminal.Rich is { } rich)
                WriteTables(terminal.Output, rich);
            else
                WriteText(terminal.Output);
            return 0;
        });
        return command;
    }

    internal static DrivesJson Document() => new(
        [.. ProfileCatalog.Drives.Select(d => new DriveJson(d.Name, d.Vendor, d.Products, d.Family, d.Chips, d.Grade, d.Note, Writable(d),
            new GradedJson(string.Join(" ", d.IntroKeys.Value.Select(k => $"{k:X2}h")), d.IntroKeys.Grade, d.IntroKeys.Note),
            new GradedJson($"{d.VendorStatus.Value:X2}h", d.VendorStatus.Grade, d.VendorStatus.Note),
            new GradedJson(d.Spi.Value ? $"spi ({d.Framing.Value})" : $"parallel ({d.Framing.Value})", d.Framing.Grade, d.Framing.Note),
            new GradedJson(string.Join(", ", d.Outro.Value), d.Outro.Grade, d.Outro.Note)))],
        [.. ProfileCatalog.Chips.Select(c => new ChipJson(c.Name, c.Manufacturer, $"{c.ManufacturerId:X2}h/{c.DeviceId:X2}h", c.SizeBytes, Sectors(c),
            c.Bus == FlashBusKind.Spi ? $"SPI page program ({c.PageSize} bytes), erase {c.Spi!.SectorEraseOpcode:X2}h / chip {c.Spi.ChipEraseOpcode:X2}h" : c.Program == ProgramModel.Page ? $"page ({c.PageSize} bytes)" : "byte", c.Grade, c.Source))]);

    /// <summary>Every profile names its framing (SC-code mailbox, command register or SPI buffer): all can be written.</summary>
    private static bool Writable(DriveProfile d) => d.Spi.Value ? d.SpiBuffer is not null : true;

    private static string Sectors(ChipSpec c) =>
        string.Join(" + ", c.Sectors.GroupBy(s => s.Size).Select(g => $"{g.Count()} × {Firmware.FlashSize.Describe(g.Key)}"));

    /// <summary>README.md's supported-drives list (between its drives markers); a test keeps the two equal.</summary>
    internal static string Markdown()
    {
        var text = new System.Text.StringBuilder();
        text.Append("| drive (INQUIRY product) | vendor | flash chips | evidence | RecoveryKit writes it |\n|---|---|---|---|---|\n");
        foreach (var d in ProfileCatalog.Drives)
        {
            var chips = d.Chips.Count == 0 ? "SPI flash" : string.Join(", ", d.Chips);
            text.Append($"| {d.Name} ({string.Join(" / ", d.Products)}) | {d.Vendor} | {chips} | [{d.Grade}] | {(Writable(d) ? (d.Spi.Value ? "yes (SPI)" : "yes") : "no")} |\n");
        }
        return text.ToString();
    }

    /// <summary>The same two lists as Spectre tables, on a terminal.</summary>
    private static void WriteTables(TextWriter output, IAnsiConsole rich)
    {
        output.WriteLine("Drives (grades: V verified, D datasheet/standard, F forum report, R RecoveryKit's reconstruction):");
        var drives = new Table().Border(TableBorder.Rounded).AddColumns("PROFILE", "VENDOR", "INQUIRY PRODUCT", "FLASH CHIPS", "GRADE", "WRITE");
        foreach (var d in ProfileCatalog.Drives)
        {
            drives.AddRow([.. new[] { d.Name, d.Vendor, string.Join(" / ", d.Products), d.Chips.Count == 0 ? "(SPI flash)" : string.Join(", ", d.Chips),
                $"[{d.Grade}]", Writable(d) ? "yes" : "no (SPI: recognised, never written)" }.Select(Markup.Escape)]);
        }
        rich.Write(drives);
        output.WriteLine("Flash chips:");
        var chips = new Table().Border(TableBorder.Rounded).AddColumns("CHIP", "MAKER", "ID", "SIZE", "SECTORS", "PROGRAM", "GRADE");
        foreach (var c in ProfileCatalog.Chips)
        {
            chips.AddRow([.. new[] { c.Name, c.Manufacturer, $"{c.ManufacturerId:X2}h/{c.DeviceId:X2}h", Firmware.FlashSize.Describe(c.SizeBytes), Sectors(c),
                c.Program == ProgramModel.Page ? $"page {c.PageSize} B" : "byte", $"[{c.Grade}]" }.Select(Markup.Escape)]);
        }
        rich.Write(chips);
        output.WriteLine("Every value of a profile carries its own grade: 'recoverykit drives --json' lists them. A drive not listed gets no vendor command.");
    }

    private static void WriteText(TextWriter output)
    {
        output.WriteLine("Drives (grades: V verified, D datasheet/standard, F forum report, R RecoveryKit's reconstruction):");
        output.WriteLine($"  {"PROFILE",-12} {"VENDOR",-8} {"INQUIRY PRODUCT",-22} {"FLASH CHIPS",-44} {"GRADE",-5} WRITE");
        foreach (var d in ProfileCatalog.Drives)
        {
            var chips = d.Chips.Count == 0 ? "(SPI flash)" : string.Join(", ", d.Chips);
            output.WriteLine($"  {d.Name,-12} {d.Vendor,-8} {string.Join(" / ", d.Products),-22} {chips,-44} [{d.Grade}]   {(Writable(d) ? (d.Spi.Value ? "yes (SPI)" : "yes") : "no")}");
        }
        output.WriteLine();
        output.WriteLine("Flash chips:");
        output.WriteLine($"  {"CHIP",-12} {"MAKER",-10} {"ID",-8} {"SIZE",-8} {"SECTORS",-16} {"PROGRAM",-16} GRADE");
        foreach (var c in ProfileCatalog.Chips)
            output.WriteLine($"  {c.Name,-12} {c.Manufacturer,-10} {$"{c.ManufacturerId:X2}h/{c.DeviceId:X2}h",-8} {Firmware.FlashSize.Describe(c.SizeBytes),-8} {Sectors(c),-16} {(c.Program == ProgramModel.Page ? $"page {c.PageSize} B" : "byte"),-16} [{c.Grade}]");
        output.WriteLine();
        output.WriteLine("Every value of a profile carries its own grade: 'recoverykit drives --json' lists them. A drive not listed gets no vendor command.");
    }
}
