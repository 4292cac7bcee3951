using Marten.EventApp.Operations;

namespace Marten.EventApp.Sequences;

internal static class ParkedSequences
{
    // created here where the schema is not applied at start-up, for the hot queries written in SQL
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
                    'oldestSeconds',
                      extract(epoch from clock_timestamp() - min((data ->> 'parkedAt')::timestamptz))::float8)
             from {table} group by consumer order by consumer
             """, ct);
    }
}
