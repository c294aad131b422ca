namespace RecoveryKit.Ata;

/// <summary>Where a channel's two register blocks live, for transcripts and messages (PROTOCOL.md §1).</summary>
/// <param name="CommandBase">Command block base port (0x1F0, 0x170, or a PCI native BAR).</param>
/// <param name="ControlBase">Control block port (0x3F6, 0x376, or BAR+2).</param>
public readonly record struct ChannelAddress(ushort CommandBase, ushort ControlBase)
{
    public static ChannelAddress Primary => new(0x1F0, 0x3F6);
    public static ChannelAddress Secondary => new(0x170, 0x376);

    public override string ToString() => $"0x{CommandBase:X3}/0x{ControlBase:X3}";
}

/// <summary>
/// The register seam: one IDE channel's task file, control register and 16-bit data port.
/// Real port I/O and the emulator both implement it; nothing above it knows which one is underneath.
/// </summary>
public interface IAtaRegisters
{
    /// <summary>Port addresses of this channel (real or virtual), used in transcripts.</summary>
    ChannelAddress Address { get; }

    /// <summary>The clock every wait on this channel uses: wall time for hardware, virtual time for the emulator.</summary>
    IClock Clock { get; }

    /// <summary>Reads an 8-bit register at base+1..+7. Reading <see cref="TaskFileRegister.StatusCommand"/> clears INTRQ.</summary>
    byte Read(TaskFileRegister register);

    /// <summary>Writes an 8-bit register at base+1..+7. Writing <see cref="TaskFileRegister.StatusCommand"/> issues a command.</summary>
    void Write(TaskFileRegister register, byte value);

    /// <summary>Reads the alternate status at ctrl+0 (no side effect).</summary>
    byte ReadAlternateStatus();

    /// <summary>Writes the device-control register at ctrl+0 (nIEN, SRST).</summary>
    void WriteDeviceControl(byte value);

    /// <summary>Reads one 16-bit word from the data port.</summary>
    ushort ReadData();

    /// <summary>Writes one 16-bit word to the data port.</summary>
    void WriteData(ushort value);

    /// <summary>Reads <c>words.Length</c> words from the data port (rep insw).</summary>
    void ReadData(Span<ushort> words);

    /// <summary>Writes all of <paramref name="words"/> to the data port (rep outsw).</summary>
    void WriteData(ReadOnlySpan<ushort> words);
}
