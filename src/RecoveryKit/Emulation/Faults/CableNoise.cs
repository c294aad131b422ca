using RecoveryKit.Ata;

namespace RecoveryKit.Emulation.Faults;

/// <summary>
/// A noisy IDE cable on one task-file register: each access to it (read, write or both) has a seeded chance of
/// arriving with one bit flipped. Deterministic for a given seed and access sequence.
/// </summary>
public sealed class CableNoise : IWireFault
{
    private readonly Random _random;

    /// <param name="register">The register whose line is noisy.</param>
    /// <param name="probability">Chance per access that one bit flips (0 counts accesses without flipping).</param>
    /// <param name="seed">Seed of every random choice.</param>
    /// <param name="onReads">Flip values read from the drive.</param>
    /// <param name="onWrites">Flip values written to the drive.</param>
    public CableNoise(TaskFileRegister register, double probability, int seed, bool onReads = true, bool onWrites = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(probability);
        Register = register;
        Probability = probability;
        OnReads = onReads;
        OnWrites = onWrites;
        _random = new Random(seed);
    }

    public TaskFileRegister Register { get; }
    public double Probability { get; set; }
    public bool OnReads { get; }
    public bool OnWrites { get; }

    /// <summary>Accesses to <see cref="Register"/> seen (in the enabled directions).</summary>
    public long Accesses { get; private set; }

    /// <summary>Values altered so far.</summary>
    public long Flips { get; private set; }

    public byte OnRead(ChannelAddress channel, TaskFileRegister register, byte value) =>
        OnReads && register == Register ? Maybe(value) : value;

    public byte OnWrite(ChannelAddress channel, TaskFileRegister register, byte value) =>
        OnWrites && register == Register ? Maybe(value) : value;

    private byte Maybe(byte value)
    {
        Accesses++;
        if (Probability <= 0 || _random.NextDouble() >= Probability)
            return value;
        Flips++;
        return (byte)(value ^ (1 << _random.Next(8)));
    }
}
