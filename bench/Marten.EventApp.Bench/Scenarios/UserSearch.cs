using Marten.EventApp.Bench.Harness;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace Marten.EventApp.Bench.Scenarios;

// 4c: GET /api/users/search's query (first page and total) at each user count; the terms range from matching one
// user to a fragment shared by many names.
public sealed class UserSearch : IScenario
{
    private const int LoadBatch = 50_000;

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
            await LoadUsersAsync(context, store, loaded, size, ct);
            loaded = size;
            await context.ExecuteAsync($"analyze {context.Schema("search")}.mt_doc_userdetails", ct);

            await context.SettleAsync(ct);
            var (search, matched) = await MeasureAsync(context, store, Terms(size), async (term, session) =>
            {
                var result = await FindUsersEndpoint.Search(term, 20, 0, session, store, ct);
                if (result.Result is not Ok<UserSearchResult> ok)
                    throw new InvalidOperationException("search was refused");
                return ok.Value!.Total;
            });
            rows.Add(new ResultRow($"{Id}.{size}", $"User search at {size:N0} users (page of 20 + total)")
            {
                P50Ms = search.P50,
                P99Ms = search.P99,
                Note = $"{search.Count} searches, {matched:N0} matches on average",
                Targets = size >= 100_000 ? [Target.P99AtMost(20)] : []
            });

            var (lookup, listed) = await MeasureAsync(context, store, await EmailTermsAsync(context, store, size, ct),
                async (term, session) =>
            {
                var result = await FindUsersEndpoint.ByEmail(term, 100, session, store, ct);
                if (result.Result is not Ok<IReadOnlyList<UserDetails>> ok)
                    throw new InvalidOperationException("lookup was refused");
                return ok.Value!.Count;
            });
            rows.Add(new ResultRow($"4e.{size}", $"Email lookup at {size:N0} users (up to 100 users)")
            {
                P50Ms = lookup.P50,
                P99Ms = lookup.P99,
                Note = $"{lookup.Count} lookups, {listed:N0} users listed on average",
                Targets = size >= 100_000 ? [Target.P99AtMost(20)] : []
            });
        }

        return rows;
    }

    private static async Task<(Latencies Latencies, double Average)> MeasureAsync(BenchContext context,
        IDocumentStore store, string[] terms,
        Func<string, IQuerySession, Task<long>> call)
    {
        long returned = 0; // warm-up and timed calls alike: halved below
        var perTerm = terms.ToDictionary(t => t, _ => new List<double>());
        var latencies = await Load.SequentialAsync(context.Settings.Samples, async i =>
        {
            var term = terms[i % terms.Length];
            var began = System.Diagnostics.Stopwatch.GetTimestamp();
            await using var session = store.QuerySession();
            Interlocked.Add(ref returned, await call(term, session));
            perTerm[term].Add(System.Diagnostics.Stopwatch.GetElapsedTime(began).TotalMilliseconds);
        });
        context.Log("  by term (p50 ms): " +
            string.Join(", ", perTerm.Select(p => $"'{p.Key}' {new Latencies(p.Value).P50:0.0}")));
        return (latencies, returned / (2.0 * latencies.Count));
    }

    private static string[] Terms(int users) =>
    [
        "Tanaka", "Sakura Garcia", $".{users / 2}@", "an", "Liam", "Okafor", "Mei Kim", $".{users / 3}@"
    ];

    // one user's email (its domain is the user's id), their number, a last name, a full name, the shared domain,
    // and two letters (too short for a trigram)
    private static async Task<string[]> EmailTermsAsync(BenchContext context, IDocumentStore store, int users,
        CancellationToken ct)
    {
        await using var query = context.DataSource.CreateCommand(
            $"select data ->> 'email' from {store.Options.Schema.For<UserDetails>(qualified: true)} " +
            "order by id limit 1");
        var email = (string)(await query.ExecuteScalarAsync(ct))!;
        return [email, $".{users / 2}@", "tanaka", "Sakura.Garcia", ".example", "an"];
    }

    // Bulk-copied as the inline projection writes them: a million registrations through the command path would take
    // the run. The trigram indexes are rebuilt after the load, which is faster and leaves no GIN pending list behind.
    private static async Task LoadUsersAsync(BenchContext context, IDocumentStore store, int from, int to,
        CancellationToken ct)
    {
        var schema = store.Options.DatabaseSchemaName;
        var table = store.Options.Schema.For<UserDetails>(qualified: false);
        var trigramIndexes = new List<(string Name, string Definition)>();
        await using (var query = context.DataSource.CreateCommand(
                         "select indexname, indexdef from pg_indexes where schemaname = $1 and tablename = $2 " +
                         "and indexdef like '%gin_trgm_ops%'"))
        {
            query.Parameters.AddWithValue(schema);
            query.Parameters.AddWithValue(table);
            await using var reader = await query.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) trigramIndexes.Add((reader.GetString(0), reader.GetString(1)));
        }

        foreach (var (name, _) in trigramIndexes) await context.ExecuteAsync($"drop index {schema}.{name}", ct);
        for (var first = from; first < to; first += LoadBatch)
        {
            var users = Enumerable.Range(first, Math.Min(LoadBatch, to - first))
                .Select(n => UserDetailsProjection.Create(
                    new JasperFx.Events.Event<UserRegistered>(Synthetic.Registered(n))))
                .ToList();
            await store.BulkInsertAsync(users, batchSize: 10_000, cancellation: ct); // inserts only: every id is new
        }

        foreach (var (_, definition) in trigramIndexes)
            await context.ExecuteAsync($"set maintenance_work_mem = '256MB'; {definition}", ct);
    }
}
