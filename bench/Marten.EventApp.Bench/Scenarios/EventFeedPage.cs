using Marten.EventApp.Bench.Harness;
using Marten.EventApp.Feeds;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace Marten.EventApp.Bench.Scenarios;

// 4d: GET /api/events's query, a page of the global feed from a random position
public sealed class EventFeedPage : IScenario
{
    public string Id => "4d";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var schema = context.Schema("app");
        var host = await context.ServiceHost(schema);
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var events = await context.ScalarAsync<long>($"select count(*) from {schema}.mt_events", ct);
        if (events < context.Settings.FeedEvents)
        {
            await SeedUsers.RegisterAsync(host.Services.GetRequiredService<Wolverine.IMessageBus>(),
                (int)(context.Settings.FeedEvents - events), ct);
            events = await context.ScalarAsync<long>($"select count(*) from {schema}.mt_events", ct);
        }

        var maxStart = Math.Max(0, events - EventFeedEndpoints.MaxBatch);
        await context.SettleAsync(ct);
        var samples = Math.Max(10, context.Settings.Samples / 3);
        var latencies = await Load.SequentialAsync(samples, async _ =>
        {
            await using var session = store.QuerySession();
            var page = await EventFeedEndpoints.All(Random.Shared.NextInt64(maxStart + 1), EventFeedEndpoints.MaxBatch,
                session, ct);
            if (page.Result is not Ok<EventPage> { Value.Events.Count: > 0 })
                throw new InvalidOperationException("empty feed page");
        });

        return
        [
            new ResultRow(Id, $"Global event feed, page of {EventFeedEndpoints.MaxBatch:N0} events")
            {
                P50Ms = latencies.P50, P99Ms = latencies.P99, Note = $"{latencies.Count} pages over {events:N0} events"
            }
        ];
    }
}
