using System.Text.Json;

namespace Marten.EventApp.Contracts.Events;

// The seed's serializeEvent envelope, keys in this order; EventData keeps the seed's getEventData() keys in the seed's
// order, because its EventFactory rebuilds an event from the values by position.
public sealed record EventEnvelope(
    Guid EventId,
    string EventType,
    Guid AggregateId,
    long AggregateVersion,
    int EventVersion,
    DateTimeOffset OccurredOn,
    JsonElement EventData,
    string? CorrelationId = null,
    string? CausationId = null);

public static class EventBusNames
{
    // published, not stored: a command from the bus that was refused
    public const string CommandRejected = "CommandRejected";

    public static string RoutingKey(string eventType, Guid aggregateId) => $"{eventType}.{aggregateId}";
}
