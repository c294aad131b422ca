namespace RecoveryKit.Firmware;

/// <summary>Where a family's images keep their INQUIRY vendor/product/revision strings.</summary>
public sealed record IdentityLocation(int? VendorAt, int? ProductAt, int? RevisionAt, Evidence Evidence)
{
    /// <summary>True when the strings sit at fixed offsets (BTC: 0x40BC/0x40C4/0x40D4 [V]).</summary>
    public bool IsFixed => VendorAt is not null && ProductAt is not null && RevisionAt is not null;

    /// <summary>The family keeps no fixed layout known to us: search the image for INQUIRY-like strings [R4].</summary>
    public static IdentityLocation Search(Evidence evidence) => new(null, null, null, evidence);

    public override string ToString() => IsFixed
        ? $"fixed: vendor 0x{VendorAt:X}, product 0x{ProductAt:X}, revision 0x{RevisionAt:X}"
        : "search for INQUIRY strings";
}
