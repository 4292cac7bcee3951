using System.Text.Json;
using Marten.EventApp.Contracts.Events;
using RabbitMQ.Client;
using Wolverine;
using Wolverine.RabbitMQ.Internal;

namespace Marten.EventApp.EventBus;

// As the seed publishes, nothing of Wolverine's: consumers dedupe by message_id (the event's id); the
// timestamp is in seconds, as AMQP defines it (the body has the exact time).
internal sealed class EventWireMapper : IRabbitMqEnvelopeMapper
{
    public void MapEnvelopeToOutgoing(Envelope envelope, IBasicProperties props)
    {
        // an envelope the outbox recovered after a restart carries only its serialized body
        var e = envelope.Message as EventEnvelope
                ?? (envelope.Data is { Length: > 0 } body ? JsonSerializer.Deserialize<EventEnvelope>(body,
                    WireJson.Options) : null)
                ?? throw new InvalidOperationException(
                    $"Only {nameof(EventEnvelope)} messages go to the event exchange, not {envelope.MessageType}");
        Write(e, props);
    }

    public static BasicProperties Properties(EventEnvelope e, string? traceParent = null)
    {
        var props = new BasicProperties();
        Write(e, props);
        if (traceParent is not null)
        {
            // W3C's name for plain AMQP clients, Wolverine's for its listeners: the consumer's span continues the trace
            props.Headers!["traceparent"] = traceParent;
            props.Headers[EnvelopeConstants.ParentIdKey] = traceParent;
        }

        return props;
    }

    private static void Write(EventEnvelope e, IBasicProperties props)
    {
        props.MessageId = e.EventId.ToString();
        props.Timestamp = new AmqpTimestamp(e.OccurredOn.ToUnixTimeSeconds());
        props.DeliveryMode = DeliveryModes.Persistent;
        props.ContentType = "application/json";
        props.Type = e.EventType;
        props.Headers = new Dictionary<string, object?>
        {
            ["event-type"] = e.EventType,
            ["aggregate-id"] = e.AggregateId.ToString(),
            ["aggregate-version"] = e.AggregateVersion,
            ["event-version"] = e.EventVersion,
            ["correlation-id"] = e.CorrelationId,
            ["causation-id"] = e.CausationId
        };
    }

    public void MapIncomingToEnvelope(Envelope envelope, IReadOnlyBasicProperties incoming) =>
        throw new NotSupportedException("The event exchange is only published to by this mapper");
}
