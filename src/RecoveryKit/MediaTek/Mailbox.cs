using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Profiles;

namespace RecoveryKit.MediaTek;

/// <summary>
/// The vendor-mode mailbox (PROTOCOL.md §4): one flash-bus byte read or write per call, with exactly the
/// register writes MtkFlash 1.83c makes, in its order. Address bits above A15 travel in the device
/// register's head bits [R1] (and features bit 0 for A20 [R1b]), written only when the bank changes.
/// </summary>
public sealed class Mailbox : IFlashBus
{
    // Sector-count codes of the mailbox, as the MtkFlash trace writes them (meanings unpublished, §4).
    private const byte CodeAddress = 0x15;
    private const byte CodeArm = 0x20;
    private const byte CodeWrite1 = 0x40;
    private const byte CodeWrite2 = 0x42;
    private const byte CodeCommit = 0x01;
    private const byte CodeRead = 0x08;

    private readonly IAtaRegisters _regs;
    private readonly DeviceSelect _device;
    // The wait for the vendor status after each address (the same discipline as the other framings).
    private readonly VendorStatusPoll _poll;
    private readonly BankAddressing _banking;
    // -1: not yet written. After the intro nothing proves which bank or A20 the drive holds (an earlier session may
    // have left another), so the first operation writes them instead of assuming bank 0 and A20 = 0.
    private int _bank = -1;
    private int _a20 = -1;
    private bool _wide;
    private bool? _echoesDevice;

    /// <param name="regs">The channel, with the drive already in vendor mode and selected (bank 0).</param>
    /// <param name="device">Master or slave.</param>
    /// <param name="profile">Vendor-mode status, mailbox timeout, poll step, confirm reads and bank addressing.</param>
    public Mailbox(IAtaRegisters regs, DeviceSelect device, DriveProfile profile)
    {
        _regs = regs;
        _device = device;
        _poll = new VendorStatusPoll(regs, profile);
        _banking = profile.Banking.Value;
    }

    /// <summary>
    /// Tells the mailbox the size of the chip behind it, once identified: on a part larger than 1 MiB, A20 matters,
    /// so it is written explicitly with the first access rather than assumed to be 0.
    /// </summary>
    public void UseChipSize(int sizeBytes)
    {
        _wide = sizeBytes > 0x100000;
        if (_wide)
            _a20 = -1;
    }

    /// <summary>Flash-bus cycles done (reads + writes).</summary>
    public long Cycles { get; private set; }

    /// <summary>
    /// How long the last <see cref="Read"/> took from its first register write to the one that makes the drive
    /// sample the flash (SC ← 08): a completion poll started that much before the part is due sees it done.
    /// </summary>
    public TimeSpan ReadSampleLatency { get; private set; }

    /// <summary>Reads one byte from the flash bus.</summary>
    /// <remarks>
    /// The address phase (SC ← 15h, LBA high, LBA mid, the status wait) is written here and in <see cref="Write"/>
    /// themselves, not through a helper: the bus call is the one that touches the registers (issue 14's call depth).
    /// Only a change of bank or A20 goes through <see cref="Switch"/>.
    /// </remarks>
    public byte Read(uint address)
    {
        var start = _regs.Clock.Now;
        if ((int)((address >> 16) & 0x0F) != _bank || (int)((address >> 20) & 1) != _a20)
            Switch(address);
        _regs.Write(TaskFileRegister.SectorCount, CodeAddress);
        _regs.Write(TaskFileRegister.LbaHigh, (byte)(address >> 8));
        _regs.Write(TaskFileRegister.LbaMid, (byte)address);
        _poll.Wait(address);
        _regs.Write(TaskFileRegister.SectorCount, CodeArm);
        _regs.Write(TaskFileRegister.SectorCount, CodeRead);
        ReadSampleLatency = _regs.Clock.Now - start;
        Cycles++;
        return _regs.Read(TaskFileRegister.LbaLow);
    }

    /// <summary>Writes one byte to the flash bus (a command cycle or program data): the address phase, LBA low, then SC 20h 40h 42h 01h.</summary>
    public void Write(uint address, byte data)
    {
        if ((int)((address >> 16) & 0x0F) != _bank || (int)((address >> 20) & 1) != _a20)
            Switch(address);
        _regs.Write(TaskFileRegister.SectorCount, CodeAddress);
        _regs.Write(TaskFileRegister.LbaHigh, (byte)(address >> 8));
        _regs.Write(TaskFileRegister.LbaMid, (byte)address);
        _poll.Wait(address);
        _regs.Write(TaskFileRegister.LbaLow, data);
        _regs.Write(TaskFileRegister.SectorCount, CodeArm);
        _regs.Write(TaskFileRegister.SectorCount, CodeWrite1);
        _regs.Write(TaskFileRegister.SectorCount, CodeWrite2);
        _regs.Write(TaskFileRegister.SectorCount, CodeCommit);
        Cycles++;
    }

    /// <summary>
    /// A20 (features bit 0) and the bank (the device register's head bits) for <paramref name="address"/>, when either
    /// differs from what the drive was last given. The bank bits are read back when the drive echoes the device register
    /// (checked once, at the first bank change): a bank bit lost on the cable would send every later cycle — and the
    /// verify reads with them — to another 64 KiB, where they would agree with each other and go unnoticed.
    /// </summary>
    private void Switch(uint address)
    {
        var bank = (int)((address >> 16) & 0x0F);
        var a20 = (int)((address >> 20) & 1);
        if (a20 != _a20)
        {
            if (a20 != 0 && !_banking.FeaturesBit0ForA20)
                throw new RecoveryKitException(FailureKind.ChipUnknown, "mailbox",
                    $"address {address:X6}h needs A20, which this drive profile does not carry",
                    "The flash is larger than the drive profile's mailbox can address: check --flash-chip and the profile.");
            // On parts of 1 MiB or less A20 is not wired to the flash, and MtkFlash's trace never writes it: leave it.
            if (_banking.FeaturesBit0ForA20 && (a20 != 0 || _wide))
                _regs.Write(TaskFileRegister.ErrorFeatures, (byte)a20);
            _a20 = a20;
        }
        if (bank == _bank)
            return;
        if (bank != 0 && !_banking.DeviceHeadBits)
            throw new RecoveryKitException(FailureKind.ChipUnknown, "mailbox",
                $"address {address:X6}h is above 64 KiB, and this drive profile carries no bank bits",
                "Check --flash-chip and the drive profile.");
        var value = _device.RegisterValue((byte)bank);
        if (_bank >= 0)
            _echoesDevice ??= _regs.Read(TaskFileRegister.Device) == _device.RegisterValue((byte)_bank);
        else if (_echoesDevice is null)
        {
            // The first select: whether the drive echoes the device register is learnt from this write's read-back.
            _regs.Write(TaskFileRegister.Device, value);
            _echoesDevice = _regs.Read(TaskFileRegister.Device) == value;
            _bank = bank;
            return;
        }
        for (var attempt = 0; ; attempt++)
        {
            _regs.Write(TaskFileRegister.Device, value);
            if (_echoesDevice == false || _regs.Read(TaskFileRegister.Device) == value)
                break;
            if (attempt >= 2)
                throw new RecoveryKitException(FailureKind.DeviceTimeout, "mailbox",
                    $"the device register does not keep bank {bank} for flash address {address:X6}h (wrote {value:X2}h three times)",
                    "The IDE cable is unreliable: reseat or replace it (short, 80-wire), power-cycle the drive and run again; sectors already verified are kept.");
        }
        _bank = bank;
    }
}
