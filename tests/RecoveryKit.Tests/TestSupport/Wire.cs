using RecoveryKit.Ata;
using RecoveryKit.Emulation;
using RecoveryKit.Packet;

namespace RecoveryKit.Tests.TestSupport;

/// <summary>One virtual channel on its own clock, with the host over a recording decorator.</summary>
public sealed class Wire
{
    public Wire(VirtualDevice? master, VirtualDevice? slave = null, AtaTimeouts? timeouts = null)
    {
        Clock = new VirtualClock();
        Channel = new VirtualChannel(Clock, ChannelAddress.Secondary, master, slave);
        Recorder = new RecordingRegisters(Channel);
        Host = new AtaHost(Recorder, timeouts);
    }

    public VirtualClock Clock { get; }

    public VirtualChannel Channel { get; }

    public RecordingRegisters Recorder { get; }

    public AtaHost Host { get; }

    public AtaPacketHost Packet(DeviceSelect device = DeviceSelect.Master) => new(Host, device);

    public static VirtualAtapiDrive LiteOn() => SimScenarios.HealthyLiteOn();

    public static VirtualHardDisk Disk() => SimScenarios.HardDisk();

    /// <summary>Polls alternate status straight on the channel until BSY clears; fails the test if it never does.</summary>
    public byte SpinUntilNotBusy(int maxReads = 100_000)
    {
        for (var i = 0; i < maxReads; i++)
        {
            var status = Channel.ReadAlternateStatus();
            if ((status & (byte)AtaStatus.Busy) == 0)
                return status;
        }
        throw new Xunit.Sdk.XunitException($"BSY still set after {maxReads} reads");
    }

    /// <summary>Reads SC, LBA low, mid, high straight from the channel.</summary>
    public Signature SignatureOnWire() => new(
        Channel.Read(TaskFileRegister.SectorCount),
        Channel.Read(TaskFileRegister.LbaLow),
        Channel.Read(TaskFileRegister.LbaMid),
        Channel.Read(TaskFileRegister.LbaHigh));

    /// <summary>Overwrites the signature registers so a test can see the device put the signature back.</summary>
    public void ScribbleOverSignature()
    {
        Channel.Write(TaskFileRegister.SectorCount, 0x55);
        Channel.Write(TaskFileRegister.LbaLow, 0xAA);
        Channel.Write(TaskFileRegister.LbaMid, 0x12);
        Channel.Write(TaskFileRegister.LbaHigh, 0x34);
    }
}
