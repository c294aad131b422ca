using System.Runtime.InteropServices;
using RecoveryKit.Transports;
using RecoveryKit.Transports.Native;

namespace RecoveryKit.Tests.Transports;

/// <summary>
/// A fact that needs real x86 port access. xunit 2 has no dynamic skip, so the constructor probes the machine
/// (Linux, x86, root, then a real ioperm of the POST port 0x80 through the shim) and sets <see cref="FactAttribute.Skip"/>
/// with the reason when it is not allowed here. In the QEMU guest of the boot-media tests it runs for real.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PortIoFactAttribute : FactAttribute
{
    public PortIoFactAttribute()
    {
        var reason = ProbeRefusal();
        if (reason is not null)
            Skip = reason;
    }

    /// <summary>Null when ioperm works here, else why not.</summary>
    internal static string? ProbeRefusal()
    {
        if (!OperatingSystem.IsLinux())
            return "port I/O needs Linux";
        if (RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.X86))
            return $"port I/O needs x86, this is {RuntimeInformation.ProcessArchitecture}";
        var euid = Libc.GetEffectiveUserId();
        if (euid != 0)
            return $"port I/O needs root, tests run as uid {euid}";
        var lockdown = PortIo.ReadLockdown();
        if (lockdown is KernelLockdown.Integrity or KernelLockdown.Confidentiality)
            return $"kernel lockdown is {lockdown}";
        if (PortIoNative.Ioperm(0x80, 1, 1) != 0)
            return $"ioperm refused here: {Libc.Describe(Marshal.GetLastPInvokeError())}";
        PortIoNative.Ioperm(0x80, 1, 0);
        return null;
    }
}
