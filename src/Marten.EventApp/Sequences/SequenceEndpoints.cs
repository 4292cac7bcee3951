using Marten.EventApp.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Wolverine;
using Wolverine.Marten.Publishing;
using Wolverine.Persistence.Durability;

namespace Marten.EventApp.Sequences;

public sealed record SequenceEvent(Guid EventId, string EventType, long Position, DateTimeOffset ParkedAt,
    string? ExceptionType,
    string? ExceptionMessage, DateTimeOffset? FailedAt)
{
    internal static SequenceEvent Of(ParkedMessage p) =>
        new(p.EventId, p.EventType, p.Position, p.ParkedAt, p.ExceptionType, p.ExceptionMessage, p.FailedAt);
}

public sealed record ParkedSequence(string Consumer, Guid Key, long Size, DateTimeOffset FirstParkedAt,
    DateTimeOffset LastParkedAt,
    SequenceEvent Head);

public sealed record SequencePage(IReadOnlyList<ParkedSequence> Sequences, long Total, int Page, int PageSize);

public sealed record SequenceEventPage(IReadOnlyList<SequenceEvent> Events, long Total, int Page, int PageSize);

public sealed record SequenceOperation(long Affected);

internal static class SequenceEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin/dead-letters/sequences").WithTags("Dead letters");
        group.MapGet("", List).WithName("ListSequences").ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("/{consumer}/{key:guid}", Events).WithName("GetSequence")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{consumer}/{key:guid}/replay", Replay).WithName("ReplaySequence")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{consumer}/{key:guid}/discard-head", DiscardHead).WithName("DiscardSequenceHead")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("/{consumer}/{key:guid}", Discard).WithName("DiscardSequence")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private sealed record Row(string Consumer, Guid Key, long Size, DateTimeOffset FirstParkedAt,
        DateTimeOffset LastParkedAt,
        ParkedMessage Head);

    public static async Task<Results<Ok<SequencePage>, ProblemHttpResult>> List(string? consumer, int? page,
        int? pageSize,
        IQuerySession session, CancellationToken ct)
    {
        if (Paging.Check(page, pageSize, 50, 500) is { } bad) return bad;
        if (consumer is { Length: > MaxName })
            return Problems.BadQuery($"consumer must be at most {MaxName} characters.");
        var (number, size) = (page ?? 1, pageSize ?? 50);
        var table = await ParkedSequences.TableAsync(session.DocumentStore, ct);
        const string parkedAt = "(data ->> 'parkedAt')::timestamptz";
        var filter = consumer is null ? "" : "where consumer = ?";
        object[] args = consumer is null ? [] : [consumer];
        var total = (await session.QueryAsync<long>(
            $"select count(*) from (select 1 from {table} {filter} group by consumer, key) as s", ct, args)).Single();
        var rows = await session.QueryAsync<Row>(
            $"""
             select json_build_object('consumer', s.consumer, 'key', s.key, 'size', s.size, 'firstParkedAt', s.first_at,
                                      'lastParkedAt', s.last_at, 'head', h.data)
             from (select consumer, key, count(*) as size, min({parkedAt}) as first_at, max({parkedAt}) as last_at
                   from {table} {filter} group by consumer, key
                   order by first_at, consumer, key limit {size} offset {(number - 1) * size}) as s
             cross join lateral (select data from {table} as t where t.consumer = s.consumer and t.key = s.key
                                 order by t.position, {parkedAt} limit 1) as h
             order by s.first_at, s.consumer, s.key
             """, ct, args);
        var sequences = rows.Select(r => new ParkedSequence(r.Consumer, r.Key, r.Size, r.FirstParkedAt, r.LastParkedAt,
            SequenceEvent.Of(r.Head))).ToList();
        return TypedResults.Ok(new SequencePage(sequences, total, number, size));
    }

    public static async Task<Results<Ok<SequenceEventPage>, ProblemHttpResult>> Events(string consumer, Guid key,
        int? page,
        int? pageSize, IQuerySession session, CancellationToken ct)
    {
        if (Paging.Check(page, pageSize, 100, 1_000) is { } bad) return bad;
        var (number, size) = (page ?? 1, pageSize ?? 100);
        var events = await SequenceReplayer.Sequence(session, consumer, key).Skip((number - 1) * size).Take(size)
            .ToListAsync(ct);
        var total = await session.Query<ParkedMessage>().CountAsync(p => p.Consumer == consumer && p.Key == key, ct);
        return total == 0
            ? NotFound(consumer, key)
            : TypedResults.Ok(new SequenceEventPage(events.Select(SequenceEvent.Of).ToList(), total, number, size));
    }

    public static async Task<Results<Accepted<SequenceOperation>, ProblemHttpResult>> Replay(string consumer, Guid key,
        IQuerySession session, IMessageBus bus, CancellationToken ct)
    {
        var size = await session.Query<ParkedMessage>().CountAsync(p => p.Consumer == consumer && p.Key == key, ct);
        if (size == 0) return NotFound(consumer, key);
        await bus.PublishAsync(new ReplaySequence(consumer, key, PassFailedHead: true));
        return TypedResults.Accepted((string?)null, new SequenceOperation(size));
    }

    public static async Task<Results<Ok<SequenceOperation>, ProblemHttpResult>> DiscardHead(string consumer, Guid key,
        OutboxedSessionFactory sessions, IMessageBus bus, IMessageStore store, CancellationToken ct)
    {
        await using var session = sessions.OpenSession(bus);
        var head = await SequenceReplayer.Sequence(session, consumer, key).FirstOrDefaultAsync(ct);
        if (head is null) return NotFound(consumer, key);
        session.Delete(head);
        // the rest run, up to the next failure
        await bus.PublishAsync(new ReplaySequence(consumer, key));
        await session.SaveChangesAsync(ct);
        await store.DeadLetters.DiscardAsync([head.DeadLetterId], ct);
        return TypedResults.Ok(new SequenceOperation(1));
    }

    public static async Task<Results<Ok<SequenceOperation>, ProblemHttpResult>> Discard(string consumer, Guid key,
        IDocumentSession session, IMessageStore store, CancellationToken ct)
    {
        var size = await session.Query<ParkedMessage>().CountAsync(p => p.Consumer == consumer && p.Key == key, ct);
        if (size == 0) return NotFound(consumer, key);
        var letters = await session.Query<ParkedMessage>()
            .Where(p => p.Consumer == consumer && p.Key == key && p.DeadLetterId != null)
            .Select(p => p.DeadLetterId!.Value).ToListAsync(ct);
        session.DeleteWhere<ParkedMessage>(p => p.Consumer == consumer && p.Key == key);
        await session.SaveChangesAsync(ct);
        await store.DeadLetters.DiscardAsync(letters.Cast<Guid?>(), ct);
        return TypedResults.Ok(new SequenceOperation(size));
    }

    private const int MaxName = 200;

    private static ProblemHttpResult NotFound(string consumer, Guid key) =>
        TypedResults.Problem($"No events of {key} are parked for the consumer '{consumer}'.",
            statusCode: StatusCodes.Status404NotFound, title: "No such sequence");
}
