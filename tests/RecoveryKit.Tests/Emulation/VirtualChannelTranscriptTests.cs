using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.MediaTek;
using RecoveryKit.Tests.MediaTek;

namespace RecoveryKit.Tests.Emulation;

/// <summary>
/// A virtual channel records its accesses through its own hook (--transcript on a virtual bench), not through a
/// wrapper; the transcript must be what the host saw at the register seam, which the wrapper records by
/// construction — so the wrapper's transcript of the same session is the expected text.
/// </summary>
public sealed class VirtualChannelTranscriptTests
{
    private static (string Text, long Accesses, int Flips) Record(bool hook)
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        rig.EnterVendorMode();
        // A noisy cable changes values on their way: the host's written value and the value the host read are the
        // ones to record, not what the drive saw.
        var noise = new NoisyCable(11, 2e-3);
        rig.Channel.WireFault = noise;
        var text = new StringWriter();
        var writer = new TranscriptWriter(text, TranscriptFormat.Compact, pendingAccesses: 100);
        IAtaRegisters registers = rig.Channel;
        if (hook)
            rig.Channel.Transcript = writer;
        else
            registers = new RegisterTranscript(rig.Channel, writer);
        var chip = new FlashChip(new Mailbox(registers, rig.Device, rig.Profile), rig.Flash.Spec, rig.Clock);
        var buffer = new byte[1024];
        try
        {
            chip.Read(0x10000, buffer);
            chip.Read(0x10000, buffer);
            for (var i = 0; i < 64; i++)
                chip.ProgramByte((uint)(0x3000 + i), (byte)(0x40 + i));
            registers.WriteDeviceControl(0x02);
            _ = registers.ReadAlternateStatus();
            registers.WriteData(0x1234);
            _ = registers.ReadData();
        }
        catch (RecoveryKitException)
        {
            // The noise may end the session (the drive seems to leave vendor mode): the transcript must still agree.
        }
        writer.Complete();
        rig.Channel.Transcript = null;
        return (text.ToString(), writer.Accesses, noise.Flips);
    }

    [Fact]
    public void The_hook_records_exactly_what_the_wrapper_records_noisy_cable_included()
    {
        var wrapped = Record(hook: false);
        var hooked = Record(hook: true);

        Assert.True(wrapped.Flips > 0, "the cable noise changed nothing: the test would not tell the host's values from the drive's");
        Assert.True(wrapped.Accesses > 10_000, $"only {wrapped.Accesses} accesses recorded");
        Assert.Equal(wrapped.Accesses, hooked.Accesses);
        Assert.Equal(wrapped.Text, hooked.Text);
    }

    [Fact]
    public void A_channel_without_a_transcript_records_nothing_and_a_detached_one_stops()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        var writer = new TranscriptWriter(new StringWriter(), TranscriptFormat.Raw);

        _ = rig.Channel.Read(TaskFileRegister.StatusCommand);
        rig.Channel.Transcript = writer;
        _ = rig.Channel.Read(TaskFileRegister.StatusCommand);
        rig.Channel.Write(TaskFileRegister.Device, 0xA0);
        rig.Channel.Transcript = null;
        _ = rig.Channel.Read(TaskFileRegister.StatusCommand);

        Assert.Equal(2, writer.Accesses);
    }
}
