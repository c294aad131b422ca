using System.CommandLine;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;

namespace RecoveryKit.Cli.Commands;

/// <summary><c>sim-image SCENARIO -o FILE</c>: the image that recovers a built-in scenario's drive.</summary>
internal static class SimImageCommand
{
    public static Command Create(GlobalOptions options, Terminal terminal)
    {
        var scenario = new Argument<string?>("scenario") { Description = "A built-in scenario (see --list).", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the image." };
        var list = new Option<bool>("--list") { Description = "List the built-in scenarios." };
        var command = new Command("sim-image", "Write the firmware image that recovers a built-in virtual drive (for practice: pair with --device sim:SCENARIO).")
        {
            scenario, output, list,
        };
        command.SetAction(parse =>
        {
            var json = parse.GetValue(options.Json);
            if (parse.GetValue(list) && json)
            {
                JsonOutput.Write(terminal.Output, new SimImageListJson([.. SimScenarios.All.Select(s => new ScenarioJson(s.Name, s.MtkSetup is not null, s.Description))]),
                    c => c.SimImageListJson);
                return 0;
            }
            if (parse.GetValue(list))
            {
                foreach (var s in SimScenarios.All)
                    terminal.Output.WriteLine($"{s.Name,-26} {(s.MtkSetup is null ? " " : "*")} {s.Description}");
                terminal.Output.WriteLine("(* has a MediaTek drive to recover: recoverykit sim-image NAME -o fw.bin)");
                return 0;
            }
            var name = parse.GetValue(scenario) ?? throw new RecoveryKitException(FailureKind.Usage, "sim-image", "no scenario named", "Run 'recoverykit sim-image --list' for the names.");
            var found = SimScenarios.Find(name) ?? throw new RecoveryKitException(FailureKind.NoDevice, "sim-image", $"there is no built-in scenario '{name}'",
                "Run 'recoverykit sim-image --list' for the names.");
            var image = found.RecoveryImage() ?? throw new RecoveryKitException(FailureKind.Usage, "sim-image", $"scenario '{name}' has no MediaTek drive to recover",
                "Pick a scenario marked * in 'recoverykit sim-image --list'.");
            var path = parse.GetValue(output) ?? throw new RecoveryKitException(FailureKind.Usage, "sim-image", "no output file given", "Add -o FILE.");
            if (File.Exists(path))
                throw new RecoveryKitException(FailureKind.FileError, "sim-image", $"{path} already exists", "Choose a new file name; nothing was overwritten.");
            try
            {
                using var file = OutputFiles.CreateNew(path, "-o", "sim-image"); // a new file: never over an existing one
                file.Write(image);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new RecoveryKitException(FailureKind.FileError, "sim-image", $"cannot write {OutputFiles.Shown(path)}: {ex.Message}", "Pick a writable path.", ex);
            }
            terminal.Output.WriteLine($"Wrote {image.Length / 1024} KiB to {OutputFiles.Shown(path)}: the image that recovers sim:{found.Name}.");
            if (json)
                JsonOutput.Write(terminal.Output, new SimImageJson(found.Name, path, image.Length), c => c.SimImageJson);
            return 0;
        });
        return command;
    }
}
