namespace RecoveryKit.Ata;

/// <summary>
/// The four legacy IDE positions, numbered 1..4 as MtkFlash numbered them (PROTOCOL.md §1):
/// primary master, primary slave, secondary master, secondary slave.
/// </summary>
public enum DevicePosition
{
    PrimaryMaster = 1,
    PrimarySlave = 2,
    SecondaryMaster = 3,
    SecondarySlave = 4,
}

public static class DevicePositionExtensions
{
    public static IReadOnlyList<DevicePosition> All { get; } =
        [DevicePosition.PrimaryMaster, DevicePosition.PrimarySlave, DevicePosition.SecondaryMaster, DevicePosition.SecondarySlave];

    /// <summary>0 for the primary channel, 1 for the secondary.</summary>
    public static int ChannelIndex(this DevicePosition position) => position <= DevicePosition.PrimarySlave ? 0 : 1;

    public static DeviceSelect Device(this DevicePosition position) =>
        position is DevicePosition.PrimarySlave or DevicePosition.SecondarySlave ? DeviceSelect.Slave : DeviceSelect.Master;

    public static DevicePosition FromChannel(int channelIndex, DeviceSelect device) =>
        (DevicePosition)(1 + (channelIndex * 2) + (device == DeviceSelect.Slave ? 1 : 0));

    /// <summary>The kebab-case name used on the command line: "primary-master" … "secondary-slave".</summary>
    public static string Name(this DevicePosition position) => position switch
    {
        DevicePosition.PrimaryMaster => "primary-master",
        DevicePosition.PrimarySlave => "primary-slave",
        DevicePosition.SecondaryMaster => "secondary-master",
        DevicePosition.SecondarySlave => "secondary-slave",
        _ => throw new ArgumentOutOfRangeException(nameof(position)),
    };

    /// <summary>Words a technician reads: "secondary slave".</summary>
    public static string Words(this DevicePosition position) => position.Name().Replace('-', ' ');
}
