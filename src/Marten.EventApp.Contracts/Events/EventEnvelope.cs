using System.Text.Json;

namespace Marten.EventApp.Contracts.Events;

/// <summary>
/// A domain event as it travels on the bus: the seed's <c>serializeEvent</c> envelope, keys in this order, camelCase
/// JSON. <c>EventType</c> is the seed's name (<c>UserRegistered</c>), <c>EventData</c> the seed's <c>getEventData()</c>
/// of that type with its keys in the seed's order (its <c>EventFactory</c> rebuilds an event from the values by
/// position), <c>EventVersion</c> the event's schema version. Correlation and causation ids follow the seed's keys.
/// </summary>
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

/// <summary>The bus's names and keys, for consumers.</summary>
public static class EventBusNames
{
    /// <summary>Published, not stored: a command from the bus that was refused (see its <c>eventData</c>).</summary>
    public const string CommandRejected = "CommandRejected";

    public static string RoutingKey(string eventType, Guid aggregateId) => $"{eventType}.{aggregateId}";
}
