using Marten.EventApp.Bench.Harness;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace Marten.EventApp.Bench.Scenarios;

/// <summary>
/// 4c: GET /api/users/search's query (first page of 20 and the total) at each user count. Terms cycle through a
/// name (about 1 in 40 users), a full name (1 in 1,600), one user's number (1 user) and a fragment shared by
/// many names ("an": about 1 in 4).
/// </summary>
public sealed class UserSearch : IScenario
{
    private const int LoadBatch = 1_000;

    public string Id => "4c";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var host = await context.ServiceHost(context.Schema("search"));
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var rows = new List<ResultRow>();
        var loaded = 0;

        foreach (var size in context.Settings.SearchSizes)
        {
            context.Log($"  loading users {loaded:N0} -> {size:N0}");
            await LoadUsersAsync(store, loaded, size, ct);
            loaded = size;
            await context.ExecuteAsync($"analyze {context.Schema("search")}.mt_doc_userdetails", ct);

            await context.SettleAsync(ct);
            var terms = Terms(size);
            long matched = 0;
            var perTerm = terms.ToDictionary(t => t, _ => new List<double>());
            var latencies = await Load.SequentialAsync(context.Settings.Samples, async i =>
            {
                var term = terms[i % terms.Length];
                var began = System.Diagnostics.Stopwatch.GetTimestamp();
                await using var session = store.QuerySession();
                var result = await FindUsersEndpoint.Search(term, 20, 0, session, store, ct);
                if (result.Result is not Ok<UserSearchResult> ok) throw new InvalidOperationException("search was refused");
                Interlocked.Add(ref matched, ok.Value!.Total);
                perTerm[term].Add(System.Diagnostics.Stopwatch.GetElapsedTime(began).TotalMilliseconds);
            });
            context.Log("  by term (p50 ms): " + string.Join(", ", perTerm.Select(p => $"'{p.Key}' {new Latencies(p.Value).P50:0.0}")));

            rows.Add(new ResultRow($"{Id}.{size}", $"User search at {size:N0} users (page of 20 + total)")
            {
                P50Ms = latencies.P50,
                P99Ms = latencies.P99,
                Note = $"{latencies.Count} searches, {matched / (2.0 * latencies.Count):N0} matches on average",
                Targets = size >= 100_000 ? [Target.P99AtMost(20)] : []
            });
        }

        return rows;
    }

    private static string[] Terms(int users) =>
    [
        "Tanaka", "Sakura Garcia", $".{users / 2}@", "an", "Liam", "Okafor", "Mei Kim", $".{users / 3}@"
    ];

    /// <summary>Registration events for users [from, to), a thousand per transaction; the inline projection writes UserDetails.</summary>
    private static Task LoadUsersAsync(IDocumentStore store, int from, int to, CancellationToken ct) =>
        Load.ParallelAsync((to - from + LoadBatch - 1) / LoadBatch, 2, async (batch, token) =>
        {
            await using var session = store.LightweightSession();
            var first = from + batch * LoadBatch;
            for (var n = first; n < Math.Min(first + LoadBatch, to); n++)
            {
                var e = Synthetic.Registered(n);
                session.Events.StartStream<User>(e.UserId, e);
            }

            await session.SaveChangesAsync(token);
        }, ct);
}
