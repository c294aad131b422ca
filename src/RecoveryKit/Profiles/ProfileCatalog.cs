using System.Globalization;
using System.Text.Json;
using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;

namespace RecoveryKit.Profiles;

/// <summary>
/// The embedded drive and chip tables. Loaded once; a technician's corrections go into the JSON. Anything the
/// loader does not understand — an unknown key, an enumerated string outside its allowed values, a grade that is
/// not one of <see cref="Grades"/> — fails at load with the file, the place and the allowed values.
/// </summary>
public static class ProfileCatalog
{
    /// <summary>The evidence grades a profile value may carry (PROTOCOL.md, top).</summary>
    public static readonly IReadOnlyList<string> Grades = ["V", "V-dec", "F", "D", "R"];

    /// <summary>The values of bankRegister.</summary>
    public static readonly IReadOnlyList<string> BankRegisters = ["device-head", "none"];

    /// <summary>The values of bank4Register.</summary>
    public static readonly IReadOnlyList<string> Bank4Registers = ["features-bit0", "none"];

    /// <summary>The values of bootValidity.</summary>
    public static readonly IReadOnlyList<string> BootValidities = ["family"];

    /// <summary>The values of a chip's bus.</summary>
    public static readonly IReadOnlyList<string> ChipBuses = ["parallel", "spi"];

    /// <summary>The values of framing (PROTOCOL.md §4, §5b).</summary>
    public static readonly IReadOnlyList<string> Framings = ["mtkflash-sc", "command-register", "spi-buffer"];

    /// <summary>The values of spiBuffer.countOrder.</summary>
    public static readonly IReadOnlyList<string> CountOrders = ["low-first", "high-first"];

    /// <summary>The values of a chip's program model.</summary>
    public static readonly IReadOnlyList<string> ProgramModels = ["byte", "page"];

    /// <summary>ATA/ATAPI-6 §9.2: after SRST the host waits at least 2 ms before reading status [D]; no profile may wait less.</summary>
    public static readonly TimeSpan MinimumPostResetDelay = TimeSpan.FromMilliseconds(2);

    private static readonly Lazy<IReadOnlyList<ChipSpec>> LazyChips = new(() => LoadChips(ReadResource("chips.json")));
    private static readonly Lazy<DriveCatalog> LazyDrives = new(() => ParseDrives(ReadResource("drives.json"), "drives.json", embedded: true));

    public static IReadOnlyList<ChipSpec> Chips => LazyChips.Value;

    public static IReadOnlyList<DriveProfile> Drives => LazyDrives.Value.Drives;

    /// <summary>The intro dialects drives.json knows (phat, slim, slim2).</summary>
    public static IReadOnlyList<IntroDialect> Dialects => LazyDrives.Value.Dialects;

    /// <summary>Every erase trigger any profile names: refused by every intro, whichever profile is in use.</summary>
    public static IReadOnlyList<VendorTrigger> EraseTriggers => LazyDrives.Value.EraseTriggers;

    /// <summary>
    /// The brands whose optical drives carry MediaTek chipsets (drives.json's mediatekBrands, each graded): a drive of one of
    /// them on the same cable may take the vendor intro meant for the drive being recovered (PROTOCOL.md §9).
    /// </summary>
    public static IReadOnlyList<MediaTekBrand> MediaTekBrands => LazyDrives.Value.Brands;

    /// <summary>The MediaTek brand an INQUIRY vendor or an IDENTIFY model names, or null.</summary>
    public static MediaTekBrand? MatchMediaTekBrand(string? vendor, string? model) =>
        MediaTekBrands.FirstOrDefault(b => b.Matches(vendor, model));

    /// <summary>The host waits of drives.json's defaults: what applies before a drive's profile is known.</summary>
    public static AtaTimeouts DefaultHostTimeouts => LazyDrives.Value.DefaultHostTimeouts;

    public static ChipSpec? FindChip(string name) =>
        Chips.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The parallel (JEDEC) part answering with these IDs, or null.</summary>
    public static ChipSpec? FindChip(byte manufacturerId, byte deviceId) =>
        Chips.FirstOrDefault(c => c.Bus == FlashBusKind.Parallel && c.ManufacturerId == manufacturerId && c.DeviceId == deviceId);

