using RecoveryKit.Ata;
using RecoveryKit.Emulation;

namespace RecoveryKit.Tests.TestSupport;

/// <summary>
/// How QEMU's PIIX IDE shows an absent device 0 next to a present device 1 (seen on the recovery ISO's scan in QEMU
/// 7.2: "unrecognised signature FFh/FFh (status 50h)"): it keeps a register file for the empty position with DRDY|DSC,
/// sets its signature to FFh/FFh (no drive attached) and aborts every command. Real hardware floats instead.
/// </summary>
internal sealed class QemuAbsentMaster : VirtualDevice
{
    protected override void ResetCompleted()
    {
        Status = (byte)(AtaStatus.Ready | AtaStatus.SeekComplete);
        ErrorRegister = 0x01;
        SectorCount = 0x01;
        LbaLow = 0x01;
        LbaMid = 0xFF;
        LbaHigh = 0xFF;
    }

    protected override void Execute(byte opcode) => Abort();
}
