using RecoveryKit.Ata;

namespace RecoveryKit.Tests.TestSupport;

/// <summary>Which port an access went to.</summary>
public enum AccessKind
{
    Read,
    Write,
    ReadAlternateStatus,
    WriteDeviceControl,
    ReadData,
    WriteData,
}

/// <summary>One register access as the host made it, with the value that crossed the wire.</summary>
public readonly record struct RegisterAccess(AccessKind Kind, TaskFileRegister Register, ushort Value)
{
    public override string ToString() => $"{Kind} {Register} {Value:X2}";
}

/// <summary>
/// An <see cref="IAtaRegisters"/> decorator that records every access in order, so tests can assert the
/// sequence the host produced (and what the device answered) without changing the code under test.
/// </summary>
public sealed class RecordingRegisters(IAtaRegisters inner) : IAtaRegisters
{
    public IAtaRegisters Inner { get; } = inner;

    public List<RegisterAccess> Log { get; } = [];

    /// <summary>
    /// Accesses allowed before the test is failed as a runaway loop (a wait that never lets time pass would
    /// otherwise hang the suite). Deterministic: counts accesses, not wall time.
    /// </summary>
    public int AccessBudget { get; set; } = 5_000_000;

    public ChannelAddress Address => Inner.Address;

    public IClock Clock => Inner.Clock;

    private void Spend()
    {
        if (Log.Count >= AccessBudget)
            throw new Xunit.Sdk.XunitException($"runaway loop: more than {AccessBudget} register accesses; last: {Log[^1]}");
    }

    public byte Read(TaskFileRegister register)
    {
        Spend();
        var value = Inner.Read(register);
        Log.Add(new RegisterAccess(AccessKind.Read, register, value));
        return value;
    }

    public void Write(TaskFileRegister register, byte value)
    {
        Spend();
        Log.Add(new RegisterAccess(AccessKind.Write, register, value));
        Inner.Write(register, value);
    }

    public byte ReadAlternateStatus()
    {
        Spend();
        var value = Inner.ReadAlternateStatus();
        Log.Add(new RegisterAccess(AccessKind.ReadAlternateStatus, TaskFileRegister.StatusCommand, value));
        return value;
    }

    public void WriteDeviceControl(byte value)
    {
        Spend();
        Log.Add(new RegisterAccess(AccessKind.WriteDeviceControl, TaskFileRegister.StatusCommand, value));
        Inner.WriteDeviceControl(value);
    }

    public ushort ReadData()
    {
        Spend();
        var value = Inner.ReadData();
        Log.Add(new RegisterAccess(AccessKind.ReadData, TaskFileRegister.Data, value));
        return value;
    }

    public void WriteData(ushort value)
    {
        Spend();
        Log.Add(new RegisterAccess(AccessKind.WriteData, TaskFileRegister.Data, value));
        Inner.WriteData(value);
    }

    public void ReadData(Span<ushort> words)
    {
        for (var i = 0; i < words.Length; i++)
            words[i] = ReadData();
    }

    public void WriteData(ReadOnlySpan<ushort> words)
    {
        foreach (var word in words)
            WriteData(word);
    }

    /// <summary>Number of reads of any 8-bit register (status, alternate status and the rest).</summary>
    public int ByteReads => Log.Count(a => a.Kind is AccessKind.Read or AccessKind.ReadAlternateStatus);

    /// <summary>The byte counts the device offered in each DRQ data block, as the host read them (LBA mid, then LBA high).</summary>
    public List<int> DataBlockByteCounts()
    {
        var counts = new List<int>();
        for (var i = 0; i + 1 < Log.Count; i++)
        {
            if (Log[i] is { Kind: AccessKind.Read, Register: TaskFileRegister.LbaMid } low
                && Log[i + 1] is { Kind: AccessKind.Read, Register: TaskFileRegister.LbaHigh } high)
                counts.Add(low.Value | (high.Value << 8));
        }
        return counts;
    }
}
