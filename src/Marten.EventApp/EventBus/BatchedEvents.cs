using System.Text.Json;
using Marten.EventApp.Contracts.Events;
using Wolverine;
using Wolverine.Runtime.Serialization;

namespace Marten.EventApp.EventBus;

/// <summary>
/// A bus event as a batched consumer receives it (<see cref="EventBusSetup.ConsumeEventBatches{TEvent}"/>).
/// </summary>
public interface IBatchedEvent
{
    EventEnvelope Event { get; }

    /// <summary>
    /// The trace the event was delivered in (W3C <c>traceparent</c>): the batch's span links to each one.
    /// </summary>
    string? TraceParent { get; }
}

/// <summary>
/// Wolverine batches by message type, and every consumer receives the seed's envelope: a type of the consumer's own
/// lets one consumer's deliveries be batched and leaves the others' alone.
/// </summary>
public interface IBatchedEvent<out TSelf> : IBatchedEvent where TSelf : IBatchedEvent<TSelf>
{
    static abstract TSelf Of(EventEnvelope e, string? traceParent);
}

public static class BatchedEvents
{
    /// <summary>Whether a handler's message is a batch of a consumer's events.</summary>
    public static bool IsBatch(Type messageType) =>
        messageType.IsArray && typeof(IBatchedEvent).IsAssignableFrom(messageType.GetElementType());
}

/// <summary>Reads the seed's envelope from the wire as the batched consumer's own type.</summary>
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
