using System.Text.Json;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.EventBus;

namespace Marten.EventApp.Sequences;

/// <summary>
/// A bus event a consumer holds back, in its aggregate's sequence (consumer, key), or a saga's message in its saga's
/// (the saga's type, its id): behind an earlier one of the same key that failed (the sequence's head,
/// <see cref="FailedAt"/> set), or that is being run again.
/// </summary>
public sealed class ParkedMessage
{
    /// <summary>The consumer and the event: one event reaches several consumers, each parks its own copy.</summary>
    public string Id { get; set; } = "";

    public string Consumer { get; set; } = "";
    public Guid Key { get; set; }

    /// <summary>The event's version in its stream (a saga's message: its place in the order parked), the order a
    /// sequence runs in.</summary>
    public long Position { get; set; }

    public DateTimeOffset ParkedAt { get; set; }
    public Guid EventId { get; set; }
    public string EventType { get; set; } = "";

    /// <summary>
    /// The failed head's dead letter in Wolverine's storage, under an id of its own: the inbox refuses to dead-letter an
    /// envelope it has marked handled, as it marked this one when it was parked.
    /// </summary>
    public Guid? DeadLetterId { get; set; }

    /// <summary>The envelope's message type and the endpoint it came in on, for its dead letter.</summary>
    public string MessageType { get; set; } = "";
    public string? ReceivedAt { get; set; }

    /// <summary>The event in the seed's wire format, as it came off the bus.</summary>
    public string Body { get; set; } = "";

    public string? ExceptionType { get; set; }
    public string? ExceptionMessage { get; set; }
    public DateTimeOffset? FailedAt { get; set; }

    public bool Failed => FailedAt is not null;

    public static string IdOf(string consumer, Guid eventId) => $"{consumer}/{eventId}";

    public static ParkedMessage Of(string consumer, EventEnvelope e, string messageType, string? receivedAt,
        DateTimeOffset now) =>
        new()
    {
        Id = IdOf(consumer, e.EventId), Consumer = consumer, Key = e.AggregateId, Position = e.AggregateVersion,
        ParkedAt = now,
        EventId = e.EventId, EventType = e.EventType, MessageType = messageType, ReceivedAt = receivedAt,
        Body = JsonSerializer.Serialize(e, WireJson.Options)
    };

    public EventEnvelope Event() => JsonSerializer.Deserialize<EventEnvelope>(Body, WireJson.Options)!;

    /// <summary>This event failed: it heads its sequence, with a new dead letter (the id of the one it replaces is
    /// returned).</summary>
    public Guid? Fail(Exception e, DateTimeOffset now)
    {
        var replaced = DeadLetterId;
        (ExceptionType, ExceptionMessage, FailedAt, DeadLetterId) = (e.GetType().FullName, e.Message, now,
            Guid.CreateVersion7());
        return replaced;
    }
}
