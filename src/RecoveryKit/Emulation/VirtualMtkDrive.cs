using RecoveryKit.Ata;
using RecoveryKit.Emulation.Spi;
using RecoveryKit.Profiles;

namespace RecoveryKit.Emulation;

/// <summary>What the drive's boot code does with ATAPI commands while the main firmware is unusable.</summary>
public enum BootCodeBehaviour
{
    /// <summary>IDENTIFY PACKET DEVICE and PACKET are aborted.</summary>
    Aborts,
    /// <summary>IDENTIFY PACKET DEVICE and PACKET leave the drive busy until the next reset.</summary>
    Hangs,
}

/// <summary>The drive's three lives: main firmware running, boot code only, or vendor mode (the mailbox).</summary>
public enum MtkDriveMode
{
    Firmware,
    BootCode,
    Vendor,
}

/// <summary>Seeded, scriptable faults of a virtual MediaTek drive.</summary>
public sealed class MtkFaultPlan
{
    /// <summary>The drive ignores the intro (and stays BSY) until it has been power-cycled this many times.</summary>
    public int IntroIgnoredUntilPowerCycles { get; set; }

    /// <summary>The N-th mailbox write commit (1-based) never reaches the flash.</summary>
    public long DropWriteNumber { get; set; }

    /// <summary>The N-th mailbox read (1-based) returns one flipped bit.</summary>
    public long FlipReadNumber { get; set; }

    /// <summary>Probability that any mailbox read returns one flipped bit (seeded).</summary>
    public double FlipReadProbability { get; set; }

    /// <summary>After this many mailbox commits the drive's controller hangs with BSY until power-cycled.</summary>
    public long StuckBusyAfterCommits { get; set; }

    /// <summary>Seed for every random choice the faults make.</summary>
    public int Seed { get; set; } = 1;
}

/// <summary>
/// A MediaTek-chipset optical drive: healthy firmware answering INQUIRY with the identity found in its
/// flash, or boot code only when the flash fails the family's validity rule [R6]; vendor mode entered by
/// the intro (LBA low ← key, command 80h) exposes the flash through the task-file mailbox exactly as
/// PROTOCOL.md §3–4 describes, with bank bits in the device register [R1].
/// </summary>
public sealed class VirtualMtkDrive : VirtualAtapiDrive
{
    private readonly Func<ReadOnlyMemory<byte>, bool> _bootValid;
    private readonly Func<ReadOnlyMemory<byte>, DriveIdentityStrings?> _identityOf;
    private readonly DriveIdentityStrings _bootIdentity;
    private Random _random;
    private bool _selectedMe;
    private byte _bank;
    private byte _a20;
    private byte _addressHigh;
    private byte _addressLow;
    private byte _dataOut;
    private byte _dataIn;
    private byte _vendorStatus;
    private MailboxPhase _step;
    private int _powerCycles;
    private bool _hung;
    private bool _poweredBefore;

    private enum MailboxPhase
    {
        Idle,
        Addressed,
        Armed,
        Write1,
        Write2,
    }

    public VirtualMtkDrive(DriveProfile profile, IDriveFlash flash, Func<ReadOnlyMemory<byte>, bool> bootValid,
        Func<ReadOnlyMemory<byte>, DriveIdentityStrings?> identityOf, DriveIdentityStrings bootIdentity, MtkFaultPlan? faults = null)
        : base(bootIdentity)
    {
        Profile = profile;
        Memory = flash;
        _bootValid = bootValid;
        _identityOf = identityOf;
        _bootIdentity = bootIdentity;
        Faults = faults ?? new MtkFaultPlan();
        _random = new Random(Faults.Seed);
        Decide();
    }

    public DriveProfile Profile { get; }

    /// <summary>The flash part behind the mailbox, whatever its bus.</summary>
    public IDriveFlash Memory { get; }

    /// <summary>The parallel part behind the mailbox (a drive with an SPI part has none: see <see cref="Spi"/>).</summary>
    public FlashChipModel Flash => Memory as FlashChipModel
        ?? throw new InvalidOperationException($"this drive's flash is the SPI part {Memory.PartName}: use Memory or Spi");

