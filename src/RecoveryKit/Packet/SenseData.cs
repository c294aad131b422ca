namespace RecoveryKit.Packet;

/// <summary>Fixed-format sense data (SPC-3 §4.5.3), decoded to what a technician needs.</summary>
public sealed record SenseData(byte SenseKey, byte AdditionalSenseCode, byte Qualifier)
{
    /// <summary>Decodes fixed (70h/71h) or descriptor (72h/73h) sense data; null when no valid sense is present.</summary>
    public static SenseData? Parse(ReadOnlySpan<byte> raw)
    {
        if (raw.Length < 1)
            return null;
        var code = raw[0] & 0x7F;
        if (code is 0x70 or 0x71)
        {
            if (raw.Length < 14)
                return raw.Length >= 3 ? new SenseData((byte)(raw[2] & 0x0F), 0, 0) : null;
            return new SenseData((byte)(raw[2] & 0x0F), raw[12], raw[13]);
        }
        if (code is 0x72 or 0x73 && raw.Length >= 4)
            return new SenseData((byte)(raw[1] & 0x0F), raw[2], raw[3]);
        return null;
    }

    /// <summary>The sense key's name (SPC-3 table 27).</summary>
    public string KeyName => SenseKey switch
    {
        0x0 => "NO SENSE",
        0x1 => "RECOVERED ERROR",
        0x2 => "NOT READY",
        0x3 => "MEDIUM ERROR",
        0x4 => "HARDWARE ERROR",
        0x5 => "ILLEGAL REQUEST",
        0x6 => "UNIT ATTENTION",
        0x7 => "DATA PROTECT",
        0x8 => "BLANK CHECK",
        0xB => "ABORTED COMMAND",
        0xE => "MISCOMPARE",
        _ => $"SENSE KEY {SenseKey:X}h",
    };

    /// <summary>A short description of the common additional sense codes met on optical drives.</summary>
    public string Description => (AdditionalSenseCode, Qualifier) switch
    {
        (0x00, 0x00) => "no additional sense information",
        (0x04, 0x01) => "becoming ready",
        (0x04, _) => "logical unit not ready",
        (0x20, 0x00) => "invalid command operation code",
        (0x24, 0x00) => "invalid field in CDB",
        (0x28, 0x00) => "medium may have changed",
        (0x29, _) => "power on, reset or bus device reset occurred",
        (0x3A, _) => "medium not present",
        (0x44, _) => "internal target failure",
        _ => $"ASC {AdditionalSenseCode:X2}h ASCQ {Qualifier:X2}h",
    };

    public override string ToString() =>
        $"{KeyName} ({SenseKey:X}h), ASC/ASCQ {AdditionalSenseCode:X2}h/{Qualifier:X2}h: {Description}";
}
