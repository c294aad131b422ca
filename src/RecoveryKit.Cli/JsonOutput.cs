using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace RecoveryKit.Cli;

/// <summary>--json output: indented, readable text (no \u escapes for "—" or "…"), written without reflection.</summary>
internal static class JsonOutput
{
    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(TextWriter output, Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, Options))
            write(json);
        output.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
    }
}