    /// <summary>The drive side of the SPI buffer mailbox, when the drive has an SPI part (null: a parallel part).</summary>
    public SpiBufferMailbox? Spi { get; private set; }

    /// <summary>
    /// Makes this drive an SPI drive speaking <paramref name="dialect"/> (PROTOCOL.md §3, §5b): only that dialect's intro
    /// is honoured, the status comes from the maker (and the flash's blankness on Lite-On), and the mailbox is the SPI
    /// buffer. The drive's flash must be an <see cref="SpiChipModel"/>.
    /// </summary>
    public SpiBufferMailbox UseSpiMailbox(SpiDialect dialect, SpiDriveMaker maker)
    {
        var chip = Memory as SpiChipModel ?? throw new InvalidOperationException("an SPI mailbox needs an SPI part");
        Spi = new SpiBufferMailbox(chip, dialect, maker) { Faults = Faults, Random = _random };
        OwnFraming = MailboxFraming.SpiBuffer;
        HonouredIntroKeys = [dialect.IntroKey];
        return Spi;
    }

    /// <summary>
    /// An SPI drive leaves vendor mode on DEVICE RESET only after its dialect's outro opcode (81h/F0h/BEh, §6)
    /// [R: what a drive does with a bare DEVICE RESET is not published]; SRST and power always work.
    /// </summary>
    public bool SpiOutroRequired { get; set; } = true;

    public MtkFaultPlan Faults { get; }

    public MtkDriveMode Mode { get; private set; }

    public BootCodeBehaviour BootCode { get; set; } = BootCodeBehaviour.Aborts;

    /// <summary>How long the drive takes to boot after DEVICE RESET or SRST out of vendor mode.</summary>
    public TimeSpan BootTime { get; set; } = TimeSpan.FromMilliseconds(800);

    /// <summary>
    /// Whether the device register reads back what was written while in vendor mode. Unknown for real drives,
    /// so the host checks once and relies on it only when it holds; false models a drive that does not echo it.
    /// </summary>
    public bool EchoesDeviceRegister { get; set; } = true;

    /// <summary>How this drive differs from what the profiles say (issue 11); <see cref="DriveVariant.Faithful"/> by default.</summary>
    public DriveVariant Variant { get; set; } = DriveVariant.Faithful;

    /// <summary>
    /// The intro keys this drive really honours (null: the profile's). A drive's own behaviour, kept apart from
    /// what the flasher believes, so a test can catch a profile that is wrong.
    /// </summary>
    public IReadOnlyList<byte>? HonouredIntroKeys { get; set; }

    /// <summary>Keys that, sent with opcode 80h, make the drive erase its whole flash (PROTOCOL.md §3 DANGER).</summary>
    public HashSet<byte> EraseTriggers { get; } = [];

    /// <summary>Which mailbox the drive speaks (the variant's framing unless set here, e.g. for a serial-flash drive).</summary>
    public MailboxFraming? OwnFraming { get; set; }

    /// <summary>
    /// The drive's boot code also takes the vendor intro sent to the other device on its cable, and in vendor mode
    /// latches every mailbox write whatever device the DEV bit selects: "2 mediatek drives shared one channel => both
    /// bad flashed simultaneously" [F myce 55998, PROTOCOL.md §9]. A variant's <c>hearsSharedChannel</c> overrides it.
    /// </summary>
    public bool HearsSharedChannel { get; set; }

    /// <summary>Intros this drive took although they were sent to the other device on its cable.</summary>
    public int IntrosOverheard { get; private set; }

    private bool Shared => Variant.HearsSharedChannel ?? HearsSharedChannel;

    /// <summary>The status this drive answers a good intro with (null: the profile's vendor status): the drive's own fact.</summary>
    public byte? OwnVendorStatus { get; set; }

    /// <summary>Whole-flash erases the drive did on an erase trigger.</summary>
    public int TriggeredErases { get; private set; }

    private MailboxFraming Framing => OwnFraming ?? Variant.Framing;

    protected override TimeSpan ResetTime => Variant.BusyAfterReset ?? base.ResetTime;

    private TimeSpan RebootTime => Variant.BusyAfterReset ?? BootTime;

