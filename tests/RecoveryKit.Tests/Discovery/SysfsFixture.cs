namespace RecoveryKit.Tests.Discovery;

/// <summary>Builds a fixture's sysfs tree (real files and symlinks) in a temporary directory; see Fixtures/README.md.</summary>
internal sealed class SysfsFixture : IDisposable
{
    private SysfsFixture(string root) => Root = root;

    public string Root { get; }

    public static SysfsFixture Load(string name)
    {
        var manifest = Path.Combine(AppContext.BaseDirectory, "Discovery", "Fixtures", name + ".sysfs");
        var root = Path.Combine(Path.GetTempPath(), $"rk-sysfs-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        string? openFile = null;
        foreach (var raw in File.ReadAllLines(manifest))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0 || line.StartsWith('#'))
                continue;
            if (line.StartsWith("| ", StringComparison.Ordinal))
            {
                File.AppendAllText(openFile ?? throw new FormatException($"{name}: continuation without a file"), line[2..] + "\n");
                continue;
            }
            var parts = line.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
            var rest = parts.Length > 1 ? parts[1].TrimStart() : "";
            switch (parts[0])
            {
                case "dir":
                    Directory.CreateDirectory(Path.Combine(root, rest.Trim()));
                    openFile = null;
                    break;
                case "file":
                    var space = rest.IndexOf(' ');
                    var path = Path.Combine(root, space < 0 ? rest : rest[..space]);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    File.WriteAllText(path, (space < 0 ? "" : rest[(space + 1)..]) + "\n");
                    openFile = path;
                    break;
                case "link":
                    var arrow = rest.Split(" -> ", 2);
                    var link = Path.Combine(root, arrow[0].Trim());
                    Directory.CreateDirectory(Path.GetDirectoryName(link)!);
                    File.CreateSymbolicLink(link, arrow[1].Trim());
                    openFile = null;
                    break;
                default:
                    throw new FormatException($"{name}: unknown fixture line '{line}'");
            }
        }
        return new SysfsFixture(root);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
