using JasperFx.Events.Projections;
using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Marten.EventApp.Feeds;

public sealed record EventPage(IReadOnlyList<StoredEvent> Events, long NextPosition);

internal static class EventFeedEndpoints
{
    public const int MaxBatch = 1000;

    public static async Task<Results<Ok<EventPage>, ProblemHttpResult>> All(
        long? fromPosition, int? batchSize, IQuerySession session, CancellationToken ct)
    {
        if (fromPosition is < 0) return Problems.BadQuery("fromPosition must be 0 or more.");
        if (batchSize is < 1 or > MaxBatch) return Problems.BadQuery($"batchSize must be between 1 and {MaxBatch}.");

        var from = fromPosition ?? 0;
        // Sequence numbers are taken before commit, so a late commit can land below one already read; the high-water
        // mark passes a sequence only once everything below it is committed (or given up): paging up to it skips none.
        var highWater = await HighWaterMarkAsync(session, ct);
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.Sequence > from && e.Sequence <= highWater)
            .OrderBy(e => e.Sequence)
            .Take(batchSize ?? MaxBatch)
            .ToListAsync(ct);
        var page = events.Select(StoredEvent.From).ToList();
        return TypedResults.Ok(new EventPage(page, page.Count > 0 ? page[^1].Sequence : from));
    }

    private static Task<long> HighWaterMarkAsync(IQuerySession session, CancellationToken ct) =>
        session.DocumentStore.Advanced.ProjectionProgressFor(ShardName.HighWaterMarkFor(), token: ct);

    public static async Task<Results<Ok<IReadOnlyList<StoredEvent>>, ProblemHttpResult>> Stream(
        Guid id, long? fromVersion, int? limit, IQuerySession session, CancellationToken ct)
    {
        if (CheckStreamPage(fromVersion, limit) is { } bad) return bad;

        var events = await StreamEventsAsync(session, id, fromVersion, limit, ct);
        if (events.Count == 0 && await session.Events.FetchStreamStateAsync(id, ct) is null)
            return TypedResults.Problem(Rejection.NotFound("Stream").ToProblem());

        return TypedResults.Ok(events);
    }

    public static ProblemHttpResult? CheckStreamPage(long? fromVersion, int? limit) =>
        fromVersion is < 0 ? Problems.BadQuery("fromVersion must be 0 or more.")
        : limit is < 1 or > MaxBatch ? Problems.BadQuery($"limit must be between 1 and {MaxBatch}.")
        : null;

    public static async Task<IReadOnlyList<StoredEvent>> StreamEventsAsync(IQuerySession session, Guid id,
        long? fromVersion, int? limit, CancellationToken ct)
    {
        var from = fromVersion ?? 0;
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamId == id && e.Version > from)
            .OrderBy(e => e.Version)
            .Take(limit ?? MaxBatch)
            .ToListAsync(ct);
        return events.Select(StoredEvent.From).ToList();
    }
}
