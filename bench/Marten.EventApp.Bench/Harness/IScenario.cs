namespace Marten.EventApp.Bench.Harness;

// The runner finds every implementation (public, parameterless constructor) and runs them in order of their ids.
public interface IScenario
{
    string Id { get; }

    Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct);
}
