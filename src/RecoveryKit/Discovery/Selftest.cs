using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Packet;

namespace RecoveryKit.Discovery;

/// <summary>How one selftest check ended.</summary>
public enum SelftestVerdict
{
    Pass,
    /// <summary>Answered, but not as a healthy ATAPI optical drive would (e.g. INQUIRY type not CD/DVD).</summary>
    Warn,
    Fail,
    /// <summary>Not run: an earlier check it depends on failed, or there is nothing to test (no disc for READ).</summary>
    Skipped,
}

/// <summary>One line of the selftest table.</summary>
/// <param name="Check">Short name: "bus", "signature", "identify-packet-device", "inquiry", "request-sense", "test-unit-ready", "read-lba-0".</param>
/// <param name="Verdict">Pass, warn, fail or skipped.</param>
/// <param name="Result">What was seen, in a few words.</param>
/// <param name="Detail">Register values, sense data or the failure text, for --verbose.</param>
public sealed record SelftestCheck(string Check, SelftestVerdict Verdict, string Result, string Detail);

/// <summary>The selftest table for one device.</summary>
/// <param name="Target">What was tested: "master at 0x170" (raw registers) or "/dev/sg1", "\\.\CdRom0" (pass-through).</param>
/// <param name="Checks">The checks in the order they ran.</param>
public sealed record SelftestReport(string Target, IReadOnlyList<SelftestCheck> Checks)
{
    /// <summary>No check failed.</summary>
    public bool Passed => Checks.All(c => c.Verdict != SelftestVerdict.Fail);

    /// <summary>
    /// The first failed check as a typed failure (exit 3, stage "selftest"), with what to do about that check; null
    /// when every check passed, warned or was skipped.
    /// </summary>
    public Failure? Failure => Checks.FirstOrDefault(c => c.Verdict == SelftestVerdict.Fail) is { } failed
        ? new Failure(FailureKind.NoDevice, "selftest", $"{Target} failed the {failed.Check} check: {failed.Result}", Advice(failed.Check)) { Detail = failed.Detail }
        : null;

    private static string Advice(string check) => check switch
    {
        "bus" => $"Nothing drives the bus at this position. {CableAdvice.CheckConnections} Run 'recoverykit scan' to see what answers where.",
        "signature" => "The device did not come out of reset as an ATAPI drive: a hard disk, or a dead drive still busy. Run 'recoverykit scan'; a drive that runs only its boot code can still be flashed with 'recoverykit unbrick'.",
        "identify-packet-device" => "The drive refuses IDENTIFY PACKET DEVICE: it runs only its boot code (damaged firmware). Run 'recoverykit unbrick' to write its firmware again.",
        _ => "The drive answers but a packet command failed: try another disc (or none), then power-cycle the drive and run selftest again; 'recoverykit identify POSITION' shows what it says it is.",
    };
}

