namespace RecoveryKit.Ata;

/// <summary>Task-file registers of the command block, by offset from the channel's base port (PROTOCOL.md §1).</summary>
public enum TaskFileRegister : byte
{
    /// <summary>base+0: 16-bit data port; use the data methods of <see cref="IAtaRegisters"/>.</summary>
    Data = 0,
    /// <summary>base+1: error (read) / features (write).</summary>
    ErrorFeatures = 1,
    /// <summary>base+2: sector count (write) / ATAPI interrupt reason (read).</summary>
    SectorCount = 2,
    /// <summary>base+3: LBA low / sector number; the MediaTek intro key and mailbox data byte (§3, §4).</summary>
    LbaLow = 3,
    /// <summary>base+4: LBA mid / cylinder low / ATAPI byte count low.</summary>
    LbaMid = 4,
    /// <summary>base+5: LBA high / cylinder high / ATAPI byte count high.</summary>
    LbaHigh = 5,
    /// <summary>base+6: device/head; 0xA0 master, 0xB0 slave, bits 3..0 head.</summary>
    Device = 6,
    /// <summary>base+7: status (read, clears INTRQ) / command (write).</summary>
    StatusCommand = 7,
}

/// <summary>Status register bits (PROTOCOL.md §1, ATA/ATAPI-6 §7.15).</summary>
[Flags]
public enum AtaStatus : byte
{
    None = 0,
    /// <summary>ERR (ATA) / CHK (ATAPI): the last command ended in error.</summary>
    Error = 0x01,
    Index = 0x02,
    Corrected = 0x04,
    /// <summary>DRQ: the device is ready to transfer a word of data.</summary>
    DataRequest = 0x08,
    /// <summary>DSC / SERV.</summary>
    SeekComplete = 0x10,
    /// <summary>DF: device fault.</summary>
    DeviceFault = 0x20,
    /// <summary>DRDY: the device accepts commands.</summary>
    Ready = 0x40,
    /// <summary>BSY: the device owns the task file; nothing else in it is valid.</summary>
    Busy = 0x80,
}

/// <summary>Device-control register bits, written at ctrl+0 (PROTOCOL.md §1).</summary>
public static class DeviceControl
{
    /// <summary>nIEN: the device shall not assert INTRQ.</summary>
    public const byte InterruptsDisabled = 0x02;
    /// <summary>SRST: software reset of both devices on the channel while set.</summary>
    public const byte SoftReset = 0x04;
}

/// <summary>ATA command opcodes used by RecoveryKit (ATA/ATAPI-6; the vendor one in PROTOCOL.md §3).</summary>
public static class AtaCommand
{
    /// <summary>DEVICE RESET, ATAPI devices only (§6 outro).</summary>
    public const byte DeviceReset = 0x08;
    /// <summary>EXECUTE DEVICE DIAGNOSTIC: both devices reset and post their signatures.</summary>
    public const byte ExecuteDeviceDiagnostic = 0x90;
    /// <summary>PACKET: a 12-byte ATAPI command block follows (§2).</summary>
    public const byte Packet = 0xA0;
    /// <summary>IDENTIFY PACKET DEVICE (§2).</summary>
    public const byte IdentifyPacketDevice = 0xA1;
    /// <summary>IDENTIFY DEVICE; aborted by ATAPI devices with the signature set (§2).</summary>
    public const byte IdentifyDevice = 0xEC;
    /// <summary>MediaTek vendor opcode 80h, the vendor-mode intro (§3). Never sent to an ATA disk.</summary>
    public const byte MediaTekVendor = 0x80;
}

/// <summary>Error register bits.</summary>
public static class AtaError
{
    /// <summary>ABRT: command aborted.</summary>
    public const byte Aborted = 0x04;
}

/// <summary>Which device on a channel: the DEV bit of the device register.</summary>
public enum DeviceSelect : byte
{
    Master = 0,
    Slave = 1,
}

public static class DeviceSelectExtensions
{
    /// <summary>Device register value selecting this device with head bits 0: A0h master, B0h slave (§1).</summary>
    public static byte RegisterValue(this DeviceSelect device, byte head = 0) =>
        (byte)((device == DeviceSelect.Slave ? 0xB0 : 0xA0) | (head & 0x0F));
}
