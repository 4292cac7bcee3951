using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Microsoft.Extensions.Options;
using Wolverine;
using Wolverine.Marten.Subscriptions;

namespace Marten.EventApp.EventBus;

/// <summary>
/// Forwards every stored event to the bus, in the order of the event log. It runs as a Marten subscription on the async
/// daemon (one node runs it; Wolverine moves it when that node goes): it reads only what has committed, and the
/// messages enter Wolverine's outbox in the same transaction as the subscription's progress, so a crash or a broker
/// outage delays events but never loses one, and an event whose transaction rolled back never exists to be sent.
/// An event that cannot be put on the wire is recorded as a dead letter event and skipped, loudly, instead of
/// stopping every event behind it.
/// </summary>
public sealed class EventForwarder(IOptions<WireFormat> wire, ILogger<EventForwarder> logger) : BatchSubscription(Name)
{
    public const string Name = "EventBus";

    public override async Task ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, IMessageBus bus, CancellationToken cancellationToken)
    {
        foreach (var e in page.Events)
        {
            Contracts.Events.EventEnvelope envelope;
            try
            {
                envelope = wire.Value.Envelope(e);
            }
            catch (Exception ex)
            {
                logger.LogCritical(ex, "Event {EventId} ({EventType}, sequence {Sequence}) cannot be put on the bus: recorded as a dead letter event and skipped",
                    e.Id, e.EventTypeName, e.Sequence);
                await controller.RecordDeadLetterEventAsync(e, ex);
                continue;
            }

            await bus.PublishAsync(envelope);
        }
    }
}
