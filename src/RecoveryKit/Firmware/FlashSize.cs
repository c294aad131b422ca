namespace RecoveryKit.Firmware;

/// <summary>The whole-flash sizes a MediaTek drive image can have (PROTOCOL.md §7: 128 KiB … 2 MiB).</summary>
public static class FlashSize
{
    /// <summary>One 64 KiB bank, the window the 8032 core sees the flash through (PROTOCOL.md §4).</summary>
    public const int Bank = 0x10000;

    /// <summary>The smallest erase unit on the 4 KiB-sector chips in the chip table; used to report differences.</summary>
    public const int Sector = 0x1000;

    /// <summary>Valid image sizes, smallest first.</summary>
    public static IReadOnlyList<int> Valid { get; } = [0x20000, 0x40000, 0x80000, 0x100000, 0x200000];

    /// <summary>The largest valid size (2 MiB).</summary>
    public static int Largest => Valid[^1];

    public static bool IsValid(long size) => size > 0 && size <= int.MaxValue && Valid.Contains((int)size);

    /// <summary>The smallest valid size that holds <paramref name="size"/> bytes, or null when nothing is big enough.</summary>
    public static int? RoundUp(long size)
    {
        foreach (var valid in Valid)
        {
            if (size <= valid)
                return valid;
        }
        return null;
    }

    /// <summary>"128 KiB", "1 MiB", or the byte count for other sizes.</summary>
    public static string Describe(long size)
    {
        if (size >= 0x100000 && size % 0x100000 == 0)
            return $"{size / 0x100000} MiB";
        if (size >= 0x400 && size % 0x400 == 0)
            return $"{size / 0x400} KiB";
        return $"{size} bytes";
    }

    /// <summary>"128 KiB, 256 KiB, 512 KiB, 1 MiB or 2 MiB".</summary>
    public static string DescribeValid()
    {
        var names = Valid.Select(v => Describe(v)).ToArray();
        return string.Join(", ", names[..^1]) + " or " + names[^1];
    }
}
