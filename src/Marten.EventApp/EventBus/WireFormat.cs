using System.Text.Json;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.Persistence;

namespace Marten.EventApp.EventBus;

/// <summary>
/// How stored events look on the bus. A feature maps each of its event types to the seed's name and the seed's
/// <c>getEventData()</c> (an anonymous object: its properties keep their order in JSON). A type nobody mapped still
/// travels, under its class name with all of its data, so that no event is left behind.
/// </summary>
public sealed class WireFormat
{
    private readonly Dictionary<Type, (string Name, Type DataType, Func<object, object> Data, Func<object, Guid>? Aggregate)>
        _types = [];

    /// <summary>
    /// An event type's name and data on the wire; <paramref name="aggregateId"/> names the aggregate it is about when
    /// that is not its stream (a process's outcome on its own stream is about the user).
    /// </summary>
    public WireFormat Map<TEvent, TData>(string name, Func<TEvent, TData> data, Func<TEvent, Guid>? aggregateId = null)
        where TEvent : class where TData : notnull
    {
        _types[typeof(TEvent)] = (name, typeof(TData), e => data((TEvent)e),
            aggregateId is null ? null : e => aggregateId((TEvent)e));
        return this;
    }

    /// <summary>The mapped event types: each one's name on the wire and the type of its data (the bus's AsyncAPI
    /// document).</summary>
    public IEnumerable<(string Name, Type EventType, Type DataType)> Mapped =>
        _types.Select(t => (t.Value.Name, t.Key, t.Value.DataType));

    /// <summary>The seed's name of an event type (its class name when no feature mapped it).</summary>
    public string NameOf(Type eventType) => _types.TryGetValue(eventType, out var m) ? m.Name : eventType.Name;

    public EventEnvelope Envelope(IEvent e)
    {
        var data = _types.TryGetValue(e.EventType, out var mapping)
            ? JsonSerializer.SerializeToElement(mapping.Data(e.Data), WireJson.Options)
            : JsonSerializer.SerializeToElement(e.Data, e.EventType, WireJson.Options);
        // the version of the shape sent: an event stored in an older one was read through its upcaster
        var aggregate = mapping.Aggregate?.Invoke(e.Data) ?? e.StreamId;
        return new EventEnvelope(e.Id, NameOf(e.EventType), aggregate, e.Version,
            EventSchemaVersionStamp.VersionOf(e.EventType),
            e.Timestamp, data, e.CorrelationId, e.CausationId);
    }

    /// <summary>
    /// A page of a forwarding subscription on the wire. An event that cannot be put on it (a mapping bug) is logged as
    /// Critical, recorded as a dead letter event and skipped, instead of stopping every event behind it.
    /// </summary>
    public async Task<IReadOnlyList<(IEvent Stored, EventEnvelope Envelope)>> EnvelopesAsync(
        EventRange page, ISubscriptionController controller, ILogger logger)
    {
        var envelopes = new List<(IEvent, EventEnvelope)>(page.Events.Count);
        foreach (var e in page.Events)
        {
            try
            {
                envelopes.Add((e, Envelope(e)));
            }
            catch (Exception ex)
            {
                logger.LogCritical(ex, "Event {EventId} ({EventType}, sequence {Sequence}) cannot be put on the wire for {Subscription}: recorded as a dead letter event and skipped",
                    e.Id, e.EventTypeName, e.Sequence, controller.Name.Identity);
                // with the cause's own message: the controller's record keeps only "Failure to apply event #n"
                if (controller is ISubscriptionAgent agent)
                    await agent.RecordDeadLetterEventAsync(new DeadLetterEvent(e, controller.Name,
                        new ApplyEventException(e, ex)) { ExceptionMessage = ex.Message });
                else await controller.RecordDeadLetterEventAsync(e, ex);
            }
        }

        return envelopes;
    }
}
