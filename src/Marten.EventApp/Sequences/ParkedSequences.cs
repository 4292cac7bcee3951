using Marten.EventApp.Operations;

namespace Marten.EventApp.Sequences;

/// <summary>What the sequences hold, per consumer, for the gauges and readiness.</summary>
internal static class ParkedSequences
{
    /// <summary>The parked messages' table, for the queries written in SQL (every batch and saga message asks, and
    /// nearly always finds nothing); created here where the schema is not applied at start-up.</summary>
    public static async Task<string> TableAsync(IDocumentStore store, CancellationToken ct)
    {
        await store.Storage.Database.EnsureStorageExistsAsync(typeof(ParkedMessage), ct);
        return store.Options.Schema.For<ParkedMessage>(qualified: true);
    }

    public static async Task<IReadOnlyList<ParkedCount>> CountAsync(IDocumentStore store, CancellationToken ct)
    {
        var table = await TableAsync(store, ct);
        await using var session = store.QuerySession();
        return await session.QueryAsync<ParkedCount>(
            $"""
             select json_build_object('consumer', consumer, 'sequences', count(distinct key), 'events', count(*),
                    'oldestSeconds', extract(epoch from clock_timestamp() - min((data ->> 'parkedAt')::timestamptz))::float8)
             from {table} group by consumer order by consumer
             """, ct);
    }
}