    /// <summary>The part on <paramref name="bus"/> answering with these IDs (JEDEC software ID or SPI REMS), or null.</summary>
    public static ChipSpec? FindChip(FlashBusKind bus, byte manufacturerId, byte deviceId) =>
        Chips.FirstOrDefault(c => c.Bus == bus && c.ManufacturerId == manufacturerId && c.DeviceId == deviceId);

    public static DriveProfile? FindDrive(string name) =>
        Drives.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The profile whose INQUIRY strings match, or null.</summary>
    public static DriveProfile? MatchDrive(string? vendor, string? product) =>
        Drives.FirstOrDefault(d => d.Matches(vendor, product));

    /// <summary>Whether <paramref name="trigger"/> is an erase trigger of any profile.</summary>
    public static bool IsEraseTrigger(VendorTrigger trigger) => EraseTriggers.Contains(trigger);

    /// <summary>The embedded text of drives.json or chips.json (tests load altered copies of it).</summary>
    internal static string EmbeddedText(string file) => ReadResource(file);

    private static string ReadResource(string file)
    {
        using var stream = typeof(ProfileCatalog).Assembly.GetManifestResourceStream("RecoveryKit.Profiles." + file)
            ?? throw new InvalidOperationException($"embedded profile {file} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    internal static IReadOnlyList<ChipSpec> LoadChips(string json, string source = "chips.json", bool embedded = true)
    {
        var file = Deserialize(json, ProfileJsonContext.Default.ChipsFileJson, source, embedded);
        var result = new List<ChipSpec>();
        foreach (var c in file.Chips)
        {
            var where = $"chip \"{c.Name}\"";
            var sectors = new List<FlashSector>();
            uint at = 0;
            foreach (var run in c.Sectors)
            {
                if (run.Size <= 0 || run.Count <= 0)
                    throw Bad(source, embedded, $"{where}: a sector run needs a positive size and count");
                for (var i = 0; i < run.Count; i++)
                {
                    sectors.Add(new FlashSector(sectors.Count, at, run.Size));
                    at += (uint)run.Size;
                }
            }
            if (at != c.SizeBytes || sectors.Count == 0)
                throw Bad(source, embedded, $"{where}: sectors add up to {at} bytes, size says {c.SizeBytes}");
            var program = c.Program switch
            {
                "byte" => ProgramModel.Byte,
                "page" => ProgramModel.Page,
                _ => throw Bad(source, embedded, $"{where}: program \"{c.Program}\" is not one of {Allowed(ProgramModels)}"),
            };
            var bus = c.Bus switch
            {
                "parallel" => FlashBusKind.Parallel,
                "spi" => FlashBusKind.Spi,
                _ => throw Bad(source, embedded, $"{where}: bus \"{c.Bus}\" is not one of {Allowed(ChipBuses)}"),
            };
            SpiChipCommands? spiCommands = null;
            if (bus == FlashBusKind.Spi)
            {
                if (program != ProgramModel.Page || c.PageSize <= 0 || c.PageSize > 256 || c.PageLoadWindowUs != 0)
                    throw Bad(source, embedded, $"{where}: an SPI part programs by \"page\" with a pageSize of 1 to 256 bytes and no pageLoadWindowUs");
                if (c.Spi is null || c.Spi.StatusWriteMs is null)
                    throw Bad(source, embedded, $"{where}: an SPI part needs spi.sectorErase, spi.chipErase and spi.statusWriteMs");
                if (sectors.Any(s => s.Size % c.PageSize != 0))
                    throw Bad(source, embedded, $"{where}: every sector must hold whole pages");
                if (c.ProgramUs.Maximum <= 0 || c.SectorEraseMs.Maximum <= 0 || c.ChipEraseMs.Maximum <= 0 || c.Spi.StatusWriteMs.Maximum <= 0)
                    throw Bad(source, embedded, $"{where}: every maximum time must be positive (the WIP deadlines come from them)");
                spiCommands = new SpiChipCommands(
                    HexByte(c.Spi.SectorErase, source, embedded, where, "spi.sectorErase"),
                    HexByte(c.Spi.ChipErase, source, embedded, where, "spi.chipErase"),
                    c.Spi.Ewsr,
                    new DatasheetTime(TimeSpan.FromMilliseconds(c.Spi.StatusWriteMs.Typical), TimeSpan.FromMilliseconds(c.Spi.StatusWriteMs.Maximum)));
            }
            else if (c.Spi is not null)
                throw Bad(source, embedded, $"{where}: spi belongs to parts with bus \"spi\" only");
            if (bus == FlashBusKind.Parallel && program == ProgramModel.Page && (c.PageSize <= 0 || c.PageLoadWindowUs <= 0))
                throw Bad(source, embedded, $"{where}: a page-write part needs pageSize and pageLoadWindowUs (the datasheet's byte-load window)");
            if (bus == FlashBusKind.Parallel && program == ProgramModel.Byte && (c.PageSize != 0 || c.PageLoadWindowUs != 0))
                throw Bad(source, embedded, $"{where}: pageSize and pageLoadWindowUs belong to page-write parts only");
            if (!Grades.Contains(c.Grade))
                throw Bad(source, embedded, $"{where}: grade \"{c.Grade}\" is not one of {Allowed(Grades)}");
            result.Add(new ChipSpec(c.Name, c.Manufacturer, HexByte(c.ManufacturerId, source, embedded, where, "manufacturerId"),
                HexByte(c.DeviceId, source, embedded, where, "deviceId"), c.SizeBytes, [.. sectors],
                Hex(c.Unlock.First, source, embedded, where, "unlock.first"), Hex(c.Unlock.Second, source, embedded, where, "unlock.second"),
                Hex(c.Unlock.Mask, source, embedded, where, "unlock.mask"), program, c.PageSize, TimeSpan.FromMicroseconds(c.PageLoadWindowUs),
                new DatasheetTime(TimeSpan.FromMicroseconds(c.ProgramUs.Typical), TimeSpan.FromMicroseconds(c.ProgramUs.Maximum)),
                new DatasheetTime(TimeSpan.FromMilliseconds(c.SectorEraseMs.Typical), TimeSpan.FromMilliseconds(c.SectorEraseMs.Maximum)),
                new DatasheetTime(TimeSpan.FromMilliseconds(c.ChipEraseMs.Typical), TimeSpan.FromMilliseconds(c.ChipEraseMs.Maximum)),
                c.Grade, c.Source ?? string.Empty) { SupplyVolts = c.SupplyVolts, Bus = bus, Spi = spiCommands });
            if (result.Take(result.Count - 1).Any(x => x.ManufacturerId == result[^1].ManufacturerId && x.DeviceId == result[^1].DeviceId && x.Bus == bus))
                throw Bad(source, embedded, $"{where}: another {c.Bus} part answers with the same IDs");
        }
        return result;
    }

    /// <summary>The drive table, with everything it derives: dialects, the union of erase triggers, the default host waits.</summary>
    internal sealed record DriveCatalog(IReadOnlyList<DriveProfile> Drives, IReadOnlyList<IntroDialect> Dialects,
        IReadOnlyList<VendorTrigger> EraseTriggers, AtaTimeouts DefaultHostTimeouts)
    {
        /// <summary>drives.json's mediatekBrands.</summary>
        public IReadOnlyList<MediaTekBrand> Brands { get; init; } = [];
    }

    internal static IReadOnlyList<DriveProfile> LoadDrives(string json) => ParseDrives(json, "drives.json", embedded: true).Drives;

    /// <summary>Reads a drives document (the embedded one, or a technician's corrected copy).</summary>
    internal static DriveCatalog ParseDrives(string json, string source, bool embedded)
    {
        var file = Deserialize(json, ProfileJsonContext.Default.DrivesFileJson, source, embedded);
        var defaults = file.Defaults ?? throw Bad(source, embedded, "defaults is missing");

        var dialects = new List<IntroDialect>();
        foreach (var d in file.Dialects)
        {
            var where = $"dialect \"{d.Name}\"";
            if (string.IsNullOrWhiteSpace(d.Name))
                throw Bad(source, embedded, "a dialect has no name");
            if (dialects.Any(x => string.Equals(x.Name, d.Name, StringComparison.OrdinalIgnoreCase)))
                throw Bad(source, embedded, $"{where} is listed twice");
            dialects.Add(new IntroDialect(d.Name,
                HexByte(d.IntroKey, source, embedded, where, "introKey"),
                HexByte(d.IntroOpcode, source, embedded, where, "introOpcode"),
                HexByte(d.OutroOpcode, source, embedded, where, "outroOpcode"),
                CheckGrade(d.Grade, source, embedded, where, "grade"), d.Note));
        }
        if (dialects.Count == 0)
            throw Bad(source, embedded, "dialects is empty: every intro names one");

        var reader = new SettingsReader(source, embedded, defaults, dialects);
        var drives = new List<DriveProfile>();
        foreach (var drive in file.Drives)
        {
            if (string.IsNullOrWhiteSpace(drive.Name))
                throw Bad(source, embedded, "a drive has no name");
            if (drives.Any(x => string.Equals(x.Name, drive.Name, StringComparison.OrdinalIgnoreCase)))
                throw Bad(source, embedded, $"drive \"{drive.Name}\" is listed twice");
            drives.Add(reader.Drive(drive));
        }
        if (drives.Count == 0)
            throw Bad(source, embedded, "drives is empty");

        // An intro that is also an erase trigger — of any drive: a probe does not know which drive it reaches — is refused here.
        var triggers = drives.SelectMany(d => d.EraseTriggers.Value).Distinct().ToArray();
        foreach (var drive in drives)
        {
            foreach (var dialect in drive.Intro.Value)
            {
                if (triggers.Contains(dialect.Trigger))
                    throw Bad(source, embedded, $"drive \"{drive.Name}\": intro {dialect} is an erase trigger (eraseTriggers): it must never be sent as an intro");
            }
        }
        var hostDefaults = reader.DefaultHostTimeouts();
        return new DriveCatalog(drives, dialects, triggers, hostDefaults) { Brands = Brands(file.MediatekBrands, source, embedded) };
    }

    /// <summary>mediatekBrands: required, each brand with a name, at least one vendor string and a grade.</summary>
    private static IReadOnlyList<MediaTekBrand> Brands(MediaTekBrandsJson? json, string source, bool embedded)
    {
        if (json is null || json.Brands.Length == 0)
            throw Bad(source, embedded, "mediatekBrands is missing or empty: the shared-cable check needs the list");
        var brands = new List<MediaTekBrand>();
        foreach (var b in json.Brands)
        {
            if (string.IsNullOrWhiteSpace(b.Brand) || b.Vendors.Length == 0 || b.Vendors.Any(string.IsNullOrWhiteSpace))
                throw Bad(source, embedded, "mediatekBrands: every brand needs a name and non-empty vendors");
            var where = $"mediatekBrands \"{b.Brand}\"";
            brands.Add(new MediaTekBrand(b.Brand, b.Vendors, CheckGrade(b.Grade, source, embedded, where, "grade"), b.Note));
        }
        return brands;
    }

    /// <summary>Reads each value from the drive, or else from the defaults; checks grades, enumerations and ranges.</summary>
    private sealed class SettingsReader(string source, bool embedded, DriveDefaultsJson defaults, IReadOnlyList<IntroDialect> dialects)
    {
        private GradedJson<T> Pick<T>(GradedJson<T>? own, GradedJson<T>? fallback, string where, string key)
        {
            var entry = own ?? fallback ?? throw Bad(source, embedded, $"defaults.{key} is missing (and {where} does not set it)");
            if (entry.Value is null)
                throw Bad(source, embedded, $"{(own is null ? "defaults" : where)}: {key} has no value");
            CheckGrade(entry.Grade, source, embedded, own is null ? "defaults" : where, key);
            return entry;
        }

        private Graded<TimeSpan> Millis(GradedJson<int>? own, GradedJson<int>? fallback, string where, string key, int minimum = 1)
        {
            var e = Pick(own, fallback, where, key);
            if (e.Value < minimum)
                throw Bad(source, embedded, $"{where}: {key} = {e.Value} is below {minimum}");
            return new Graded<TimeSpan>(TimeSpan.FromMilliseconds(e.Value), e.Grade!, e.Note);
        }

        private string Enum(GradedJson<string>? own, GradedJson<string>? fallback, string where, string key, IReadOnlyList<string> allowed, out GradedJson<string> entry)
        {
            entry = Pick(own, fallback, where, key);
            if (!allowed.Contains(entry.Value))
                throw Bad(source, embedded, $"{where}: {key} \"{entry.Value}\" is not one of {Allowed(allowed)}");
            return entry.Value;
        }

        public DriveProfile Drive(DriveJson drive)
        {
            var where = $"drive \"{drive.Name}\"";
            var d = defaults;
            if (string.IsNullOrWhiteSpace(drive.Family) || string.IsNullOrWhiteSpace(drive.Vendor) || drive.Products is not { Length: > 0 })
                throw Bad(source, embedded, $"{where}: family, vendor and products are required");

            var introEntry = Pick(drive.Intro, d.Intro, where, "intro");
            if (introEntry.Value.Length == 0)
                throw Bad(source, embedded, $"{where}: intro is empty");
            var intro = introEntry.Value.Select(name => dialects.FirstOrDefault(x => string.Equals(x.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw Bad(source, embedded, $"{where}: intro dialect \"{name}\" is not one of {Allowed(dialects.Select(x => x.Name).ToArray())}")).ToArray();

            var triggerEntry = Pick(drive.EraseTriggers, d.EraseTriggers, where, "eraseTriggers");
            var triggers = triggerEntry.Value.Select(t => new VendorTrigger(
                HexByte(t.Key, source, embedded, where, "eraseTriggers.key"), HexByte(t.Opcode, source, embedded, where, "eraseTriggers.opcode"))).ToArray();

            var status = Pick(drive.VendorStatus, d.VendorStatus, where, "vendorStatus");
            var pollStep = Pick(drive.MailboxPollStepUs, d.MailboxPollStepUs, where, "mailboxPollStepUs");
            if (pollStep.Value <= 0)
                throw Bad(source, embedded, $"{where}: mailboxPollStepUs = {pollStep.Value} must be positive");
            var confirm = Pick(drive.MailboxConfirmReads, d.MailboxConfirmReads, where, "mailboxConfirmReads");
            if (confirm.Value < 1)
                throw Bad(source, embedded, $"{where}: mailboxConfirmReads = {confirm.Value} must be at least 1");

            Enum(drive.BankRegister, d.BankRegister, where, "bankRegister", BankRegisters, out var bank);
            Enum(drive.Bank4Register, d.Bank4Register, where, "bank4Register", Bank4Registers, out var bank4);
            var banking = new BankAddressing(bank.Value == "device-head", bank4.Value == "features-bit0");
            // Banking is made of two values: it carries the weaker of their grades and both notes.
            var bankNote = string.Join(" | ", new[] { bank.Note, bank4.Note }.Where(n => !string.IsNullOrEmpty(n)));

            var outroEntry = Pick(drive.Outro, d.Outro, where, "outro");
            var outro = Outro(outroEntry.Value, intro, where);

            var byteCap = Pick(drive.PacketByteCap, d.PacketByteCap, where, "packetByteCap");
            if (byteCap.Value < 0)
                throw Bad(source, embedded, $"{where}: packetByteCap = {byteCap.Value} must not be negative");

            Enum(drive.BootValidity, d.BootValidity, where, "bootValidity", BootValidities, out var validity);
            var spi = Pick(drive.Spi, d.Spi, where, "spi");
            Enum(drive.Framing, d.Framing, where, "framing", Framings, out var framingEntry);
            var framing = framingEntry.Value switch
            {
                "command-register" => FlashFraming.CommandRegister,
                "spi-buffer" => FlashFraming.SpiBuffer,
                _ => FlashFraming.MtkFlashScCodes,
            };
            if ((framing == FlashFraming.SpiBuffer) != spi.Value)
                throw Bad(source, embedded, $"{where}: spi = {(spi.Value ? "true" : "false")} does not fit framing \"{framingEntry.Value}\" (SPI drives speak \"spi-buffer\", parallel ones the other framings)");
            Graded<SpiBufferDialect>? spiBuffer = null;
            if (framing == FlashFraming.SpiBuffer)
            {
                var b = Pick(drive.SpiBuffer, d.SpiBuffer, where, "spiBuffer");
                var v = b.Value;
                if (v.Execute is not { Length: 1 or 2 })
                    throw Bad(source, embedded, $"{where}: spiBuffer.execute names one or two opcodes (the execute command, then the phat dialect's follow-up)");
                if (!CountOrders.Contains(v.CountOrder ?? ""))
                    throw Bad(source, embedded, $"{where}: spiBuffer.countOrder \"{v.CountOrder}\" is not one of {Allowed(CountOrders)}");
                var bufferBase = Hex(v.Base, source, embedded, where, "spiBuffer.base");
                if (bufferBase > 0xFFFF)
                    throw Bad(source, embedded, $"{where}: spiBuffer.base \"{v.Base}\" is not a 16-bit buffer offset");
                spiBuffer = new Graded<SpiBufferDialect>(new SpiBufferDialect(
                    HexByte(v.Write, source, embedded, where, "spiBuffer.write"),
                    HexByte(v.Read, source, embedded, where, "spiBuffer.read"),
                    HexByte(v.Execute[0], source, embedded, where, "spiBuffer.execute"),
                    v.Execute.Length == 2 ? HexByte(v.Execute[1], source, embedded, where, "spiBuffer.execute") : null,
                    v.CountOrder == "low-first",
                    (ushort)bufferBase), b.Grade!, b.Note);
            }
            else if (drive.SpiBuffer is not null)
                throw Bad(source, embedded, $"{where}: spiBuffer belongs to drives whose framing is \"spi-buffer\"");
            Graded<byte>? locked = null;
            if ((drive.LockedStatus ?? d.LockedStatus) is not null)
            {
                var l = Pick(drive.LockedStatus, d.LockedStatus, where, "lockedStatus");
                locked = new Graded<byte>(HexByte(l.Value, source, embedded, where, "lockedStatus"), l.Grade!, l.Note);
            }

            return new DriveProfile
            {
                Name = drive.Name!,
                Family = drive.Family!,
                Vendor = drive.Vendor!,
                Products = drive.Products!,
                Chips = drive.Chips ?? [],
                Intro = new Graded<IReadOnlyList<IntroDialect>>(intro, introEntry.Grade!, introEntry.Note),
                EraseTriggers = new Graded<IReadOnlyList<VendorTrigger>>(triggers, triggerEntry.Grade!, triggerEntry.Note),
                VendorStatus = new Graded<byte>(HexByte(status.Value, source, embedded, where, "vendorStatus"), status.Grade!, status.Note),
                IntroTimeout = Millis(drive.IntroTimeoutMs, d.IntroTimeoutMs, where, "introTimeoutMs"),
                MailboxTimeout = Millis(drive.MailboxTimeoutMs, d.MailboxTimeoutMs, where, "mailboxTimeoutMs"),
                MailboxPollStep = new Graded<TimeSpan>(TimeSpan.FromMicroseconds(pollStep.Value), pollStep.Grade!, pollStep.Note),
                MailboxConfirmReads = new Graded<int>(confirm.Value, confirm.Grade!, confirm.Note),
                Banking = new Graded<BankAddressing>(banking, WeakerGrade(bank.Grade!, bank4.Grade!), bankNote),
                Outro = new Graded<IReadOnlyList<OutroStep>>(outro, outroEntry.Grade!, outroEntry.Note),
                OutroTimeout = Millis(drive.OutroTimeoutMs, d.OutroTimeoutMs, where, "outroTimeoutMs"),
                PostResetDelay = Millis(drive.PostResetDelayMs, d.PostResetDelayMs, where, "postResetDelayMs", (int)MinimumPostResetDelay.TotalMilliseconds),
                IdentifyResponse = Millis(drive.IdentifyResponseMs, d.IdentifyResponseMs, where, "identifyResponseMs"),
                PacketDeadline = Millis(drive.PacketDeadlineMs, d.PacketDeadlineMs, where, "packetDeadlineMs"),
                PacketByteCap = new Graded<int>(byteCap.Value, byteCap.Grade!, byteCap.Note),
                BootValidity = new Graded<string>(validity.Value, validity.Grade!, validity.Note),
                Spi = new Graded<bool>(spi.Value, spi.Grade!, spi.Note),
                Framing = new Graded<FlashFraming>(framing, framingEntry.Grade!, framingEntry.Note),
                SpiBuffer = spiBuffer,
                LockedStatus = locked,
                Grade = CheckGrade(drive.Grade, source, embedded, where, "grade"),
                Note = drive.Note,
            };
        }

        /// <summary>
        /// "vendor-81h", "device-reset", "srst". A vendor opcode must be the outro opcode of one of the drive's own intro
        /// dialects (never an opcode whose effect is unknown) and comes before every reset; at least one reset is needed.
        /// </summary>
        private OutroStep[] Outro(string[] names, IntroDialect[] intro, string where)
        {
            var vendorNames = intro.Select(x => $"vendor-{x.OutroOpcode:X2}h").Distinct().ToArray();
            var allowed = vendorNames.Concat(["device-reset", "srst"]).ToArray();
            var steps = new List<OutroStep>();
            foreach (var name in names)
            {
                OutroStep step;
                if (string.Equals(name, "device-reset", StringComparison.Ordinal))
                    step = new OutroStep(OutroStepKind.DeviceReset);
                else if (string.Equals(name, "srst", StringComparison.Ordinal))
                    step = new OutroStep(OutroStepKind.SoftReset);
                else if (vendorNames.FirstOrDefault(v => string.Equals(v, name, StringComparison.OrdinalIgnoreCase)) is { } vendor)
                    step = new OutroStep(OutroStepKind.VendorOpcode, (byte)uint.Parse(vendor.AsSpan(7, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                else
                    throw Bad(source, embedded, $"{where}: outro step \"{name}\" is not one of {Allowed(allowed)} (a vendor step must be the outro opcode of the drive's intro dialect)");
                if (step.Kind == OutroStepKind.VendorOpcode && steps.Any(s => s.IsReset))
                    throw Bad(source, embedded, $"{where}: outro step \"{name}\" comes after a reset: vendor opcodes go to the drive while it is still in vendor mode, before any reset");
                steps.Add(step);
            }
            if (!steps.Any(s => s.IsReset))
                throw Bad(source, embedded, $"{where}: outro has no reset step (\"device-reset\" or \"srst\")");
            return [.. steps];
        }

        public AtaTimeouts DefaultHostTimeouts()
        {
            const string where = "defaults";
            var d = defaults;
            var cap = Pick(null, d.PacketByteCap, where, "packetByteCap");
            return new AtaTimeouts
            {
                PostReset = Millis(null, d.PostResetDelayMs, where, "postResetDelayMs", (int)MinimumPostResetDelay.TotalMilliseconds).Value,
                Response = Millis(null, d.IdentifyResponseMs, where, "identifyResponseMs").Value,
                PacketDeadline = Millis(null, d.PacketDeadlineMs, where, "packetDeadlineMs").Value,
                PacketByteCap = Math.Max(0, cap.Value),
            };
        }
    }

    /// <summary>The less certain of two grades (R below F below D, V-dec, V), for a value made of two.</summary>
    private static string WeakerGrade(string a, string b)
    {
        static int Rank(string g) => g switch { "V" => 4, "V-dec" => 3, "D" => 3, "F" => 1, _ => 0 };
        return Rank(a) <= Rank(b) ? a : b;
    }

    private static T Deserialize<T>(string json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string source, bool embedded)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw Bad(source, embedded, "is empty");
        }
        catch (JsonException ex)
        {
            // System.Text.Json names the unknown key and its path ("$.drives[0].bankRegistr") in the message.
            throw Bad(source, embedded, $"is not valid: {ex.Message}", ex);
        }
    }

    private static string CheckGrade(string? grade, string source, bool embedded, string where, string key)
    {
        if (grade is null || !Grades.Contains(grade))
            throw Bad(source, embedded, $"{where}: {key} has grade \"{grade}\"; every value needs one of {Allowed(Grades)}");
        return grade;
    }

    private static string Allowed(IReadOnlyList<string> values) => string.Join(", ", values.Select(v => $"\"{v}\""));

    internal static uint Hex(string text) => Hex(text, "profile", true, "value", "number");

    private static uint Hex(string? text, string source, bool embedded, string where, string key)
    {
        var t = text?.Trim() ?? "";
        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            t = t[2..];
        if (t.Length == 0 || !uint.TryParse(t, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            throw Bad(source, embedded, $"{where}: {key} \"{text}\" is not a hex number (write 0x2A)");
        return value;
    }

    private static byte HexByte(string? text, string source, bool embedded, string where, string key)
    {
        var value = Hex(text, source, embedded, where, key);
        if (value > 0xFF)
            throw Bad(source, embedded, $"{where}: {key} \"{text}\" does not fit in a register (00h–FFh)");
        return (byte)value;
    }

    private static RecoveryKitException Bad(string source, bool embedded, string why, Exception? inner = null) => embedded
        ? new(FailureKind.Internal, "profiles", $"{source}: {why}", "The embedded profile data is damaged: rebuild RecoveryKit from a clean checkout.", inner)
        : new(FailureKind.Usage, "profiles", $"{source}: {why}", "Correct the profile file (PROTOCOL.md names each value; drives.json in the source shows the shape).", inner);
}