    public long MailboxWrites { get; private set; }
    public long MailboxReads { get; private set; }

    /// <summary>SC codes that arrived out of the MtkFlash sequence (must stay 0 for a conforming host).</summary>
    public long MailboxProtocolErrors { get; private set; }

    /// <summary>Intros received (opcode 80h), honoured or not.</summary>
    public int IntrosReceived { get; private set; }

    /// <summary>Before the bench runs: the flash as an earlier run left it (--sim-load); the drive then boots from it.</summary>
    public void LoadFlash(ReadOnlySpan<byte> contents)
    {
        Memory.Restore(contents);
        Decide();
    }

    private void Decide()
    {
        var image = Memory.Contents.ToArray();
        var valid = _bootValid(image);
        Mode = valid ? MtkDriveMode.Firmware : MtkDriveMode.BootCode;
        Identity = valid ? _identityOf(image) ?? _bootIdentity : _bootIdentity;
    }

    public override void PowerOn()
    {
        if (_poweredBefore)
        {
            _powerCycles++;
            Memory.PowerLoss(_random);
        }
        _poweredBefore = true;
        _hung = false;
        _step = MailboxPhase.Idle;
        Spi?.Reset();
        base.PowerOn();
    }

    protected override void ResetCompleted()
    {
        base.ResetCompleted();
        Decide();
    }

    internal override void SoftResetAsserted()
    {
        if (Mode == MtkDriveMode.Vendor)
            Mode = MtkDriveMode.BootCode;
        base.SoftResetAsserted();
    }

    internal override void SoftResetReleased()
    {
        if (_hung)
            return;
        BusyThen(RebootTime, ResetCompleted);
    }

    protected override void Execute(byte opcode)
    {
        if (_hung)
            return;
        if (opcode == AtaCommand.MediaTekVendor || (Spi is not null && opcode == Spi.Dialect.IntroOpcode && Mode != MtkDriveMode.Vendor))
        {
            Intro(opcode);
            return;
        }
        if (Mode == MtkDriveMode.Vendor && Spi is not null)
        {
            SpiCommand(opcode);
            return;
        }
        if (Mode == MtkDriveMode.Vendor)
        {
            if (opcode == AtaCommand.DeviceReset && !Variant.IgnoresOutro)
            {
                // The outro: leave vendor mode and boot whatever the flash now holds.
                Mode = MtkDriveMode.BootCode;
                BusyThen(RebootTime, ResetCompleted);
            }
            else if (Framing == MailboxFraming.CommandRegister && opcode is 0x00 or 0x01)
            {
                CommandRegisterTransfer(write: opcode == 0x01);
            }
            return; // the mailbox firmware ignores other opcodes
        }
        if (opcode == AtaCommand.IdentifyDevice && (Variant.IdentifyDeviceNeverAborts || Variant.IdentifyDeviceAbort is not null))
        {
            if (Variant.IdentifyDeviceNeverAborts)
            {
                BusyThen(TimeSpan.MaxValue / 4, () => { });
            }
            else
            {
                BusyThen(Variant.IdentifyDeviceAbort!.Value, () =>
                {
                    PostSignature(packetDevice: true);
                    Abort();
                });
            }
            return;
        }
        if (Mode == MtkDriveMode.BootCode && opcode is AtaCommand.IdentifyPacketDevice or AtaCommand.Packet)
        {
            if (BootCode == BootCodeBehaviour.Hangs)
                BusyThen(TimeSpan.MaxValue / 4, () => { });
            else
                Abort();
            return;
        }
        base.Execute(opcode);
    }

    /// <summary>An intro meant for the other device: a drive that hears the shared channel enters vendor mode with it.</summary>
    internal override void Overheard(byte opcode)
    {
        if (!Shared || _hung || opcode != AtaCommand.MediaTekVendor)
            return;
        Settle();
        if (Mode == MtkDriveMode.Vendor || (Status & (byte)AtaStatus.Busy) != 0
            || !(HonouredIntroKeys ?? Variant.IntroKeys ?? Profile.IntroKeys.Value).Contains(LbaLow))
            return;
        IntrosOverheard++;
        EndDataPhase();
        EnterVendor(Variant.IntroStatus ?? Profile.VendorStatus.Value);
        InterruptRequested = false;
    }

