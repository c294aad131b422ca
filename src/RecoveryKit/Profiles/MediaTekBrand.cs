namespace RecoveryKit.Profiles;

/// <summary>
/// A brand whose optical drives carry MediaTek chipsets (drives.json's <c>mediatekBrands</c>). A drive of such a brand
/// on the cable of the drive being recovered may take the vendor intro and the mailbox writes meant for it
/// (PROTOCOL.md §9, [F myce 55998]).
/// </summary>
/// <param name="Name">The brand in words ("Lite-On").</param>
/// <param name="Vendors">How its drives name themselves: the INQUIRY vendor, or the first word of the IDENTIFY model.</param>
/// <param name="Grade">The evidence that this brand's drives are MediaTek-based (V, V-dec, F, D, R).</param>
/// <param name="Note">Where that evidence comes from.</param>
public sealed record MediaTekBrand(string Name, IReadOnlyList<string> Vendors, string Grade, string? Note)
{
    /// <summary>
    /// Whether an INQUIRY vendor (e.g. "LITE-ON ") or an IDENTIFY PACKET DEVICE model (e.g. "LITE-ON LTR-52327S") names
    /// this brand: the vendor field equals one of <see cref="Vendors"/>, or the model starts with one followed by a space.
    /// Letter case and padding do not matter.
    /// </summary>
    public bool Matches(string? vendor, string? model)
    {
        var v = vendor?.Trim();
        var m = model?.Trim();
        foreach (var name in Vendors)
        {
            if (!string.IsNullOrEmpty(v) && string.Equals(v, name, StringComparison.OrdinalIgnoreCase))
                return true;
            if (!string.IsNullOrEmpty(m) && m.StartsWith(name + " ", StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    public override string ToString() => $"{Name} [{Grade}]";
}
