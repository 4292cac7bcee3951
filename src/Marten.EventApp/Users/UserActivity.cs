using System.Text.Json;
using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Marten.EventApp.Users;

/// <summary>What happened to a user, as the bus told it: a consumer of the bus, kept for the user to read.</summary>
public sealed class UserActivity
{
    public Guid Id { get; set; }
    public List<ActivityEntry> Entries { get; set; } = [];
}

public sealed record ActivityEntry(Guid EventId, string EventType, long AggregateVersion, DateTimeOffset OccurredOn, string Summary);

/// <summary>
/// Records each user event (and each refused command) from the bus in the user's activity log. Idempotent by event
/// id: a redelivered event is already there. One user's events arrive one after another and in order (partitioned
/// by aggregate id), so the log needs no lock.
/// </summary>
public static class UserActivityHandler
{
    public const string Queue = "marten-eventapp.user-activity";

    public static async Task Handle(EventEnvelope e, IDocumentSession session, CancellationToken ct)
    {
        if (Summary(e) is not { } summary) return;

        var activity = await session.LoadAsync<UserActivity>(e.AggregateId, ct) ?? new UserActivity { Id = e.AggregateId };
        if (activity.Entries.Exists(x => x.EventId == e.EventId)) return;

        activity.Entries.Add(new ActivityEntry(e.EventId, e.EventType, e.AggregateVersion, e.OccurredOn, summary));
        session.Store(activity);
    }

    internal static string? Summary(EventEnvelope e) => e.EventType switch
    {
        "UserRegistered" => $"Registered (source: {Text(e.EventData, "registrationSource")})",
        "UserProfileUpdated" => "Profile updated: " + string.Join(", ",
            e.EventData.GetProperty("updatedFields").EnumerateObject().Select(p => p.Name)),
        "UserDeactivated" => $"Deactivated: {Text(e.EventData, "reason")}",
        EventBusNames.CommandRejected => $"{Text(e.EventData, "commandType")} refused: {Text(e.EventData, "title")}",
        _ => null
    };

    private static string? Text(JsonElement data, string name) =>
        data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

internal static class GetUserActivityEndpoint
{
    public static async Task<Results<Ok<IReadOnlyList<ActivityEntry>>, ProblemHttpResult>> Get(
        Guid id, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<UserActivity>(id, ct) is { } activity
            ? TypedResults.Ok<IReadOnlyList<ActivityEntry>>(activity.Entries)
            : TypedResults.Problem(Rejection.NotFound("User activity").ToProblem());
}
