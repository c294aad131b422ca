using System.Buffers.Binary;

namespace RecoveryKit.Tests.Firmware;

/// <summary>Builds small, well-formed PE32 files byte by byte, so the updater reader is tested without vendor files.</summary>
internal static class TestPe
{
    private const int FileAlignment = 0x200;
    private const int SectionAlignment = 0x1000;
    private const int PeOffset = 0x80;

    /// <summary>A PE with a .text section, optionally an .rsrc section holding one RCDATA resource, and an overlay.</summary>
    public static byte[] Build(byte[]? code = null, byte[]? resource = null, byte[]? overlay = null)
    {
        code ??= [0xC3, 0x90, 0x90, 0x90];
        var sections = new List<(string Name, byte[] Raw, uint Characteristics)> { (".text", code, 0x6000_0020) };
        var rsrcRva = (uint)(SectionAlignment * 2);
        if (resource is not null)
            sections.Add((".rsrc", ResourceSection(resource, rsrcRva), 0x4000_0040));

        var headersSize = Align(PeOffset + 4 + 20 + 224 + 40 * sections.Count, FileAlignment);
        var rawOffsets = new List<int>();
        var offset = headersSize;
        foreach (var s in sections)
        {
            rawOffsets.Add(offset);
            offset += Align(s.Raw.Length, FileAlignment);
        }
        var fileSize = offset + (overlay?.Length ?? 0);
        var file = new byte[fileSize];
        var f = file.AsSpan();

        f[0] = (byte)'M';
        f[1] = (byte)'Z';
        BinaryPrimitives.WriteInt32LittleEndian(f[0x3C..], PeOffset);
        "PE\0\0"u8.CopyTo(f[PeOffset..]);
        var coff = PeOffset + 4;
        BinaryPrimitives.WriteUInt16LittleEndian(f[coff..], 0x014C);               // i386
        BinaryPrimitives.WriteUInt16LittleEndian(f[(coff + 2)..], (ushort)sections.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(f[(coff + 16)..], 224);           // optional header size
        BinaryPrimitives.WriteUInt16LittleEndian(f[(coff + 18)..], 0x0102);        // executable, 32-bit
        var opt = coff + 20;
        BinaryPrimitives.WriteUInt16LittleEndian(f[opt..], 0x10B);                 // PE32
        BinaryPrimitives.WriteUInt32LittleEndian(f[(opt + 16)..], SectionAlignment); // entry point
        BinaryPrimitives.WriteUInt32LittleEndian(f[(opt + 20)..], SectionAlignment); // base of code
        BinaryPrimitives.WriteUInt32LittleEndian(f[(opt + 28)..], 0x400000);       // image base
        BinaryPrimitives.WriteUInt32LittleEndian(f[(opt + 32)..], SectionAlignment);
        BinaryPrimitives.WriteUInt32LittleEndian(f[(opt + 36)..], FileAlignment);
        BinaryPrimitives.WriteUInt16LittleEndian(f[(opt + 40)..], 4);              // OS version
        BinaryPrimitives.WriteUInt16LittleEndian(f[(opt + 48)..], 4);              // subsystem version
        var sizeOfImage = SectionAlignment;
        foreach (var s in sections)
            sizeOfImage += Align(s.Raw.Length, SectionAlignment);
        BinaryPrimitives.WriteUInt32LittleEndian(f[(opt + 56)..], (uint)sizeOfImage);
        BinaryPrimitives.WriteUInt32LittleEndian(f[(opt + 60)..], (uint)headersSize);
        BinaryPrimitives.WriteUInt16LittleEndian(f[(opt + 68)..], 3);              // console subsystem
        BinaryPrimitives.WriteUInt32LittleEndian(f[(opt + 92)..], 16);             // data directory count
        if (resource is not null)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(f[(opt + 96 + 2 * 8)..], rsrcRva);
            BinaryPrimitives.WriteUInt32LittleEndian(f[(opt + 96 + 2 * 8 + 4)..], (uint)sections[1].Raw.Length);
        }

        var header = opt + 224;
        for (var i = 0; i < sections.Count; i++)
        {
            var (name, raw, characteristics) = sections[i];
            var h = f[(header + 40 * i)..];
            System.Text.Encoding.ASCII.GetBytes(name).CopyTo(h);
            BinaryPrimitives.WriteUInt32LittleEndian(h[8..], (uint)raw.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(h[12..], (uint)(SectionAlignment * (i + 1)));
            BinaryPrimitives.WriteUInt32LittleEndian(h[16..], (uint)Align(raw.Length, FileAlignment));
            BinaryPrimitives.WriteUInt32LittleEndian(h[20..], (uint)rawOffsets[i]);
            BinaryPrimitives.WriteUInt32LittleEndian(h[36..], characteristics);
            raw.CopyTo(f[rawOffsets[i]..]);
        }
        overlay?.CopyTo(f[offset..]);
        return file;
    }

    /// <summary>The file offset where the overlay of <see cref="Build"/>'s output starts.</summary>
    public static int OverlayOffset(byte[] pe, int overlayLength) => pe.Length - overlayLength;

    /// <summary>Resource tree: type 10 (RCDATA) / id 101 / language 1033 → the data.</summary>
    private static byte[] ResourceSection(byte[] data, uint sectionRva)
    {
        const int dataAt = 96;
        var raw = new byte[dataAt + data.Length];
        var r = raw.AsSpan();
        Directory(r, 0, 10, 0x8000_0000 | 24);
        Directory(r, 24, 101, 0x8000_0000 | 48);
        Directory(r, 48, 1033, 72);
        BinaryPrimitives.WriteUInt32LittleEndian(r[72..], sectionRva + dataAt);
        BinaryPrimitives.WriteUInt32LittleEndian(r[76..], (uint)data.Length);
        data.CopyTo(r[dataAt..]);
        return raw;
    }

    private static void Directory(Span<byte> r, int at, uint id, uint target)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(r[(at + 14)..], 1); // one id entry
        BinaryPrimitives.WriteUInt32LittleEndian(r[(at + 16)..], id);
        BinaryPrimitives.WriteUInt32LittleEndian(r[(at + 20)..], target);
    }

    private static int Align(int value, int alignment) => (value + alignment - 1) / alignment * alignment;
}
