using Marten.EventApp.Operations;

namespace Marten.EventApp.Sequences;

/// <summary>What the sequences hold, per consumer, for the gauges and readiness.</summary>
internal static class ParkedSequences
{
    public static async Task<IReadOnlyList<ParkedCount>> CountAsync(IDocumentStore store, CancellationToken ct)
    {
        // created here where the schema is not applied at start-up
        await store.Storage.Database.EnsureStorageExistsAsync(typeof(ParkedMessage), ct);
        await using var session = store.QuerySession();
        var table = store.Options.Schema.For<ParkedMessage>(qualified: true);
        return await session.QueryAsync<ParkedCount>(
            $"""
             select json_build_object('consumer', consumer, 'sequences', count(distinct key), 'events', count(*),
                    'oldestSeconds', extract(epoch from clock_timestamp() - min((data ->> 'parkedAt')::timestamptz))::float8)
             from {table} group by consumer order by consumer
             """, ct);
    }
}
