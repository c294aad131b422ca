namespace RecoveryKit.Firmware;

/// <summary>One 64 KiB bank in which two images differ.</summary>
/// <param name="Bank">Bank number (address / 64 KiB).</param>
/// <param name="BytesDiffering">How many bytes of the bank differ.</param>
/// <param name="Sectors">The 4 KiB sectors (absolute sector numbers, address / 4 KiB) that differ.</param>
public sealed record BankDifference(int Bank, int BytesDiffering, IReadOnlyList<int> Sectors)
{
    public int Start => Bank * FlashSize.Bank;
}

/// <summary>Where two images differ, by 64 KiB bank and 4 KiB sector (the units a flasher erases and reports).</summary>
public sealed record ImageDiff(int SizeA, int SizeB, int? FirstDifference, IReadOnlyList<BankDifference> Banks)
{
    public bool Identical => SizeA == SizeB && Banks.Count == 0;

    public int BytesDiffering => Banks.Sum(b => b.BytesDiffering);

    /// <summary>Compares the common length byte by byte; a size difference is reported by the sizes.</summary>
    public static ImageDiff Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var common = Math.Min(a.Length, b.Length);
        var banks = new List<BankDifference>();
        int? first = null;
        for (var bankStart = 0; bankStart < common; bankStart += FlashSize.Bank)
        {
            var length = Math.Min(FlashSize.Bank, common - bankStart);
            var bankA = a.Slice(bankStart, length);
            var bankB = b.Slice(bankStart, length);
            if (bankA.SequenceEqual(bankB))
                continue;
            var sectors = new List<int>();
            var bytes = 0;
            for (var sector = 0; sector < length; sector += FlashSize.Sector)
            {
                var n = Math.Min(FlashSize.Sector, length - sector);
                var sa = bankA.Slice(sector, n);
                var sb = bankB.Slice(sector, n);
                var mismatch = sa.CommonPrefixLength(sb);
                if (mismatch == n)
                    continue;
                first ??= bankStart + sector + mismatch;
                sectors.Add((bankStart + sector) / FlashSize.Sector);
                for (var i = mismatch; i < n; i++)
                {
                    if (sa[i] != sb[i])
                        bytes++;
                }
            }
            banks.Add(new BankDifference(bankStart / FlashSize.Bank, bytes, sectors));
        }
        if (first is null && a.Length != b.Length)
            first = common;
        return new ImageDiff(a.Length, b.Length, first, banks);
    }
}
