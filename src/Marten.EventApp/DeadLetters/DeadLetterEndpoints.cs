using JasperFx.Core;
using Marten.EventApp.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Wolverine;
using Wolverine.Persistence.Durability;
using Wolverine.Persistence.Durability.DeadLetterManagement;
using Wolverine.Runtime;

namespace Marten.EventApp.DeadLetters;

public sealed record DeadLetter(
    Guid Id,
    string? MessageType,
    string? ReceivedAt,
    string? ExceptionType,
    string? ExceptionMessage,
    string? FailureGroup,
    DateTimeOffset? FailedAt,
    bool Replayable,
    int ReplayCount)
{
    public static DeadLetter Of(DeadLetterEnvelope e) => new(e.Id, e.MessageType, e.ReceivedAt, e.ExceptionType,
        e.ExceptionMessage, e.FailureGroup, e.FailedAt, e.Replayable, e.ReplayCount);
}

public sealed record DeadLetterPage(IReadOnlyList<DeadLetter> DeadLetters, long Total, int Page, int PageSize);

public sealed record DeadLetterGroup(string Key, string? Title, string? ExceptionType, long Count,
    DateTimeOffset? FirstFailedAt, DateTimeOffset? LastFailedAt);

public sealed record DeadLetterDetails(DeadLetter Letter, string? Source, DateTimeOffset? SentAt,
    string? ContentType, string? Body, int BodyBytes, bool BodyTruncated);

public sealed record DeadLetterSelection(Guid[]? Ids = null, string? Group = null, bool All = false);

public sealed record DeadLetterOperation(int? Affected);

// Wolverine reads an empty id list as every dead letter: a selection must name ids, a group or all: true,
// so that nothing is replayed or discarded by accident.
internal static class DeadLetterEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin/dead-letters").WithTags("Dead letters");
        group.MapGet("", List).WithName("ListDeadLetters").ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("/groups", Groups).WithName("GroupDeadLetters");
        group.MapGet("/{id:guid}", Get).WithName("GetDeadLetter").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/replay", Replay).WithName("ReplayDeadLetters").ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapPost("/discard", Discard).WithName("DiscardDeadLetters")
            .ProducesProblem(StatusCodes.Status400BadRequest);
    }

    public static async Task<Results<Ok<DeadLetterPage>, ProblemHttpResult>> List(
        string? messageType, string? exceptionType, DateTimeOffset? from, DateTimeOffset? until, int? page,
        int? pageSize,
        IMessageStore store, CancellationToken ct)
    {
        if (Paging.Check(page, pageSize, 50, 500) is { } bad) return bad;
        if ((BadName(messageType) ?? BadName(exceptionType)) is { } name)
            return Problems.BadQuery($"messageType and exceptionType {name}");
        if (from > until) return Problems.BadQuery("from must not be after until.");

        var query = new DeadLetterEnvelopeQuery(new TimeRange(from, until))
        {
            MessageType = messageType, ExceptionType = exceptionType, PageNumber = page ?? 1, PageSize = pageSize ?? 50
        };
        var results = await store.DeadLetters.QueryAsync(query, ct);
        var letters = results.Envelopes.Select(DeadLetter.Of).ToList();
        return TypedResults.Ok(new DeadLetterPage(letters, results.TotalCount, query.PageNumber, query.PageSize));
    }

    // a body is shown as text up to this size: enough to read a message, never a page of megabytes
    public const int MaxBodyChars = 64 * 1024;

    public static async Task<Results<Ok<DeadLetterDetails>, ProblemHttpResult>> Get(Guid id, IMessageStore store)
    {
        if (await store.DeadLetters.DeadLetterEnvelopeByIdAsync(id) is not { } e)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such dead letter",
                detail: $"No dead letter has the id {id}.");
        var data = e.Envelope?.Data ?? [];
        // the text the sender wrote, as far as it decodes (invalid bytes show as replacement characters); no more
        // bytes are decoded than the shown characters can take
        var decoded = Math.Min(data.Length, MaxBodyChars * 4);
        var text = System.Text.Encoding.UTF8.GetString(data, 0, decoded);
        var shown = text.Length > MaxBodyChars ? text[..MaxBodyChars] : text;
        return TypedResults.Ok(new DeadLetterDetails(DeadLetter.Of(e), e.Source, e.SentAt, e.Envelope?.ContentType,
            shown, data.Length, shown.Length < text.Length || decoded < data.Length));
    }

    public static async Task<IReadOnlyList<DeadLetterGroup>> Groups(IMessageStore store, IWolverineRuntime runtime,
        CancellationToken ct)
    {
        var groups = await store.DeadLetters.SummarizeAllAsync(runtime.Options.ServiceName,
            new DeadLetterSummaryOptions { Grouping = DeadLetterGrouping.FailureGroup }, ct);
        return groups.Select(g =>
            new DeadLetterGroup(g.Key, g.Title, g.ExceptionType, g.Count, g.FirstFailedAt, g.LastFailedAt)).ToList();
    }

    public static Task<Results<Ok<DeadLetterOperation>, ProblemHttpResult>> Replay(
        DeadLetterSelection selection, IMessageStore store, CancellationToken ct) =>
        Apply(selection, query => store.DeadLetters.ReplayMatchingAsync(query, ct));

    public static Task<Results<Ok<DeadLetterOperation>, ProblemHttpResult>> Discard(
        DeadLetterSelection selection, IMessageStore store, CancellationToken ct) =>
        Apply(selection, query => store.DeadLetters.DiscardMatchingAsync(query, ct));

    private static async Task<Results<Ok<DeadLetterOperation>, ProblemHttpResult>> Apply(
        DeadLetterSelection selection, Func<DeadLetterEnvelopeQuery, Task<DeadLetterOperationResult>> operation)
    {
        var ids = selection.Ids ?? [];
        if (ids.Length > MaxIds) return Problems.BadQuery($"At most {MaxIds} ids at a time.");
        if (BadName(selection.Group) is { } bad) return Problems.BadQuery($"group {bad}");
        var named = (ids.Length > 0 ? 1 : 0) + (string.IsNullOrWhiteSpace(selection.Group) ? 0 : 1)
                    + (selection.All ? 1 : 0);
        if (named != 1)
            return TypedResults.Problem(
                "Name the dead letters: ids (a non-empty list), a failure group, or all: true; exactly one of them.",
                statusCode: StatusCodes.Status400BadRequest, title: "Invalid selection");

        var query = ids.Length > 0 ? new DeadLetterEnvelopeQuery(ids)
            : selection.All ? new DeadLetterEnvelopeQuery(TimeRange.AllTime())
            : new DeadLetterEnvelopeQuery(TimeRange.AllTime()) { FailureGroup = selection.Group };
        var result = await operation(query);
        return TypedResults.Ok(new DeadLetterOperation(result.Affected));
    }

    private const int MaxIds = 1_000;

    // control characters PostgreSQL would refuse as text: checked before a name reaches a query
    private static string? BadName(string? name) => name switch
    {
        null => null,
        { Length: > 500 } => "must be at most 500 characters.",
        _ when name.Any(char.IsControl) => "must not contain control characters.",
        _ => null
    };
}
