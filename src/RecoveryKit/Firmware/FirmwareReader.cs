using RecoveryKit.Diagnostics;

namespace RecoveryKit.Firmware;

/// <summary>Reads firmware image files: raw .bin, BTC Intel-HEX, or a vendor updater; the format comes from the content.</summary>
public static class FirmwareReader
{
    /// <summary>Anything larger is neither an image nor an updater we could search (largest updaters are a few MiB).</summary>
    public const long MaxFileSize = 64L * 1024 * 1024;

    /// <summary>Loads a file, resolving DOS-style paths and letter case against the current directory.</summary>
    /// <exception cref="RecoveryKitException">FileError when missing/unreadable, ImageRejected when not an image.</exception>
    public static FirmwareImage Load(string path) => Load(path, new DosPath());

    /// <summary>Loads a file, resolving DOS-style paths and letter case with <paramref name="paths"/>.</summary>
    public static FirmwareImage Load(string path, DosPath paths)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new RecoveryKitException(FailureKind.Usage, "read-image", "the image file name is empty",
                "Name the firmware file (e.g. fw.bin, or A:\\FW\\FS0F.BIN).");
        if (path.Any(char.IsControl))
            throw new RecoveryKitException(FailureKind.Usage, "read-image",
                $"the image file name \"{TranscriptWriter.Escape(path)}\" holds a control character",
                "Type the name again without pasted line breaks or tabs.");
        if (path.Contains('\uFFFD', StringComparison.Ordinal) && ByteNames.TryGetBytes(path, out var raw))
            return LoadByBytes(raw);
        DosPathResolution resolution;
        try
        {
            resolution = paths.Resolve(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException or IOException or UnauthorizedAccessException)
        {
            throw new RecoveryKitException(FailureKind.FileError, "read-image", $"\"{TranscriptWriter.Escape(path)}\" cannot be looked up ({ex.Message})",
                "Check the name and folder.", ex);
        }
        var shown = TranscriptWriter.Escape(resolution.Path);
        if (!resolution.Exists)
        {
            var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(resolution.Path)) ?? ".";
            var translated = resolution.Notes.Count > 0 ? $" ({string.Join("; ", resolution.Notes)})" : "";
            throw new RecoveryKitException(FailureKind.FileError, "read-image",
                $"the file \"{TranscriptWriter.Escape(path)}\" was not found{TranscriptWriter.Escape(translated)}; no file of that name in any letter case is in \"{TranscriptWriter.Escape(folder)}\"",
                "Check the name and folder (DOS shows 8.3 names; the data root stands for the drive letter).");
        }

        byte[] content;
        try
        {
            var info = new FileInfo(resolution.Path);
            if ((info.Attributes & FileAttributes.Directory) != 0)
                throw new RecoveryKitException(FailureKind.FileError, "read-image", $"\"{shown}\" is a folder", "Name the firmware file inside it.");
            // Devices, FIFOs and sockets report no size: refused before opening (a FIFO with no writer would block
            // the open for ever, /dev/zero would never end). An empty regular file is no image either.
            if (info.Length == 0)
            {
                throw new RecoveryKitException(FailureKind.ImageRejected, "read-image",
                    $"\"{shown}\" is empty (0 bytes) or not a regular file (a device, FIFO or socket)",
                    "Use the firmware file itself; a copy cut short must be fetched again.");
            }
            if (info.Length > MaxFileSize)
            {
                throw new RecoveryKitException(FailureKind.ImageRejected, "read-image",
                    $"\"{shown}\" is {info.Length} bytes, far larger than any firmware image or updater",
                    $"Use the firmware .bin ({FlashSize.DescribeValid()}).");
            }
            content = ReadBounded(resolution.Path, shown);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new RecoveryKitException(FailureKind.FileError, "read-image",
                $"\"{shown}\" could not be read ({ex.Message})",
                "Check permissions and the medium (floppies give data errors: copy the file to another disk).", ex);
        }

