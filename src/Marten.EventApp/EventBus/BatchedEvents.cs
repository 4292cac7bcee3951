using System.Text.Json;
using Marten.EventApp.Contracts.Events;
using Wolverine;
using Wolverine.Runtime.Serialization;

namespace Marten.EventApp.EventBus;

public interface IBatchedEvent
{
    EventEnvelope Event { get; }

    string? TraceParent { get; }
}

// Wolverine batches by message type and every consumer receives the seed's envelope: a type per consumer
// lets one consumer's deliveries be batched and leaves the others' alone.
public interface IBatchedEvent<out TSelf> : IBatchedEvent where TSelf : IBatchedEvent<TSelf>
{
    static abstract TSelf Of(EventEnvelope e, string? traceParent);
}

public static class BatchedEvents
{
    public static bool IsBatch(Type messageType) =>
        messageType.IsArray && typeof(IBatchedEvent).IsAssignableFrom(messageType.GetElementType());
}

internal sealed class BatchedEventSerializer<TEvent>(IMessageSerializer inner) : IMessageSerializer
    where TEvent : class, IBatchedEvent<TEvent>
{
    public string ContentType => inner.ContentType;

    public byte[] Write(Envelope envelope) => inner.WriteMessage(Unwrap(envelope.Message));

    public byte[] WriteMessage(object message) => inner.WriteMessage(Unwrap(message));

    public object ReadFromData(Type messageType, Envelope envelope) =>
        TEvent.Of((EventEnvelope)inner.ReadFromData(typeof(EventEnvelope), envelope), envelope.ParentId);

    public object ReadFromData(byte[] data) =>
        TEvent.Of(JsonSerializer.Deserialize<EventEnvelope>(data, WireJson.Options)
                  ?? throw new InvalidOperationException("The message body is empty"), null);

    private static object Unwrap(object? message) => message is IBatchedEvent batched ? batched.Event : message!;
}
