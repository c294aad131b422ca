using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Tests.MediaTek;

/// <summary>Item 7: the intro and chip identification, write for write, against PROTOCOL.md §3–§5.</summary>
public sealed class ConformanceTests
{
    // Built from PROTOCOL.md's text, not from the code.
    // §3: DEV ← A0 (master), LBA low ← 2A, command ← 80.
    // §4 write one byte at A: SC ← 15; LBAH ← A[15:8]; LBAM ← A[7:0]; (poll); LBAL ← data; SC ← 20; SC ← 40; SC ← 42; SC ← 01.
    // §4 read one byte at A:  SC ← 15; LBAH ← A[15:8]; LBAM ← A[7:0]; (poll); SC ← 20; SC ← 08; (read LBAL).
    // §5 identification order: ID exit (5555←AA, 2AAA←55, 5555←F0), ID entry (5555←AA, 2AAA←55, 5555←90), reads at 0, 1, 3.
    private static List<string> ExpectedIntroAndId()
    {
        var expected = new List<string> { "W 1F6 A0", "W 1F3 2A", "W 1F7 80" };
        (int Address, int Data)[] cycles = [(0x5555, 0xAA), (0x2AAA, 0x55), (0x5555, 0xF0), (0x5555, 0xAA), (0x2AAA, 0x55), (0x5555, 0x90)];
        foreach (var (address, data) in cycles)
        {
            expected.Add("W 1F2 15");
            expected.Add($"W 1F5 {address >> 8:X2}");
            expected.Add($"W 1F4 {address & 0xFF:X2}");
            expected.Add($"W 1F3 {data:X2}");
            expected.Add("W 1F2 20");
            expected.Add("W 1F2 40");
            expected.Add("W 1F2 42");
            expected.Add("W 1F2 01");
        }
        foreach (var address in new[] { 0, 1, 3 })
        {
            expected.Add("W 1F2 15");
            expected.Add("W 1F5 00");
            expected.Add($"W 1F4 {address:X2}");
            expected.Add("W 1F2 20");
            expected.Add("W 1F2 08");
        }
        return expected;
    }

    /// <summary>Writes only, dropping writes to the device register that do not change its value (§4 note).</summary>
    private static List<string> Significant(IEnumerable<RegisterAccess> accesses)
    {
        var result = new List<string>();
        int? device = null;
        foreach (var access in accesses.Where(a => a.IsWrite))
        {
            if (access.Port == 0x1F6)
            {
                if (device == access.Value)
                    continue;
                device = access.Value;
            }
            result.Add(access.ToString());
        }
        return result;
    }

    [Fact]
    public void Intro_and_chip_identification_on_primary_master_write_exactly_the_MtkFlash_sequence()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s", position: DevicePosition.PrimaryMaster);
        var transcript = new RegisterTranscript(rig.Channel, null);
        var host = new AtaHost(transcript);
        var target = FlashTarget.Acquire(host, DeviceSelect.Master, rig.Profile, "primary master");
        var before = transcript.Accesses.Count;

        var intro = new VendorMode(target).SendIntro(0x2A);
        var id = FlashChip.ReadId(new Mailbox(transcript, DeviceSelect.Master, rig.Profile));

        Assert.True(intro.Entered);
        Assert.Equal((byte)0xBF, id.Manufacturer);
        Assert.Equal((byte)0xD8, id.Device);
        var actual = Significant(transcript.Accesses.Skip(before));
        var expected = ExpectedIntroAndId();
        Assert.Equal(3 + (6 * 8) + (3 * 5), expected.Count);
        for (var i = 0; i < Math.Min(expected.Count, actual.Count); i++)
            Assert.True(expected[i] == actual[i], $"write #{i}: expected {expected[i]}, sent {actual[i]}");
        Assert.Equal(expected.Count, actual.Count);
    }

    [Fact]
    public void Every_mailbox_write_polls_status_between_the_address_and_the_data_byte()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        var (_, _) = rig.EnterVendorMode();
        var transcript = new RegisterTranscript(rig.Channel, null);

        new Mailbox(transcript, DeviceSelect.Master, rig.Profile).Write(0x1234, 0x5A);

        var lines = transcript.Accesses.Select(a => a.ToString()).ToList();
        var lbam = lines.IndexOf("W 1F4 34");
        var data = lines.IndexOf("W 1F3 5A");
        Assert.True(lbam >= 0 && data > lbam, string.Join(", ", lines));
        Assert.Contains(lines.Skip(lbam).Take(data - lbam), l => l.StartsWith("R 1F7 ", StringComparison.Ordinal));
    }
}
