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

// A subscription reading only committed events, so a rolled-back one is never sent; its progress commits
// only once the page is on the broker or in Wolverine's outbox: an outage delays events, never loses one.
public sealed class EventForwarder(IOptions<WireFormat> wire, Broker broker, EventExchangePublisher exchange,
    EventRoutes routes,
    ILogger<EventForwarder> logger)
    : BatchSubscription(Name)
{
    public const string Name = "EventBus";

    public override async Task ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, IMessageBus bus, CancellationToken cancellationToken) =>
        await SendAsync(await wire.Value.EnvelopesAsync(page, controller, logger), bus, cancellationToken);

    public Task ResendAsync(IEvent skipped, IMessageBus bus, CancellationToken ct) =>
        SendAsync([(skipped, wire.Value.Envelope(skipped))], bus, ct);

    private async Task SendAsync(IReadOnlyList<(IEvent Stored, EventEnvelope Envelope)> events, IMessageBus bus,
        CancellationToken ct)
    {
        // each span starts from the page's own: starting one makes it current, so an event stored outside a trace
        // would become the child of the one before it
        var outer = Activity.Current;
        var spans = new Activity?[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var (stored, e) = events[i];
            Activity.Current = outer;
            spans[i] = Telemetry.Source
                .StartActivity($"{e.EventType} publish", ActivityKind.Producer, Telemetry.ParentOf(stored))
                ?.SetTag("event.id", e.EventId).SetTag(Telemetry.EventTypeTag, e.EventType)
                    .SetTag("messaging.destination.name", broker.IsConfigured ? "events" : "local");
        }

        Activity.Current = outer;

        try
        {
            if (broker.IsConfigured) await exchange.PublishAsync(events.Select(x => x.Envelope).ToList(), spans, ct);
            // no broker: through Wolverine's outbox, in the page's transaction
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
