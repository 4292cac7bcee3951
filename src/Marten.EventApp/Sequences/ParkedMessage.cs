using System.Text.Json;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.EventBus;

namespace Marten.EventApp.Sequences;

// a bus event held back in its aggregate's sequence (consumer, key), or a saga's message in its saga's (type, id)
public sealed class ParkedMessage
{
    // one event reaches several consumers, each parks its own copy
    public string Id { get; set; } = "";

    public string Consumer { get; set; } = "";
    public Guid Key { get; set; }

    public long Position { get; set; }

    public DateTimeOffset ParkedAt { get; set; }
    public Guid EventId { get; set; }
    public string EventType { get; set; } = "";

    // an id of its own: the inbox refuses to dead-letter an envelope it marked handled, as it did on parking
    public Guid? DeadLetterId { get; set; }

    public string MessageType { get; set; } = "";
    public string? ReceivedAt { get; set; }

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

    public Guid? Fail(Exception e, DateTimeOffset now)
    {
        var replaced = DeadLetterId;
        (ExceptionType, ExceptionMessage, FailedAt, DeadLetterId) = (e.GetType().FullName, e.Message, now,
            Guid.CreateVersion7());
        return replaced;
    }
}
