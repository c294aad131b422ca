using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Profiles;

namespace RecoveryKit.MediaTek;

/// <summary>
/// The second parallel framing (PROTOCOL.md §4, JungleFlasher 0.1.96 [V-dec], status-70h drives such as the Samsung
/// TS-H943A): a byte moves with the command register, CMD 01h to write and 00h to read, the bank (A23..A16) in the
/// device register's low bits on every operation, and the device register set back to the plain select after it.
/// </summary>
public sealed class CommandRegisterMailbox : IFlashBus
{
    /// <summary>CMD ← 01h: write LBAL's byte at the address in LBAM/LBAH and the bank in DEV (§4).</summary>
    public const byte WriteOpcode = 0x01;

    /// <summary>CMD ← 00h: read the byte at the address into LBAL (§4).</summary>
    public const byte ReadOpcode = 0x00;

    private readonly IAtaRegisters _regs;
    private readonly DeviceSelect _device;
    private readonly VendorStatusPoll _poll;

    public CommandRegisterMailbox(IAtaRegisters regs, DeviceSelect device, DriveProfile profile)
    {
        _regs = regs;
        _device = device;
        _poll = new VendorStatusPoll(regs, profile);
    }

    public long Cycles { get; private set; }

    public TimeSpan ReadSampleLatency { get; private set; }

    /// <summary>The address reaches the device register as 4 bits: a part above 1 MiB cannot be addressed.</summary>
    public void UseChipSize(int sizeBytes)
    {
        if (sizeBytes > 0x100000)
            throw new RecoveryKitException(FailureKind.ChipUnknown, "mailbox",
                $"a {sizeBytes / 1024} KiB part needs address bits the device register cannot carry (4 bank bits, 1 MiB)",
                "Check --flash-chip and the drive profile.");
    }

    /// <summary>DEV ← dev; LBAM ← A[7:0]; LBAH ← A[15:8]; DEV ← dev | A[23:16]; CMD ← 00h; DEV ← dev; poll; read LBAL.</summary>
    /// <remarks>The address phase is written here and in <see cref="Write"/> themselves: the bus call is the one that touches the registers (issue 14's call depth).</remarks>
    public byte Read(uint address)
    {
        var start = _regs.Clock.Now;
        var bank = Bank(address);
        _regs.Write(TaskFileRegister.Device, _device.RegisterValue());
        _regs.Write(TaskFileRegister.LbaMid, (byte)address);
        _regs.Write(TaskFileRegister.LbaHigh, (byte)(address >> 8));
        _regs.Write(TaskFileRegister.Device, _device.RegisterValue(bank));
        _regs.Write(TaskFileRegister.StatusCommand, ReadOpcode);
        ReadSampleLatency = _regs.Clock.Now - start;
        _regs.Write(TaskFileRegister.Device, _device.RegisterValue());
        _poll.Wait($"flash address {address:X6}h");
        Cycles++;
        return _regs.Read(TaskFileRegister.LbaLow);
    }

    /// <summary>DEV ← dev; LBAM ← A[7:0]; LBAH ← A[15:8]; DEV ← dev | A[23:16]; LBAL ← data; CMD ← 01h; DEV ← dev; poll.</summary>
    public void Write(uint address, byte data)
    {
        var bank = Bank(address);
        _regs.Write(TaskFileRegister.Device, _device.RegisterValue());
        _regs.Write(TaskFileRegister.LbaMid, (byte)address);
        _regs.Write(TaskFileRegister.LbaHigh, (byte)(address >> 8));
        _regs.Write(TaskFileRegister.Device, _device.RegisterValue(bank));
        _regs.Write(TaskFileRegister.LbaLow, data);
        _regs.Write(TaskFileRegister.StatusCommand, WriteOpcode);
        _regs.Write(TaskFileRegister.Device, _device.RegisterValue());
        _poll.Wait($"flash address {address:X6}h");
        Cycles++;
    }

    /// <summary>A23..A16 for the device register's low bits; more than 4 bits is refused before any register write.</summary>
    private static byte Bank(uint address)
    {
        var bank = address >> 16;
        if (bank > 0x0F)
            throw new RecoveryKitException(FailureKind.ChipUnknown, "mailbox",
                $"address {address:X6}h needs more bank bits than the device register carries",
                "Check --flash-chip and the drive profile.");
        return (byte)bank;
    }
}
