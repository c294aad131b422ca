namespace RecoveryKit.Firmware;

/// <summary>A whole-flash firmware image read from a file, with where it came from and what it says it is.</summary>
public sealed class FirmwareImage
{
    public FirmwareImage(
        ReadOnlyMemory<byte> data,
        FirmwareFormat format,
        string sourcePath,
        long sourceOffset,
        string sourceLocation,
        ImageIdentity identity,
        IReadOnlyList<string>? notes = null)
    {
        Data = data;
        Format = format;
        SourcePath = sourcePath;
        SourceOffset = sourceOffset;
        SourceLocation = sourceLocation;
        Identity = identity;
        Notes = notes ?? [];
    }

    /// <summary>The flash contents, exactly one valid flash size long.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    public int Size => Data.Length;

    public FirmwareFormat Format { get; }

    /// <summary>The file actually read (after DOS-path and letter-case resolution), or the name given to Parse.</summary>
    public string SourcePath { get; }

    /// <summary>Byte offset of the image inside the source file (0 for .bin and .hex).</summary>
    public long SourceOffset { get; }

    /// <summary>Where in the source the image was found, in words: "whole file", "PE overlay at 0x…", "resource …".</summary>
    public string SourceLocation { get; }

    public ImageIdentity Identity { get; }

    /// <summary>The family the identity strings name, or null.</summary>
    public ImageFamily? Family => Identity.Family;

    /// <summary>What the reader had to decide on the user's behalf (DOS path translated, other letter case used, …).</summary>
    public IReadOnlyList<string> Notes { get; }

    internal FirmwareImage WithSource(string sourcePath, IReadOnlyList<string> notes) =>
        new(Data, Format, sourcePath, SourceOffset, SourceLocation, Identity, [.. notes, .. Notes]);
}
