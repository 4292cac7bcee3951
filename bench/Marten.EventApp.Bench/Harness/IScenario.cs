namespace Marten.EventApp.Bench.Harness;

/// <summary>
/// A scenario is one file: a public class with a parameterless constructor. The runner finds every
/// implementation and runs them in the order of their ids.
/// </summary>
public interface IScenario
{
    /// <summary>Sort key and filter key, e.g. "1a".</summary>
    string Id { get; }

    Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct);
}