/// <summary>
/// A read-only conformance check of one device through any <see cref="IAtaRegisters"/> (real ports or the emulator):
/// bus presence, signature after SRST, IDENTIFY PACKET DEVICE, then over ATAPI PACKET: INQUIRY, REQUEST SENSE,
/// TEST UNIT READY and, with a disc, READ(10) of LBA 0. Sends no vendor command and nothing that writes.
/// Timing comes from the registers' clock (wall time on hardware, virtual time in the emulator).
/// </summary>
public static class Selftest
{
    public static SelftestReport Run(IAtaRegisters registers, DeviceSelect device, AtaTimeouts? timeouts = null)
    {
        var host = new AtaHost(registers, timeouts);
        var checks = new List<SelftestCheck>();
        var report = new SelftestReport(host.Describe(device), checks);

        // 1. Something drives the bus at this position.
        host.Select(device);
        var status = registers.ReadAlternateStatus();
        if (status == 0xFF && !host.RegistersHoldValues(device))
        {
            checks.Add(new("bus", SelftestVerdict.Fail, "nothing answers (floating bus, status FFh)", "registers do not latch 55h/AAh"));
            SkipRest(checks, "bus", "no device");
            return report;
        }
        checks.Add(new("bus", SelftestVerdict.Pass, $"device present (status {status:X2}h)", $"alternate status {status:X2}h"));

        // 2. Signature after a software reset (resets both devices on the channel; changes nothing stored).
        Signature signature;
        try
        {
            host.SoftReset(waitForMaster: false);
            host.Select(device);
            status = host.WaitNotBusy("selftest-signature", host.Timeouts.Reset, device);
            signature = host.ReadSignature();
        }
        catch (RecoveryKitException e)
        {
            checks.Add(Failed("signature", e));
            SkipRest(checks, "signature", "no signature");
            return report;
        }
        var sigDetail = $"SC/LBAL/LBAM/LBAH {signature}, status {status:X2}h";
        if (signature.IsAta)
        {
            checks.Add(new("signature", SelftestVerdict.Fail, "ATA hard disk signature (00h/00h): not a drive to flash", sigDetail));
            SkipRest(checks, "signature", "not an ATAPI device");
            return report;
        }
        if (!signature.IsAtapi)
        {
            checks.Add(new("signature", SelftestVerdict.Fail, $"unknown signature {signature.LbaMid:X2}h/{signature.LbaHigh:X2}h", sigDetail));
            SkipRest(checks, "signature", "no ATAPI signature");
            return report;
        }
        checks.Add(new("signature", SelftestVerdict.Pass, "ATAPI (14h/EBh)", sigDetail));

        // 3. IDENTIFY PACKET DEVICE.
        try
        {
            var id = host.Identify(device, AtaCommand.IdentifyPacketDevice);
            var idDetail = $"status {id.Status:X2}h, error {id.Error:X2}h";
            if (id.Outcome != IdentifyOutcome.Data || id.Data is null)
            {
                checks.Add(new("identify-packet-device", SelftestVerdict.Fail,
                    id.Outcome == IdentifyOutcome.Aborted ? "aborted" : "no response", idDetail));
                SkipRest(checks, "identify-packet-device", "IDENTIFY PACKET DEVICE failed");
                return report;
            }
            var verdict = id.Data.IsPacketDevice && id.Data.PacketDeviceType == 5 ? SelftestVerdict.Pass : SelftestVerdict.Warn;
            checks.Add(new("identify-packet-device", verdict, $"{id.Data.Model} {id.Data.Revision}".Trim(),
                $"serial '{id.Data.Serial}', packet device type {id.Data.PacketDeviceType:X2}h" + (verdict == SelftestVerdict.Warn ? " (not CD/DVD)" : "") + $", {idDetail}"));
        }
        catch (RecoveryKitException e)
        {
            checks.Add(Failed("identify-packet-device", e));
            SkipRest(checks, "identify-packet-device", "IDENTIFY PACKET DEVICE failed");
            return report;
        }

        // 4..7. Packet commands.
        RunPacketChecks(new AtaPacketHost(host, device), checks);
        return report;
    }

    /// <summary>
    /// The same table for a drive behind an OS pass-through (SG_IO, SPTI), where there are no registers to look at:
    /// IDENTIFY PACKET DEVICE through ATA PASS-THROUGH(16), then the packet checks.
    /// </summary>
    /// <remarks>Raw registers use <see cref="Run"/>: ATAPI packets are 12 bytes and cannot carry the 16-byte pass-through.</remarks>
    public static SelftestReport RunPacket(IPacketTransport transport)
    {
        if (transport is AtaPacketHost)
            throw new ArgumentException("a drive on raw registers is tested with Selftest.Run, which has its own IDENTIFY", nameof(transport));
        var checks = new List<SelftestCheck>
        {
            new("bus", SelftestVerdict.Skipped, "not visible through a pass-through", "the operating system owns the bus"),
            new("signature", SelftestVerdict.Skipped, "not visible through a pass-through", "the operating system owns the bus"),
        };
        try
        {
            var id = Packet.AtaPassThrough.IdentifyPacketDevice(transport, out var sense);
            checks.Add(id is null
                ? new("identify-packet-device", SelftestVerdict.Warn, "the SCSI/ATA layer does not pass ATA commands (USB bridge?)",
                    sense?.ToString() ?? "CHECK CONDITION without sense")
                : new("identify-packet-device", id.IsPacketDevice && id.PacketDeviceType == 5 ? SelftestVerdict.Pass : SelftestVerdict.Warn,
                    $"{id.Model} {id.Revision}".Trim(), $"serial '{id.Serial}', packet device type {id.PacketDeviceType:X2}h, via ATA PASS-THROUGH(16)"));
        }
        catch (RecoveryKitException e)
        {
            checks.Add(Failed("identify-packet-device", e));
        }
        RunPacketChecks(transport, checks);
        return new SelftestReport(transport.Describe, checks);
    }

