namespace Marten.EventApp.Bench.Harness;

// rates are per second, latencies in milliseconds
public sealed record ResultRow(string Id, string Name)
{
    public double? Rate { get; init; }
    public double? P50Ms { get; init; }
    public double? P99Ms { get; init; }
    public string Note { get; init; } = "";
    // compared with 1a, the raw-Npgsql ceiling measured in the same run
    public bool VersusCeiling { get; init; }
    public IReadOnlyList<Target> Targets { get; init; } = [];
    public long Errors { get; init; }
}

public sealed record Target(string Text, Func<ResultRow, double?, bool?> Check)
{
    public static Target RatioAtLeast(double ratio) =>
        new($"≥ {ratio:0.00} of 1a", (_, r) => r is null ? null : r >= ratio);

    public static Target RateAtLeast(double perSecond) =>
        new($"≥ {perSecond:N0}/s", (row, _) => row.Rate is null ? null : row.Rate >= perSecond);

    public static Target P99AtMost(double ms) =>
        new($"p99 ≤ {ms:0.##} ms", (row, _) => row.P99Ms is null ? null : row.P99Ms <= ms);
}
