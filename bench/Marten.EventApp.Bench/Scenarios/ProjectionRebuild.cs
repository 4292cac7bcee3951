using System.Diagnostics;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using Marten.EventApp.Analytics;
using Marten.EventApp.Bench.Harness;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Marten.EventApp.Bench.Scenarios;

// 7: each async projection rebuilt from scratch over a year of bulk-imported user events, with the daemon stopped
// so that nothing else runs meanwhile.
public sealed class ProjectionRebuild : IScenario
{
    private const int EventsPerUser = 4;
    public string Id => "7";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var schema = context.Schema("rebuild");
        var host = await context.ServiceHost(schema);
        try
        {
            var store = host.Services.GetRequiredService<IDocumentStore>();
            var daemon = host.Services.GetRequiredService<IProjectionCoordinator>().DaemonForMainDatabase();
            // nothing projects or forwards the import live: what is measured is the rebuild alone
            await daemon.StopAllAsync();
            var users = context.Settings.RebuildEvents / EventsPerUser;
            var imported = Stopwatch.StartNew();
            await ImportAsync(store, users, ct);
            context.Log($"  imported {users * EventsPerUser:N0} events in {imported.Elapsed.TotalSeconds:0.0} s");

            var rows = new List<ResultRow>();
            foreach (var projection in new[] { AnalyticsProjection.ProjectionName, nameof(UserStatistics) })
            {
                using var reading = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var readers = projection == AnalyticsProjection.ProjectionName ? ReadCountsAsync(context, schema,
                    reading.Token) : null;
                var rebuilt = Stopwatch.StartNew();
                await daemon.RebuildProjectionAsync(projection, TimeSpan.FromMinutes(10), ct);
                var seconds = rebuilt.Elapsed.TotalSeconds;
                await reading.CancelAsync();
                var seen = readers is null ? "" : $"; {await readers}";
                rows.Add(new ResultRow($"{Id}.{projection}",
                    $"Rebuild of {projection} over {users * EventsPerUser:N0} events")
                {
                    Rate = users * EventsPerUser / seconds,
                    Targets = [Target.RateAtLeast(20_000)],
                    Note = $"{seconds:0.0} s wall time{seen}"
                });
            }

            return rows;
        }
        finally
        {
            // its daemon stays stopped: the import must not become the next scenario's backlog
            await context.DisposeHostAsync(schema);
        }
    }

    internal static async Task ImportAsync(IDocumentStore store, int users, CancellationToken ct)
    {
        var registry = (IEventRegistry)((StoreOptions)store.Options).Events;
        var start = DateTimeOffset.UtcNow.AddDays(-365);
        var step = TimeSpan.FromDays(365) / Math.Max(1, users);
        const int chunk = 25_000;
        for (var first = 0; first < users; first += chunk)
        {
            var actions = new List<StreamAction>(chunk);
            for (var u = first; u < Math.Min(users, first + chunk); u++)
            {
                var at = start + step * u;
                var registered = Synthetic.Registered(u) with { RegisteredAt = at };
                var id = registered.UserId;
                var action = StreamAction.Start(registry, id, registered,
                    Renamed(id, registered.FirstName, "Ann", at.AddHours(1)),
                    Renamed(id, "Ann", "Bo", at.AddHours(2)),
                    u % 4 == 0 ? new UserDeactivated(id, "bench", "bench", at.AddHours(3)) : (object)Renamed(id, "Bo",
                        "Cy", at.AddHours(3)));
                action.AggregateType = typeof(UserDetails);
                actions.Add(action);
            }

            await store.BulkInsertEventsAsync(actions, 10_000, ct);
        }
    }

    // what a reader of the analytics sees while they are rebuilt
    private static async Task<string> ReadCountsAsync(BenchContext context, string schema, CancellationToken ct)
    {
        var times = new List<double>();
        var counts = new List<long>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var read = Stopwatch.StartNew();
                await using var command = context.DataSource.CreateCommand(
                    $"select coalesce(sum(count), 0)::bigint from {schema}.analytics_hourly");
                counts.Add((long)(await command.ExecuteScalarAsync(ct))!);
                times.Add(read.Elapsed.TotalMilliseconds);
                await Task.Delay(250, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }

        return times.Count == 0 ? "no read during the rebuild"
            : $"{times.Count} reads of the counts meanwhile (p99 {new Latencies(times).P99:0.0} ms) " +
              $"saw {counts.Min():N0} to {counts.Max():N0} events counted";
    }

    private static UserProfileUpdated Renamed(Guid id, string from, string to, DateTimeOffset at) =>
        new(id, new Dictionary<string, string?> { [ProfileFields.FirstName] = to },
            new Dictionary<string, string?> { [ProfileFields.FirstName] = from }, at);
}
