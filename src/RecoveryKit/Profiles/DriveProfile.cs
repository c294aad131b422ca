using RecoveryKit.Ata;

namespace RecoveryKit.Profiles;

/// <summary>A value from profile data with its evidence grade (V, V-dec, F, D or R) and a note saying why.</summary>
public sealed record Graded<T>(T Value, string Grade, string? Note);

/// <summary>How the mailbox carries flash address bits above A15 ([R1], [R1b] in PROTOCOL.md §4).</summary>
public sealed record BankAddressing(bool DeviceHeadBits, bool FeaturesBit0ForA20);

/// <summary>
/// An intro dialect (PROTOCOL.md §3, JungleFlasher's table): the key written to LBA low, the vendor opcode
/// written to the command register after it, and the opcode the same tool sends to leave vendor mode.
/// </summary>
public sealed record IntroDialect(string Name, byte Key, byte Opcode, byte OutroOpcode, string Grade, string? Note)
{
    public VendorTrigger Trigger => new(Key, Opcode);

    public override string ToString() => $"{Name} ({Key:X2}h/{Opcode:X2}h)";
}

/// <summary>An LBA-low key followed by a command-register opcode.</summary>
public readonly record struct VendorTrigger(byte Key, byte Opcode)
{
    public override string ToString() => $"{Key:X2}h/{Opcode:X2}h";
}

/// <summary>What one step of the outro does.</summary>
public enum OutroStepKind
{
    /// <summary>A vendor opcode to the command register (JungleFlasher's 81h), sent only while the drive shows vendor status.</summary>
    VendorOpcode,
    /// <summary>DEVICE RESET (08h): reaches only this device.</summary>
    DeviceReset,
    /// <summary>SRST through the device control register: resets both devices on the channel.</summary>
    SoftReset,
}

/// <summary>One step of a profile's outro ("vendor-81h", "device-reset", "srst").</summary>
public sealed record OutroStep(OutroStepKind Kind, byte Opcode = 0)
{
    public bool IsReset => Kind is OutroStepKind.DeviceReset or OutroStepKind.SoftReset;

    /// <summary>The step as drives.json writes it.</summary>
    public string Name => Kind switch
    {
        OutroStepKind.VendorOpcode => $"vendor-{Opcode:X2}h",
        OutroStepKind.DeviceReset => "device-reset",
        _ => "srst",
    };

    public override string ToString() => Name;
}

/// <summary>How flash bytes travel through the task file once the drive is in vendor mode (PROTOCOL.md §4, §5b).</summary>
public enum FlashFraming
{
    /// <summary>MtkFlash 1.83c's SC-code mailbox (SC 15h/20h/40h/42h/01h, 08h) [V].</summary>
    MtkFlashScCodes,
    /// <summary>CMD 01h write / 00h read, the bank in DEV on every operation, DEV restored after [V-dec].</summary>
    CommandRegister,
    /// <summary>The drive's SPI byte buffer: buffer write/read, then execute (per dialect) [V-dec].</summary>
    SpiBuffer,
}

/// <summary>
/// An SPI buffer dialect (PROTOCOL.md §5b): the command-register opcodes of buffer write, buffer read and execute
/// (with the phat dialect's follow-up, 05h), the byte order of the counts and where the buffer starts.
/// </summary>
public sealed record SpiBufferDialect(byte WriteOpcode, byte ReadOpcode, byte ExecuteOpcode, byte? ExecuteFollowUp, bool CountsLowByteFirst, ushort BufferBase);

/// <summary>An address range in the flash.</summary>
public readonly record struct FlashRange(uint Start, uint Length)
{
    public uint End => Start + Length;

    public bool Overlaps(uint start, uint length) => start < End && Start < start + length;
}

/// <summary>
/// A MediaTek drive family's profile (drives.json): what the flasher may assume about it, graded. Every value
/// comes from the file's defaults unless the drive sets its own.
/// </summary>
public sealed record DriveProfile
{
    public required string Name { get; init; }
    public required string Family { get; init; }
    public required string Vendor { get; init; }
    public required IReadOnlyList<string> Products { get; init; }
    public required IReadOnlyList<string> Chips { get; init; }