    private static void RunPacketChecks(IPacketTransport packets, List<SelftestCheck> checks)
    {
        if (!Step(checks, "inquiry", () =>
            {
                var q = ScsiCommands.Inquiry(packets);
                return new(q.IsOpticalDrive ? SelftestVerdict.Pass : SelftestVerdict.Warn,
                    $"{q.Vendor} {q.Product} {q.Revision}".Trim(),
                    $"peripheral device type {q.PeripheralType:X2}h" + (q.IsOpticalDrive ? " (CD/DVD)" : " (not CD/DVD)"));
            }))
        {
            SkipRest(checks, "inquiry", "packet commands fail");
            return;
        }

        Step(checks, "request-sense", () =>
        {
            var sense = ScsiCommands.RequestSense(packets);
            return new(SelftestVerdict.Pass, sense.SenseKey == 0 ? "no pending sense" : sense.KeyName, sense.ToString());
        });

        var mediumReady = false;
        Step(checks, "test-unit-ready", () =>
        {
            var r = ScsiCommands.TestUnitReady(packets);
            mediumReady = r.IsGood;
            return r.IsGood
                ? new(SelftestVerdict.Pass, "ready, disc present", "GOOD")
                : new(SelftestVerdict.Pass, r.Sense?.Description ?? "not ready", r.Sense?.ToString() ?? "CHECK CONDITION without sense");
        });

        if (!mediumReady)
        {
            checks.Add(new("read-lba-0", SelftestVerdict.Skipped, "no readable disc", "TEST UNIT READY did not report GOOD"));
            return;
        }
        Step(checks, "read-lba-0", () =>
        {
            var block = new byte[2048];
            var r = ScsiCommands.Read10(packets, 0, 1, block);
            return r.IsGood
                ? new(r.Transferred == block.Length ? SelftestVerdict.Pass : SelftestVerdict.Warn, $"{r.Transferred} bytes", $"first bytes {Convert.ToHexString(block, 0, 8)}")
                : new(SelftestVerdict.Fail, r.Sense?.Description ?? "CHECK CONDITION", r.Sense?.ToString() ?? "no sense");
        });
    }

    private static readonly string[] Order =
        ["bus", "signature", "identify-packet-device", "inquiry", "request-sense", "test-unit-ready", "read-lba-0"];

    private static bool Step(List<SelftestCheck> checks, string name, Func<(SelftestVerdict Verdict, string Result, string Detail)> run)
    {
        try
        {
            var (verdict, result, detail) = run();
            checks.Add(new(name, verdict, result, detail));
            return verdict != SelftestVerdict.Fail;
        }
        catch (RecoveryKitException e)
        {
            checks.Add(Failed(name, e));
            return false;
        }
    }

    private static SelftestCheck Failed(string name, RecoveryKitException e) =>
        new(name, SelftestVerdict.Fail, e.Failure.Cause, e.Failure.ToString());

    private static void SkipRest(List<SelftestCheck> checks, string after, string why)
    {
        foreach (var name in Order.SkipWhile(n => n != after).Skip(1))
            checks.Add(new(name, SelftestVerdict.Skipped, why, $"skipped because '{after}' failed"));
    }
}
