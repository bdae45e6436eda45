namespace Lakebase.Benchmarks.Measurement;

/// <summary>
/// Each batch's CPU time (ns per call) and allocated bytes, per side, over the measured rounds of
/// <see cref="PairedBatches.Run"/>.
/// </summary>
internal sealed record PairedSeries(double[] VariantNs, double[] BaselineNs, long VariantBytes, long BaselineBytes)
{
    /// <summary>Variant minus baseline, round by round, sorted (for median and quartiles).</summary>
    public double[] SortedDeltas() => [.. VariantNs.Zip(BaselineNs, (v, b) => v - b).Order()];
}

/// <summary>
/// A variant and its baseline in alternating batches, for a difference too small for either to show alone. Neighbouring
/// batches see the same background load, so the per-round difference cancels it; the order is swapped every round,
/// which cancels any first-of-the-pair advantage (a warmer cache, a fresher quantum).
/// </summary>
internal static class PairedBatches
{
    private const int WarmupRounds = 50;

    /// <param name="variant">Runs one batch of the variant: ns per call and bytes allocated.</param>
    /// <param name="baseline">Runs one batch of the baseline.</param>
    /// <param name="rounds">Measured rounds, after the warm-up.</param>
    /// <param name="warmedUp">Called once the warm-up is over, so a caller can reset what it counts per batch.</param>
    /// <param name="ct">Checked between rounds.</param>
    public static PairedSeries Run(
        Func<(double Ns, long Bytes)> variant, Func<(double Ns, long Bytes)> baseline, int rounds, Action? warmedUp = null, CancellationToken ct = default)
    {
        // Warm-up: tiered compilation and dynamic PGO settle before anything is recorded.
        for (var round = 0; round < WarmupRounds; round++)
        {
            _ = variant();
            _ = baseline();
        }

        warmedUp?.Invoke();

        var variantNs = new double[rounds];
        var baselineNs = new double[rounds];
        long variantBytes = 0, baselineBytes = 0;
        for (var round = 0; round < rounds; round++)
        {
            ct.ThrowIfCancellationRequested();
            var variantFirst = round % 2 == 0;
            var (firstNs, firstBytes) = variantFirst ? variant() : baseline();
            var (secondNs, secondBytes) = variantFirst ? baseline() : variant();
            (variantNs[round], baselineNs[round]) = variantFirst ? (firstNs, secondNs) : (secondNs, firstNs);
            variantBytes += variantFirst ? firstBytes : secondBytes;
            baselineBytes += variantFirst ? secondBytes : firstBytes;
        }

        return new PairedSeries(variantNs, baselineNs, variantBytes, baselineBytes);
    }
}
