namespace Marten.EventApp.Bench.Harness;

public static class AppendRow
{
    public static ResultRow From(string id, string name, LoadResult result, bool versusCeiling = true,
        params Target[] targets) =>
        new(id, name)
        {
            Rate = result.Rate,
            P50Ms = result.Latencies.P50,
            P99Ms = result.Latencies.P99,
            VersusCeiling = versusCeiling,
            Targets = targets,
            Errors = result.Errors,
            Note = result.ErrorNote
        };
}
