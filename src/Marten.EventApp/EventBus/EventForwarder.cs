using System.Diagnostics;
using JasperFx.Events;
using Marten.EventApp.Operations;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.Messaging;
using Microsoft.Extensions.Options;
using Wolverine;
using Wolverine.Marten.Subscriptions;

namespace Marten.EventApp.EventBus;

/// <summary>
/// Forwards every stored event to the bus, in the order of the event log. It runs as a Marten subscription on the async
/// daemon (one node runs it; Wolverine moves it when that node goes) and reads only what has committed, so an event
/// whose transaction rolled back never exists to be sent, and nothing is added to the append. Its progress commits
/// only after the page is on the broker (<see cref="EventExchangePublisher"/>) or, without a broker, in Wolverine's
/// outbox: a crash or an outage delays events, never loses one, and may send one again under the same id.
/// An event that cannot be put on the wire is recorded as a dead letter event and skipped
/// (<see cref="WireFormat.EnvelopesAsync"/>).
/// </summary>
public sealed class EventForwarder(IOptions<WireFormat> wire, Broker broker, EventExchangePublisher exchange,
    EventRoutes routes,
    ILogger<EventForwarder> logger)
    : BatchSubscription(Name)
{
    public const string Name = "EventBus";

    public override async Task ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, IMessageBus bus, CancellationToken cancellationToken) =>
        await SendAsync(await wire.Value.EnvelopesAsync(page, controller, logger), bus, cancellationToken);

    /// <summary>Sends an event it skipped once more (an operator's retry); throws when it still cannot go on the
    /// wire.</summary>
    public Task ResendAsync(IEvent skipped, IMessageBus bus, CancellationToken ct) =>
        SendAsync([(skipped, wire.Value.Envelope(skipped))], bus, ct);

    private async Task SendAsync(IReadOnlyList<(IEvent Stored, EventEnvelope Envelope)> events, IMessageBus bus,
        CancellationToken ct)
    {
        // a producer span per event in the trace that stored it: the consumers' spans continue that trace. Starting a
        // span makes it the current one: each starts from the page's own, or an event stored outside a trace would
        // become the child of the one before it
        var outer = Activity.Current;
        var spans = new Activity?[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var (stored, e) = events[i];
            Activity.Current = outer;
            spans[i] = Telemetry.Source.StartActivity($"{e.EventType} publish", ActivityKind.Producer, Telemetry.ParentOf(stored))
                ?.SetTag("event.id", e.EventId).SetTag(Telemetry.EventTypeTag, e.EventType)
                    .SetTag("messaging.destination.name", broker.IsConfigured ? "events" : "local");
        }

        Activity.Current = outer;

        try
        {
            if (broker.IsConfigured) await exchange.PublishAsync(events.Select(x => x.Envelope).ToList(), spans, ct);
            // no broker: the durable local queues of the consumers bound to each event, through Wolverine's outbox (in
            // the page's transaction)
            else
                for (var i = 0; i < events.Count; i++)
                {
                    var started = Stopwatch.GetTimestamp();
                    // Wolverine takes the current span as the message's parent
                    Activity.Current = spans[i] ?? outer;
                    await routes.PublishAsync(bus, events[i].Envelope);
                    Telemetry.RecordPublished(events[i].Envelope.EventType, started);
                }
        }
        catch (Exception ex)
        {
            foreach (var span in spans) span?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
        finally
        {
            foreach (var span in spans) span?.Dispose();
        }
    }
}
