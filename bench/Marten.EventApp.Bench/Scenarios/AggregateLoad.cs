using Marten.EventApp.Bench.Harness;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Users;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Marten.EventApp.Bench.Scenarios;

// 4a: loading a user for a command as its stream grows: FetchForWriting<UserDetails>, the read every update and
// deactivation handler makes.
public sealed class AggregateLoad : IScenario
{
    private const int AppendBatch = 500;

    public string Id => "4a";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var host = await context.ServiceHost(context.Schema("app"));
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var bus = host.Services.GetRequiredService<IMessageBus>();
        var rows = new List<ResultRow>();

        foreach (var size in context.Settings.AggregateSizes)
        {
            var id = (await SeedUsers.RegisterAsync(bus, 1, ct))[0];
            for (var written = 1; written < size; written += AppendBatch)
            {
                await using var session = store.LightweightSession();
                var batch = Enumerable.Range(written, Math.Min(AppendBatch, size - written))
                    .Select(i => (object)new UserProfileUpdated(id,
                        new Dictionary<string, string?> { [ProfileFields.FirstName] = $"Name{i}" },
                        new Dictionary<string, string?> { [ProfileFields.FirstName] = $"Name{i - 1}" },
                        DateTimeOffset.UtcNow));
                session.Events.Append(id, batch.ToArray());
                await session.SaveChangesAsync(ct);
            }

            var samples = Math.Clamp(context.Settings.Samples * 100 / size, 10, context.Settings.Samples);
            await context.SettleAsync(ct);
            // the size written, and what onboarding appended meanwhile (its OnboardingCompleted)
            long expected;
            await using (var query = store.QuerySession()) expected = (await query.Events.FetchStreamStateAsync(id,
                ct))!.Version;
            if (expected < size) throw new InvalidOperationException(
                $"the stream holds {expected} events, fewer than the {size} written");
            var latencies = await Load.SequentialAsync(samples, async _ =>
            {
                await using var session = store.LightweightSession();
                var stream = await session.Events.FetchForWriting<UserDetails>(id, ct);
                if (stream.CurrentVersion != expected)
                    throw new InvalidOperationException($"expected version {expected}, got {stream.CurrentVersion}");
            });

            rows.Add(new ResultRow($"{Id}.{size}", $"Load a user aggregate of {size:N0} events (FetchForWriting)")
            {
                P50Ms = latencies.P50,
                P99Ms = latencies.P99,
                Note = $"{latencies.Count} loads",
                Targets = size >= 10_000 ? [Target.P99AtMost(50)] : []
            });
        }

        return rows;
    }
}
