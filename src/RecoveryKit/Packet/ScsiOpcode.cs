namespace RecoveryKit.Packet;

/// <summary>SCSI/MMC operation codes used over PACKET (PROTOCOL.md §2).</summary>
public static class ScsiOpcode
{
    public const byte TestUnitReady = 0x00;
    public const byte RequestSense = 0x03;
    public const byte Inquiry = 0x12;
    public const byte ReadCapacity = 0x25;
    public const byte Read10 = 0x28;
}
