using JasperFx.Events.Daemon;
using Marten.EventApp.EventBus;
using Marten.EventApp.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Wolverine;

namespace Marten.EventApp.Projections;

public sealed record SkippedEvent(Guid Id, string Projection, long EventSequence, string ExceptionType,
    string ExceptionMessage, DateTimeOffset SkippedAt);

public sealed record SkippedEventPage(IReadOnlyList<SkippedEvent> Events, int Total, int Page, int PageSize);

// Only the forwarder skips (an event it cannot put on the wire); projections pause rather than skip.
internal static class SkippedEventEndpoints
{
    public static async Task<Results<Ok<SkippedEventPage>, ProblemHttpResult>> List(
        string? projection, int? page, int? pageSize, IQuerySession session, CancellationToken ct)
    {
        if (Paging.Check(page, pageSize, 50, 500) is { } bad) return bad;
        var (number, size) = (page ?? 1, pageSize ?? 50);

        var query = session.Query<DeadLetterEvent>().Where(d => projection == null || d.ProjectionName == projection);
        var total = await query.CountAsync(ct);
        var events = await query.OrderByDescending(d => d.Timestamp).Skip((number - 1) * size).Take(size)
            .ToListAsync(ct);
        return TypedResults.Ok(new SkippedEventPage(events.Select(d =>
            new SkippedEvent(d.Id, d.ProjectionName, d.EventSequence,
            d.ExceptionType, d.ExceptionMessage, d.Timestamp)).ToList(), total, number, size));
    }

    public static async Task<Results<Ok<SkippedEvent>, ProblemHttpResult>> Retry(
        Guid id, IDocumentSession session, EventForwarder forwarder, IMessageBus bus, ILogger<EventForwarder> logger,
        CancellationToken ct)
    {
        if (await session.LoadAsync<DeadLetterEvent>(id, ct) is not { } skipped)
            return TypedResults.Problem("No skipped event with this id.", statusCode: StatusCodes.Status404NotFound,
                title: "Unknown skipped event");
        if (skipped.ProjectionName != EventForwarder.Name)
            return TypedResults.Problem(
                $"Events skipped by {skipped.ProjectionName} are not sent again one by one: rebuild it.",
                statusCode: StatusCodes.Status409Conflict, title: "Not retryable");

        var stored = await session.Events.QueryAllRawEvents().Where(e => e.Sequence == skipped.EventSequence)
            .SingleOrDefaultAsync(ct);
        if (stored is null)
            return TypedResults.Problem($"Event {skipped.EventSequence} is no longer in the store.",
                statusCode: StatusCodes.Status409Conflict, title: "Not retryable");
        try
        {
            await forwarder.ResendAsync(stored, bus, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Skipped event {Sequence} still cannot be sent", skipped.EventSequence);
            return TypedResults.Problem($"It still cannot be sent: {e.Message}",
                statusCode: StatusCodes.Status409Conflict, title: "Retry failed");
        }

        session.Delete(skipped);
        await session.SaveChangesAsync(ct);
        logger.LogInformation("Skipped event {Sequence} ({EventType}) sent again by an operator", stored.Sequence,
            stored.EventTypeName);
        return TypedResults.Ok(new SkippedEvent(skipped.Id, skipped.ProjectionName, skipped.EventSequence,
            skipped.ExceptionType,
            skipped.ExceptionMessage, skipped.Timestamp));
    }
}
