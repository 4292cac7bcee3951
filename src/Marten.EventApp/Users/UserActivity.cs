using System.Text.Json;
using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.EventBus;
using Marten.EventApp.Http;
using Marten.EventApp.Sequences;
using Microsoft.AspNetCore.Http.HttpResults;
using Wolverine;

namespace Marten.EventApp.Users;

// A document per entry, keyed by the event's id: a redelivered event stores the same entry, and a busy user costs one
// insert per event rather than a rewrite of a growing list.
public sealed record ActivityEntry(Guid Id, Guid UserId, string EventType, long AggregateVersion,
    DateTimeOffset OccurredOn, string Summary);

// its own type, so that its deliveries are handled in batches
public sealed record ActivityEvent(EventEnvelope Event, string? TraceParent) : IBatchedEvent<ActivityEvent>
{
    public static ActivityEvent Of(EventEnvelope e, string? traceParent) => new(e, traceParent);
}

// a batch of deliveries in one transaction: the entries are independent documents, so a batch's order does not matter
public static class UserActivityHandler
{
    public const string Queue = "marten-eventapp.user-activity";

    public static readonly string[] BindingKeys =
        ["UserRegistered.*", "UserProfileUpdated.*", "UserDeactivated.*", "UserErased.*",
         $"{EventBusNames.CommandRejected}.*"];

    // onboarding records its outcome in the log itself, in the saga's transaction: a hop less each
    public static readonly string[] RetiredBindingKeys = ["OnboardingCompleted.*", "OnboardingFailed.*"];

    public static async Task Handle(ActivityEvent[] events, IDocumentSession session, IMessageContext context,
        Envelope envelope,
        SequenceGate gate, CancellationToken ct) =>
        Record((await gate.AdmitAsync(Queue, events, envelope, session, context, ct)).Select(x => x.Event), session);

    public static Task Replay(IServiceProvider services, IReadOnlyList<EventEnvelope> events, IDocumentSession session,
        IMessageContext context, CancellationToken ct)
    {
        Record(events, session);
        return Task.CompletedTask;
    }

    private static void Record(IEnumerable<EventEnvelope> events, IDocumentSession session)
    {
        foreach (var e in events)
            if (Summary(e) is { } summary)
                session.Store(new ActivityEntry(e.EventId, e.AggregateId, e.EventType, e.AggregateVersion,
                    e.OccurredOn, summary));
    }

    internal static string? Summary(EventEnvelope e) => e.EventType switch
    {
        "UserRegistered" => $"Registered (source: {Text(e.EventData, "registrationSource")})",
        "UserProfileUpdated" => "Profile updated: " + string.Join(", ",
            e.EventData.GetProperty("updatedFields").EnumerateObject().Select(p => p.Name)),
        "UserDeactivated" => $"Deactivated: {Text(e.EventData, "reason")}",
        "UserErased" => "Personal data erased",
        EventBusNames.CommandRejected => $"{Text(e.EventData, "commandType")} refused: {Text(e.EventData, "title")}",
        _ => null
    };

    private static string? Text(JsonElement data, string name) =>
        data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

internal static class GetUserActivityEndpoint
{
    public const int MaxEntries = 1_000;

    public static async Task<Results<Ok<IReadOnlyList<ActivityEntry>>, ProblemHttpResult>> Get(
        Guid id, IQuerySession session, CancellationToken ct)
    {
        var newest = await session.Query<ActivityEntry>()
            .Where(x => x.UserId == id)
            .OrderByDescending(x => x.OccurredOn).ThenByDescending(x => x.AggregateVersion)
            .Take(MaxEntries)
            .ToListAsync(ct);
        return newest.Count == 0
            ? TypedResults.Problem(Rejection.NotFound("User activity").ToProblem())
            : TypedResults.Ok<IReadOnlyList<ActivityEntry>>(newest.AsEnumerable().Reverse().ToList());
    }
}
