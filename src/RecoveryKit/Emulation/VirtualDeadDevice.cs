using RecoveryKit.Ata;

namespace RecoveryKit.Emulation;

/// <summary>How a dead device looks on the wire (PROTOCOL.md §1: 0x7F and a stuck 0x80 are typical).</summary>
public enum DeadDeviceBehaviour
{
    /// <summary>BSY never clears; every register reads 80h.</summary>
    StuckBusy,
    /// <summary>Every register reads 7Fh.</summary>
    Reads7F,
    /// <summary>Registers hold junk that is neither an ATA nor an ATAPI signature.</summary>
    Garbage,
}

/// <summary>A device whose controller no longer answers the ATA protocol at all.</summary>
public sealed class VirtualDeadDevice : VirtualDevice
{
    public VirtualDeadDevice(DeadDeviceBehaviour behaviour)
    {
        Behaviour = behaviour;
    }

    public DeadDeviceBehaviour Behaviour { get; }

    internal override byte ReadRegister(TaskFileRegister register, bool clearInterrupt) => Behaviour switch
    {
        DeadDeviceBehaviour.StuckBusy => 0x80,
        DeadDeviceBehaviour.Reads7F => 0x7F,
        _ => register switch
        {
            TaskFileRegister.StatusCommand => 0x5A,
            TaskFileRegister.LbaMid => 0x3C,
            TaskFileRegister.LbaHigh => 0xC3,
            _ => 0x00,
        },
    };

    internal override void Latch(TaskFileRegister register, byte value)
    {
    }

    internal override void SoftResetAsserted()
    {
    }

    internal override void SoftResetReleased()
    {
    }

    internal override bool RunDiagnostic(bool isMaster, bool slavePassed = true) => false;

    protected override void ResetCompleted()
    {
    }

    protected override void Execute(byte opcode)
    {
    }
}
