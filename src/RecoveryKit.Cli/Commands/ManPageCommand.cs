using System.CommandLine;
using System.Globalization;
using System.Text;

namespace RecoveryKit.Cli.Commands;

/// <summary>
/// The man page (docs/recoverykit.1), rendered from the command tree itself so it cannot drift from --help:
/// <c>recoverykit man &gt; docs/recoverykit.1</c>; a test fails when the checked-in page differs.
/// </summary>
internal static class ManPageCommand
{
    public static Command Create(RootCommand root, Terminal terminal)
    {
        var command = new Command("man", "Print the man page (troff), built from the command tree.") { Hidden = true };
        command.SetAction(_ =>
        {
            terminal.Stdout.Write(Render(root));
            return 0;
        });
        return command;
    }

    public static string Render(RootCommand root)
    {
        var page = new StringBuilder();
        var version = typeof(ManPageCommand).Assembly.GetName().Version?.ToString(3) ?? "0";
        page.Append(CultureInfo.InvariantCulture, $".TH RECOVERYKIT 1 \"\" \"RecoveryKit {version}\" \"User Commands\"\n");
        page.Append(".SH NAME\nrecoverykit \\- bring back MediaTek optical drives after a failed firmware flash\n");
        page.Append(".SH SYNOPSIS\n.B recoverykit\n.I COMMAND\n[\\fIARGUMENTS\\fR] [\\fIOPTIONS\\fR]\n");
        var description = root.Description ?? string.Empty;
        var exitAt = description.IndexOf("Exit codes:", StringComparison.Ordinal);
        page.Append(".SH DESCRIPTION\n").Append(Escape((exitAt > 0 ? description[..exitAt] : description).Trim())).Append('\n');
        page.Append(".SH COMMANDS\n");
        foreach (var command in root.Subcommands.Where(c => !c.Hidden))
        {
            page.Append(".TP\n.B ").Append(Escape(Synopsis(command))).Append('\n').Append(Escape(command.Description ?? string.Empty)).Append('\n');
            foreach (var argument in command.Arguments.Where(a => !a.Hidden))
                page.Append(".RS\n.TP\n.I ").Append(Escape(argument.Name)).Append('\n').Append(Escape(argument.Description ?? string.Empty)).Append("\n.RE\n");
            foreach (var option in command.Options.Where(o => !o.Hidden && !IsHelp(o)))
                page.Append(".RS\n.TP\n.B ").Append(Escape(Names(option))).Append('\n').Append(Escape(option.Description ?? string.Empty)).Append("\n.RE\n");
        }
        page.Append(".SH OPTIONS\nAccepted by every command:\n");
        foreach (var option in root.Options.Where(o => !o.Hidden && o.Recursive))
            page.Append(".TP\n.B ").Append(Escape(Names(option))).Append('\n').Append(Escape(option.Description ?? string.Empty)).Append('\n');
        page.Append(".SH EXIT STATUS\n");
        if (exitAt > 0)
        {
            foreach (var code in description[(exitAt + "Exit codes:".Length)..].Trim().TrimEnd('.').Split(", ").Aggregate(new List<string>(), Codes))
            {
                var space = code.IndexOf(' ', StringComparison.Ordinal);
                page.Append(".TP\n.B ").Append(code[..space]).Append('\n').Append(Escape(code[(space + 1)..])).Append('\n');
            }
        }
        page.Append(".SH FILES\n.TP\n.I recoverykit-logs/\nSession logs (one new file per run), or $RECOVERYKIT_DATA/logs on the recovery stick.\n");
        page.Append(".SH ENVIRONMENT\n.TP\n.B RECOVERYKIT_DATA\nThe recovery stick's data folder: firmware images are looked for there, logs written there.\n");
        page.Append(".SH SEE ALSO\nREADME.md (the technician's checklist), docs/recovery-media.md, docs/json.md.\n");
        return page.ToString();
    }

    /// <summary>"12 not allowed (root, lockdown, AHCI)": a piece that does not start with a number belongs to the one before.</summary>
    private static List<string> Codes(List<string> codes, string piece)
    {
        if (codes.Count > 0 && (piece.Length == 0 || !char.IsAsciiDigit(piece[0])))
            codes[^1] += ", " + piece;
        else
            codes.Add(piece);
        return codes;
    }

    internal static string Synopsis(Command command)
    {
        var parts = new List<string> { command.Name };
        foreach (var argument in command.Arguments.Where(a => !a.Hidden))
            parts.Add(argument.Arity.MinimumNumberOfValues == 0 ? $"[{argument.Name.ToUpperInvariant()}]" : argument.Name.ToUpperInvariant());
        return string.Join(' ', parts);
    }

    internal static bool IsHelp(Option option) => option.Name is "--help" or "-h" or "-?";

    private static string Names(Option option) =>
        string.Join(", ", new[] { option.Name }.Concat(option.Aliases.Where(a => a != option.Name)))
        + (option.ValueType == typeof(bool) ? string.Empty : " " + (option.HelpName ?? "VALUE"));

    /// <summary>troff: backslashes doubled, hyphens as \-, a leading dot or quote guarded.</summary>
    private static string Escape(string text)
    {
        var escaped = text.Replace("\\", "\\e", StringComparison.Ordinal).Replace("-", "\\-", StringComparison.Ordinal);
        var lines = escaped.Split('\n').Select(l => l.StartsWith('.') || l.StartsWith('\'') ? "\\&" + l : l);
        return string.Join("\n.br\n", lines.Where(l => l.Length > 0));
    }
}