    private void Intro(byte opcode)
    {
        IntrosReceived++;
        var key = LbaLow;
        if (_powerCycles < Faults.IntroIgnoredUntilPowerCycles)
        {
            // "Status = 80 should be 70": the drive goes busy and never answers until power-cycled.
            BusyThen(TimeSpan.MaxValue / 4, () => { });
            return;
        }
        if (opcode == AtaCommand.MediaTekVendor && (EraseTriggers.Contains(key) || Variant.EraseTrigger == key))
        {
            // Not an intro: the drive erases its whole flash (key block included), showing F2h (72h with BSY)
            // while it works, then sits in vendor mode with a blank flash and answers 72h.
            EndDataPhase();
            Memory.EraseAll();
            TriggeredErases++;
            BusyThen(Memory.WholeEraseTime, () => EnterVendor(0x72));
            Status = 0xF2;
            InterruptRequested = false;
            return;
        }
        if (!(HonouredIntroKeys ?? Variant.IntroKeys ?? Profile.IntroKeys.Value).Contains(key) || (Spi is not null && opcode != Spi.Dialect.IntroOpcode))
        {
            Abort();
            return;
        }
        EndDataPhase();
        var status = Variant.IntroStatus ?? Spi?.VendorStatus() ?? OwnVendorStatus ?? Profile.VendorStatus.Value;
        if (Variant.IntroDelay > TimeSpan.Zero)
            BusyThen(Variant.IntroDelay, () => EnterVendor(status));
        else
            EnterVendor(status);
        InterruptRequested = false;
    }

    private void EnterVendor(byte status)
    {
        Mode = MtkDriveMode.Vendor;
        _selectedMe = true;
        _bank = 0;
        _a20 = 0;
        _step = MailboxPhase.Idle;
        _vendorStatus = status;
        Spi?.Reset();
        if (Spi is not null)
            Spi.HidesFlash = status == 0x52 && Variant.LockedHidesFlash;
        Status = status;
    }

    /// <summary>An opcode to an SPI drive in vendor mode: the outro + DEVICE RESET, or the buffer mailbox.</summary>
    private void SpiCommand(byte opcode)
    {
        var spi = Spi!;
        if (opcode == AtaCommand.DeviceReset)
        {
            if (!Variant.IgnoresOutro && (spi.OutroReceived || !SpiOutroRequired))
            {
                Mode = MtkDriveMode.BootCode;
                BusyThen(RebootTime, ResetCompleted);
            }
            return;
        }
        var busy = spi.Command(opcode);
        if (spi.HangRequested)
        {
            _hung = true;
            return;
        }
        if (busy > TimeSpan.Zero)
        {
            var status = _vendorStatus;
            BusyThen(busy, () => Status = status);
            Status = (byte)(status | (byte)AtaStatus.Busy);
        }
    }

    /// <summary>JungleFlasher's framing (PROTOCOL.md §4): A23..A16 in DEV's low bits, A15..A8 in LBA high, A7..A0 in LBA mid.</summary>
    private void CommandRegisterTransfer(bool write)
    {
        var bank = Variant.IgnoresBankBits ? 0 : DeviceRegister & 0x0F;
        var address = (uint)((bank << 16) | (_addressHigh << 8) | _addressLow);
        // The same faults as the SC-code mailbox: a lost write, a hang after the N-th write, a flipped read bit.
        if (write)
        {
            MailboxWrites++;
            if (MailboxWrites != Faults.DropWriteNumber)
                Flash.Write(address, _dataOut);
            if (Faults.StuckBusyAfterCommits > 0 && MailboxWrites == Faults.StuckBusyAfterCommits)
                _hung = true;
        }
        else
        {
            MailboxReads++;
            _dataIn = Flash.Read(address);
            if (MailboxReads == Faults.FlipReadNumber || (Faults.FlipReadProbability > 0 && _random.NextDouble() < Faults.FlipReadProbability))
                _dataIn ^= (byte)(1 << _random.Next(8));
        }
    }