    /// <summary>The intro dialects tried, in order (key + opcode each). Never an erase trigger (checked at load).</summary>
    public required Graded<IReadOnlyList<IntroDialect>> Intro { get; init; }

    /// <summary>Key/opcode pairs known to erase this drive's flash: never sent by a probe or an intro.</summary>
    public required Graded<IReadOnlyList<VendorTrigger>> EraseTriggers { get; init; }

    public required Graded<byte> VendorStatus { get; init; }
    public required Graded<TimeSpan> IntroTimeout { get; init; }
    public required Graded<TimeSpan> MailboxTimeout { get; init; }

    /// <summary>How long the mailbox waits between status reads while the drive is busy.</summary>
    public required Graded<TimeSpan> MailboxPollStep { get; init; }

    /// <summary>How many wrong, not-busy status reads in a row mean the drive left vendor mode.</summary>
    public required Graded<int> MailboxConfirmReads { get; init; }

    public required Graded<BankAddressing> Banking { get; init; }

    /// <summary>The outro steps in order: vendor opcodes first, then resets, each later reset a fallback.</summary>
    public required Graded<IReadOnlyList<OutroStep>> Outro { get; init; }

    public required Graded<TimeSpan> OutroTimeout { get; init; }

    /// <summary>The pause after a reset (DEVICE RESET or SRST) before the first status read.</summary>
    public required Graded<TimeSpan> PostResetDelay { get; init; }

    /// <summary>How long after IDENTIFY (PACKET) DEVICE a device may take to show BSY, DRQ or ERR.</summary>
    public required Graded<TimeSpan> IdentifyResponse { get; init; }

    /// <summary>The overall limit of one PACKET command's data phase.</summary>
    public required Graded<TimeSpan> PacketDeadline { get; init; }

    /// <summary>Bytes a PACKET data phase may move beyond the command's buffer before the host gives up.</summary>
    public required Graded<int> PacketByteCap { get; init; }

    public required Graded<string> BootValidity { get; init; }
    public required Graded<bool> Spi { get; init; }

    /// <summary>Which framing carries flash bytes (the profile chooses; the engines never know).</summary>
    public Graded<FlashFraming> Framing { get; init; } = new(FlashFraming.MtkFlashScCodes, "V", "MtkFlash 1.83c SC-code mailbox");

    /// <summary>The SPI buffer dialect, for drives whose framing is <see cref="FlashFraming.SpiBuffer"/>.</summary>
    public Graded<SpiBufferDialect>? SpiBuffer { get; init; }

    /// <summary>The status a drive shows in vendor mode with its SPI flash locked (52h on the DG-16D2S), or null.</summary>
    public Graded<byte>? LockedStatus { get; init; }
    public required string Grade { get; init; }
    public string? Note { get; init; }

    /// <summary>The intro keys alone (the emulator's view: which LBA-low values open vendor mode).</summary>
    public Graded<IReadOnlyList<byte>> IntroKeys => new(Intro.Value.Select(d => d.Key).ToArray(), Intro.Grade, Intro.Note);

    /// <summary><paramref name="baseline"/> with this drive's waits: post-reset delay, IDENTIFY response window, PACKET deadline and byte cap.</summary>
    public AtaTimeouts HostTimeouts(AtaTimeouts baseline) => baseline with
    {
        PostReset = PostResetDelay.Value,
        Response = IdentifyResponse.Value,
        PacketDeadline = PacketDeadline.Value,
        PacketByteCap = PacketByteCap.Value,
    };

    /// <summary>Whether INQUIRY's vendor/product names this drive.</summary>
    public bool Matches(string? vendor, string? product) =>
        product is not null && Products.Any(p => string.Equals(Normalise(p), Normalise(product), StringComparison.OrdinalIgnoreCase))
        && (vendor is null || string.Equals(Normalise(vendor), Normalise(Vendor), StringComparison.OrdinalIgnoreCase));

    private static string Normalise(string s) => string.Join(' ', s.Split(' ', StringSplitOptions.RemoveEmptyEntries));
}
