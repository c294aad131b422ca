using System.Runtime.InteropServices;
using RecoveryKit.Transports.Native;

namespace RecoveryKit.Transports;

/// <summary>
/// Raw x86 port access: the in/out instructions behind <see cref="PortIoRegisters"/>.
/// Real hardware uses the native shim; tests use a recording bus to check which port each register maps to.
/// </summary>
public interface IPortBus
{
    byte InByte(ushort port);
    void OutByte(ushort port, byte value);
    ushort InWord(ushort port);
    void OutWord(ushort port, ushort value);
    /// <summary>rep insw: fills <paramref name="words"/> from <paramref name="port"/>.</summary>
    void InWords(ushort port, Span<ushort> words);
    /// <summary>rep outsw: writes all of <paramref name="words"/> to <paramref name="port"/>.</summary>
    void OutWords(ushort port, ReadOnlySpan<ushort> words);
}

/// <summary>
/// Everything <see cref="PortIo.Open(RecoveryKit.Ata.ChannelAddress, IPortIoPlatform?, RecoveryKit.Ata.IClock?)"/>
/// asks the operating system, so every refusal path can be tested without root or a PC.
/// </summary>
public interface IPortIoPlatform
{
    bool IsLinux { get; }

    Architecture ProcessArchitecture { get; }

    /// <summary>geteuid().</summary>
    uint EffectiveUserId { get; }

    /// <summary>Contents of a (sysfs/securityfs) text file, or null when it does not exist or cannot be read.</summary>
    string? ReadTextFile(string path);

    /// <summary>ioperm(from, count, on/off). Returns 0 on success, else the errno value.</summary>
    int SetPortPermission(ushort from, ushort count, bool enable);

    /// <summary>The bus to use once permission was granted.</summary>
    IPortBus Bus { get; }
}

/// <summary>The real machine: libc, the native shim and the real /sys.</summary>
public sealed class LinuxPortIoPlatform : IPortIoPlatform
{
    public static LinuxPortIoPlatform Instance { get; } = new();

    private LinuxPortIoPlatform()
    {
    }

    public bool IsLinux => OperatingSystem.IsLinux();

    public Architecture ProcessArchitecture => RuntimeInformation.ProcessArchitecture;

    public uint EffectiveUserId => Libc.GetEffectiveUserId();

    public string? ReadTextFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public int SetPortPermission(ushort from, ushort count, bool enable)
    {
        var rc = PortIoNative.Ioperm(from, count, enable ? 1 : 0);
        return rc == 0 ? 0 : Math.Max(1, Marshal.GetLastPInvokeError());
    }

    public IPortBus Bus => NativePortBus.Instance;
}

/// <summary>Port access through the shim's in/out instructions. Only valid for ports granted by ioperm.</summary>
internal sealed unsafe class NativePortBus : IPortBus
{
    public static NativePortBus Instance { get; } = new();

    public byte InByte(ushort port) => PortIoNative.InByte(port);

    public void OutByte(ushort port, byte value) => PortIoNative.OutByte(port, value);

    public ushort InWord(ushort port) => PortIoNative.InWord(port);

    public void OutWord(ushort port, ushort value) => PortIoNative.OutWord(port, value);

    public void InWords(ushort port, Span<ushort> words)
    {
        if (words.IsEmpty)
            return;
        fixed (ushort* p = words)
            PortIoNative.InWords(port, p, (uint)words.Length);
    }

    public void OutWords(ushort port, ReadOnlySpan<ushort> words)
    {
        if (words.IsEmpty)
            return;
        fixed (ushort* p = words)
            PortIoNative.OutWords(port, p, (uint)words.Length);
    }
}