    internal override byte ReadRegister(TaskFileRegister register, bool clearInterrupt)
    {
        if (_hung)
            return 0x80;
        if (Mode != MtkDriveMode.Vendor)
            return base.ReadRegister(register, clearInterrupt);
        Settle();
        if (Spi is not null && register is TaskFileRegister.LbaLow or TaskFileRegister.LbaMid or TaskFileRegister.LbaHigh or TaskFileRegister.SectorCount)
            return Spi.Read(register);
        return register switch
        {
            TaskFileRegister.StatusCommand => Status,
            TaskFileRegister.LbaLow => _dataIn,
            TaskFileRegister.LbaMid => _addressLow,
            TaskFileRegister.LbaHigh => _addressHigh,
            TaskFileRegister.Device => EchoesDeviceRegister && Variant.EchoesDevice ? DeviceRegister : (byte)0x00,
            _ => 0x00,
        };
    }

    internal override void Latch(TaskFileRegister register, byte value)
    {
        if (Mode != MtkDriveMode.Vendor || _hung)
        {
            base.Latch(register, value);
            return;
        }
        Settle();
        if (Spi is not null && register != TaskFileRegister.Device)
        {
            if (_selectedMe && (Status & (byte)AtaStatus.Busy) == 0)
                Spi.Latch(register, value); // writes while BSY are ignored
            return;
        }
        switch (register)
        {
            case TaskFileRegister.Device:
                _selectedMe = Shared || ((value >> 4) & 1) == (int)Position;
                if (_selectedMe)
                {
                    DeviceRegister = value;
                    if (Profile.Banking.Value.DeviceHeadBits && Variant.BankRegister == VariantBankRegister.DeviceHead && !Variant.IgnoresBankBits)
                        _bank = (byte)(value & 0x0F);
                }
                break;
            case TaskFileRegister.ErrorFeatures:
                if (!_selectedMe)
                    break;
                if (Variant.BankRegister == VariantBankRegister.Features)
                {
                    if (!Variant.IgnoresBankBits)
                        _bank = (byte)(value & 0x0F);
                }
                else if (Profile.Banking.Value.FeaturesBit0ForA20 && !Variant.IgnoresA20)
                {
                    _a20 = (byte)(value & 1);
                }
                break;
            case TaskFileRegister.LbaHigh:
                if (_selectedMe)
                    _addressHigh = value;
                break;
            case TaskFileRegister.LbaMid:
                if (_selectedMe)
                    _addressLow = value;
                break;
            case TaskFileRegister.LbaLow:
                if (_selectedMe)
                    _dataOut = value;
                break;
            case TaskFileRegister.SectorCount:
                if (_selectedMe && Framing == MailboxFraming.MtkFlash)
                    MailboxStep(value);
                break;
        }
    }

    private uint Address => (uint)((_a20 << 20) | (_bank << 16) | (_addressHigh << 8) | _addressLow);

    private void MailboxStep(byte code)
    {
        switch (code, _step)
        {
            case (0x15, _):
                _step = MailboxPhase.Addressed;
                return;
            case (0x20, MailboxPhase.Addressed):
                _step = MailboxPhase.Armed;
                return;
            case (0x40, MailboxPhase.Armed):
                _step = MailboxPhase.Write1;
                return;
            case (0x42, MailboxPhase.Write1):
                _step = MailboxPhase.Write2;
                return;
            case (0x01, MailboxPhase.Write2):
                _step = MailboxPhase.Idle;
                MailboxWrites++;
                if (MailboxWrites != Faults.DropWriteNumber)
                    Flash.Write(Address, _dataOut);
                if (Faults.StuckBusyAfterCommits > 0 && MailboxWrites == Faults.StuckBusyAfterCommits)
                    _hung = true;
                return;
            case (0x08, MailboxPhase.Armed):
                _step = MailboxPhase.Idle;
                MailboxReads++;
                _dataIn = Flash.Read(Address);
                if (MailboxReads == Faults.FlipReadNumber || (Faults.FlipReadProbability > 0 && _random.NextDouble() < Faults.FlipReadProbability))
                    _dataIn ^= (byte)(1 << _random.Next(8));
                return;
            default:
                MailboxProtocolErrors++;
                _step = MailboxPhase.Idle;
                return;
        }
    }
}
