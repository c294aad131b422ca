using RecoveryKit.Ata;

namespace RecoveryKit.Emulation;

/// <summary>
/// An ATA hard disk: ATA signature (00h/00h), IDENTIFY DEVICE works, PACKET and IDENTIFY PACKET DEVICE
/// are aborted, and so is every vendor opcode. <see cref="VirtualDevice.CommandsReceived"/> lets tests
/// prove RecoveryKit never sent it one.
/// </summary>
public sealed class VirtualHardDisk : VirtualDevice
{
    public VirtualHardDisk(string model, string serial, string firmware, long sectors)
    {
        Model = model;
        Serial = serial;
        Firmware = firmware;
        Sectors = sectors;
    }

    public string Model { get; }
    public string Serial { get; }
    public string Firmware { get; }
    public long Sectors { get; }

    /// <summary>Opcodes of vendor-specific commands the disk was sent (must stay empty).</summary>
    public IEnumerable<byte> VendorCommandsReceived => CommandsReceived.Where(c => c is AtaCommand.MediaTekVendor);

    protected override TimeSpan ResetTime => TimeSpan.FromMilliseconds(5);

    protected override void ResetCompleted()
    {
        PostSignature(packetDevice: false);
        Status = (byte)(AtaStatus.Ready | AtaStatus.SeekComplete);
        ErrorRegister = 0x01;
    }

    protected override void Execute(byte opcode)
    {
        if ((Status & (byte)AtaStatus.Busy) != 0)
            return; // only packet devices accept DEVICE RESET while BSY; a disk ignores it like any other command
        if (opcode != AtaCommand.IdentifyDevice)
        {
            Abort();
            return;
        }
        BusyThen(TimeSpan.FromMicroseconds(300), () =>
        {
            var words = new ushort[256];
            words[0] = 0x0040; // fixed device
            PutAtaString(words, 10, 10, Serial);
            PutAtaString(words, 23, 4, Firmware);
            PutAtaString(words, 27, 20, Model);
            words[49] = 0x0200; // LBA
            words[60] = (ushort)(Sectors & 0xFFFF);
            words[61] = (ushort)((Sectors >> 16) & 0xFFFF);
            BeginDataIn(words, 256, () => Complete((byte)(AtaStatus.Ready | AtaStatus.SeekComplete)));
        });
    }
}
