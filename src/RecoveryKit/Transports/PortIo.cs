using System.Runtime.InteropServices;
using RecoveryKit.Ata;
using RecoveryKit.Diagnostics;
using RecoveryKit.Transports.Native;

namespace RecoveryKit.Transports;

/// <summary>State of the kernel lockdown LSM, from /sys/kernel/security/lockdown.</summary>
public enum KernelLockdown
{
    /// <summary>The file is missing or unreadable: no lockdown LSM, or securityfs not mounted.</summary>
    Unknown,
    /// <summary>"[none]": raw port access is allowed.</summary>
    None,
    /// <summary>"[integrity]": ioperm/iopl and /dev/port are refused (usually Secure Boot).</summary>
    Integrity,
    /// <summary>"[confidentiality]": stricter still; port access refused.</summary>
    Confidentiality,
}

/// <summary>
/// Opens an IDE channel for raw port I/O on Linux x86, checking in order: Linux, x86, root, kernel lockdown,
/// then ioperm for the command block (8 ports) and the control port. Every refusal is a typed
/// <see cref="FailureKind.Environment"/> failure with advice.
/// </summary>
public static class PortIo
{
    /// <summary>Where the kernel publishes its lockdown mode.</summary>
    public const string LockdownPath = "/sys/kernel/security/lockdown";

    /// <summary>Ports in the command block (base+0..+7).</summary>
    public const ushort CommandBlockPorts = 8;

    private const string Stage = "port-io";

    private const string BootStickAdvice =
        "boot the RecoveryKit stick (Secure Boot off, lockdown=none), which gives raw port access as root";

    /// <summary>
    /// Checks the environment and grants access to <paramref name="address"/>; throws <see cref="RecoveryKitException"/>
    /// (<see cref="FailureKind.Environment"/>) when the machine does not allow it.
    /// </summary>
    public static PortIoRegisters Open(ChannelAddress address, IPortIoPlatform? platform = null, IClock? clock = null)
    {
        platform ??= LinuxPortIoPlatform.Instance;
        clock ??= SystemClock.Instance;

        if (!platform.IsLinux)
            throw Refuse(
                "raw IDE port access is implemented for Linux only",
                "boot the RecoveryKit stick; on Windows only drives that still enumerate can be reached, through --backend spti");

        var arch = platform.ProcessArchitecture;
        if (arch is not (Architecture.X64 or Architecture.X86))
            throw Refuse(
                $"this is a {arch} machine: IDE task-file ports need the x86 in/out instructions",
                "run RecoveryKit on an x86 PC with the drive on its IDE/PATA channel (or a PATA card)");

        var euid = platform.EffectiveUserId;
        if (euid != 0)
            throw Refuse(
                $"raw port access needs root, and this process runs as uid {euid}",
                "run it again as root (sudo recoverykit …), or boot the RecoveryKit stick where it already runs as root");

        var lockdown = ReadLockdown(platform);
        if (lockdown is KernelLockdown.Integrity or KernelLockdown.Confidentiality)
            throw Refuse(
                $"kernel lockdown is active ({lockdown.ToString().ToLowerInvariant()}): the kernel refuses ioperm to everyone, root included",
                "turn Secure Boot off in the firmware setup, or boot with lockdown=none on the kernel command line, or " + BootStickAdvice);

        return new PortIoRegisters(
            address,
            platform.Bus,
            clock,
            grant: () => Grant(platform, address, lockdown),
            release: () =>
            {
                platform.SetPortPermission(address.ControlBase, 1, false);
                platform.SetPortPermission(address.CommandBase, CommandBlockPorts, false);
            });
    }

    /// <summary>
    /// Parses the lockdown file, whose active mode is the bracketed word: "none [integrity] confidentiality".
    /// </summary>
    public static KernelLockdown ParseLockdown(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return KernelLockdown.Unknown;
        var open = text.IndexOf('[');
        var close = open < 0 ? -1 : text.IndexOf(']', open + 1);
        if (open < 0 || close < 0)
            return KernelLockdown.Unknown;
        return text[(open + 1)..close].Trim() switch
        {
            "none" => KernelLockdown.None,
            "integrity" => KernelLockdown.Integrity,
            "confidentiality" => KernelLockdown.Confidentiality,
            _ => KernelLockdown.Unknown,
        };
    }

    /// <summary>The current lockdown mode as <paramref name="platform"/> reports it.</summary>
    public static KernelLockdown ReadLockdown(IPortIoPlatform? platform = null) =>
        ParseLockdown((platform ?? LinuxPortIoPlatform.Instance).ReadTextFile(LockdownPath));

    /// <summary>ioperm for the command block and the control port, on the calling thread; all or nothing.</summary>
    private static void Grant(IPortIoPlatform platform, ChannelAddress address, KernelLockdown lockdown)
    {
        var cmdErrno = platform.SetPortPermission(address.CommandBase, CommandBlockPorts, true);
        if (cmdErrno != 0)
            throw IopermRefused(address.CommandBase, CommandBlockPorts, cmdErrno, lockdown);

        var ctlErrno = platform.SetPortPermission(address.ControlBase, 1, true);
        if (ctlErrno != 0)
        {
            platform.SetPortPermission(address.CommandBase, CommandBlockPorts, false);
            throw IopermRefused(address.ControlBase, 1, ctlErrno, lockdown);
        }
    }

    private static RecoveryKitException IopermRefused(ushort from, ushort count, int errno, KernelLockdown lockdown)
    {
        var range = count == 1 ? $"port 0x{from:X3}" : $"ports 0x{from:X3}-0x{from + count - 1:X3}";
        var cause = $"ioperm refused access to {range}: {Libc.Describe(errno)}";
        var advice = errno switch
        {
            Libc.ENOSYS =>
                "this kernel has no ioperm at all (a container sandbox, WSL, a VM without port passthrough or a non-PC kernel); " + BootStickAdvice,
            Libc.EPERM when lockdown == KernelLockdown.Unknown =>
                "the process lacks CAP_SYS_RAWIO (inside a container?) or kernel lockdown is active but not visible; "
                + "run as root on the bare machine, turn Secure Boot off, or " + BootStickAdvice,
            Libc.EPERM =>
                "the process lacks CAP_SYS_RAWIO (inside a container or a restricted sudo?); run as real root on the bare machine, or " + BootStickAdvice,
            Libc.EINVAL =>
                "the kernel rejected the port range; check the channel address (discovery lists the valid ones)",
            _ => BootStickAdvice,
        };
        return Refuse(cause, advice);
    }

    private static RecoveryKitException Refuse(string cause, string advice) =>
        new(FailureKind.Environment, Stage, cause, char.ToUpperInvariant(advice[0]) + advice[1..]);
}
