using System.Text.Json;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.Persistence;

namespace Marten.EventApp.EventBus;

// getEventData() is an anonymous object so its properties keep their order in JSON; an unmapped type still
// travels, under its class name with all of its data, so that no event is left behind.
public sealed class WireFormat
{
    private readonly Dictionary<Type, (string Name, Type DataType, Func<object, object> Data,
        Func<object, Guid>? Aggregate)> _types = [];

    // aggregateId: when the event is about another aggregate than its stream (a process's outcome is the user's)
    public WireFormat Map<TEvent, TData>(string name, Func<TEvent, TData> data, Func<TEvent, Guid>? aggregateId = null)
        where TEvent : class where TData : notnull
    {
        _types[typeof(TEvent)] = (name, typeof(TData), e => data((TEvent)e),
            aggregateId is null ? null : e => aggregateId((TEvent)e));
        return this;
    }

    public IEnumerable<(string Name, Type EventType, Type DataType)> Mapped =>
        _types.Select(t => (t.Value.Name, t.Key, t.Value.DataType));

    public string NameOf(Type eventType) => _types.TryGetValue(eventType, out var m) ? m.Name : eventType.Name;

    public EventEnvelope Envelope(IEvent e)
    {
        var data = _types.TryGetValue(e.EventType, out var mapping)
            ? JsonSerializer.SerializeToElement(mapping.Data(e.Data), WireJson.Options)
            : JsonSerializer.SerializeToElement(e.Data, e.EventType, WireJson.Options);
        var aggregate = mapping.Aggregate?.Invoke(e.Data) ?? e.StreamId;
        // the version of the shape sent: an event stored in an older one was read through its upcaster
        return new EventEnvelope(e.Id, NameOf(e.EventType), aggregate, e.Version,
            EventSchemaVersionStamp.VersionOf(e.EventType),
            e.Timestamp, data, e.CorrelationId, e.CausationId);
    }

    // an event that cannot be put on the wire (a mapping bug) is dead-lettered and skipped rather than stop
    // every event behind it
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
                logger.LogCritical(ex, "Event {EventId} ({EventType}, sequence {Sequence}) cannot be put on the " +
                                       "wire for {Subscription}: recorded as a dead letter event and skipped",
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
