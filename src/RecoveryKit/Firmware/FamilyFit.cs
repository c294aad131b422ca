namespace RecoveryKit.Firmware;

/// <summary>How well an image fits one known family.</summary>
/// <param name="Family">The family.</param>
/// <param name="ModelMatches">The image's identity strings name this family.</param>
/// <param name="SizeFits">The image size is one the family ships with.</param>
/// <param name="Valid">The family's validity rule accepts the image (see the rule's grade before trusting it).</param>
public sealed record FamilyFit(ImageFamily Family, bool ModelMatches, bool SizeFits, bool Valid)
{
    /// <summary>Size and validity both fit; the model may still differ (a cross-flash).</summary>
    public bool Fits => SizeFits && Valid;

    /// <summary>
    /// Every family the image names, or whose size and validity rule it satisfies (families with a fixed identity layout
    /// only when the strings are there), best first: model match, then full fit.
    /// </summary>
    public static IReadOnlyList<FamilyFit> Assess(FirmwareImage image) => Assess(image.Data.Span, image.Identity, ImageFamilies.All);

    public static IReadOnlyList<FamilyFit> Assess(ReadOnlySpan<byte> data, ImageIdentity identity, IReadOnlyList<ImageFamily> families)
    {
        var fits = new List<FamilyFit>();
        foreach (var family in families)
        {
            var model = ReferenceEquals(identity.Family, family) || family.Match(identity.Vendor, identity.Model);
            var size = family.FitsSize(data.Length);
            var valid = size && family.Validity.IsValid(data);
            // A fixed-layout family (BTC) keeps its strings at known offsets: without them the image is not one of its.
            if (model || (size && valid && !family.Identity.IsFixed))
                fits.Add(new FamilyFit(family, model, size, valid));
        }
        return fits.OrderByDescending(f => f.ModelMatches).ThenByDescending(f => f.Fits).ToArray();
    }
}