        return Parse(content, shown).WithSource(resolution.Path, resolution.Notes);
    }

    /// <summary>A file named on a command line whose name is not UTF-8, opened by the name's bytes (<see cref="ByteNames"/>).</summary>
    private static FirmwareImage LoadByBytes(byte[] name)
    {
        var shown = ByteNames.Show(name);
        byte[] content;
        try
        {
            using var stream = ByteNames.OpenRead(name, "read-image", out var length);
            if (length > MaxFileSize)
            {
                throw new RecoveryKitException(FailureKind.ImageRejected, "read-image",
                    $"\"{shown}\" is {length} bytes, far larger than any firmware image or updater",
                    $"Use the firmware .bin ({FlashSize.DescribeValid()}).");
            }
            content = ReadBounded(stream, shown);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new RecoveryKitException(FailureKind.FileError, "read-image",
                $"\"{shown}\" could not be read ({ex.Message})",
                "Check permissions and the medium (floppies give data errors: copy the file to another disk).", ex);
        }
        // The source path stays the lossy string: nothing reopens it by that name.
        return Parse(content, shown).WithSource(shown, []);
    }

    /// <summary>Reads at most <see cref="MaxFileSize"/> bytes, whatever the file's length claimed (a file that grows, a /proc file).</summary>
    private static byte[] ReadBounded(string path, string shown)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        return ReadBounded(stream, shown);
    }

    private static byte[] ReadBounded(Stream stream, string shown)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        while (true)
        {
            var n = stream.Read(chunk, 0, chunk.Length);
            if (n == 0)
                break;
            buffer.Write(chunk, 0, n);
            if (buffer.Length > MaxFileSize)
            {
                throw new RecoveryKitException(FailureKind.ImageRejected, "read-image",
                    $"\"{shown}\" holds more than {MaxFileSize} bytes, far more than any firmware image or updater",
                    $"Use the firmware .bin ({FlashSize.DescribeValid()}).");
            }
        }
        return buffer.ToArray();
    }

    /// <summary>Reads an image from content already in memory; <paramref name="sourceName"/> is used in messages.</summary>
    /// <exception cref="RecoveryKitException">ImageRejected when the content is not a usable image.</exception>
    public static FirmwareImage Parse(ReadOnlyMemory<byte> content, string sourceName) =>
        Parse(content, sourceName, ImageFamilies.All);

    public static FirmwareImage Parse(ReadOnlyMemory<byte> content, string sourceName, IReadOnlyList<ImageFamily> families)
    {
        var span = content.Span;
        if (span.IsEmpty)
        {
            throw new RecoveryKitException(FailureKind.ImageRejected, "read-image",
                $"{sourceName} is empty (0 bytes)", "The copy is incomplete; get the file again.");
        }

        if (VendorUpdater.LooksLikeExecutable(span))
        {
            var found = VendorUpdater.Extract(content, sourceName, families);
            return new FirmwareImage(found.Image, FirmwareFormat.VendorUpdater, sourceName, found.Offset, found.Location,
                ImageIdentity.Of(found.Image, families));
        }

        if (IntelHex.LooksLikeHex(span))
        {
            var image = IntelHex.Read(span, sourceName);
            return new FirmwareImage(image, FirmwareFormat.IntelHex, sourceName, 0, "whole file (Intel-HEX)",
                ImageIdentity.Of(image, families));
        }

        if (!FlashSize.IsValid(span.Length))
        {
            throw new RecoveryKitException(FailureKind.ImageRejected, "read-image",
                $"{sourceName} is {(FlashSize.Describe(span.Length) is var size && size.EndsWith(" bytes", StringComparison.Ordinal) ? size : $"{span.Length} bytes ({size})")}; a raw image must be exactly " +
                $"{FlashSize.DescribeValid()} ({string.Join(", ", FlashSize.Valid)} bytes), and the content is neither Intel-HEX nor an updater",
                "Use the whole-flash .bin; a file cut short by a floppy or download error must be fetched again.");
        }
        var bytes = content.ToArray();
        return new FirmwareImage(bytes, FirmwareFormat.Bin, sourceName, 0, "whole file", ImageIdentity.Of(bytes, families));
    }
}
