using JasperFx.Events;
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
/// An event that cannot be put on the wire is recorded as a dead letter event and skipped (<see cref="WireFormat.EnvelopesAsync"/>).
/// </summary>
public sealed class EventForwarder(IOptions<WireFormat> wire, Broker broker, EventExchangePublisher exchange, ILogger<EventForwarder> logger)
    : BatchSubscription(Name)
{
    public const string Name = "EventBus";

    public override async Task ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, IMessageBus bus, CancellationToken cancellationToken) =>
        await SendAsync((await wire.Value.EnvelopesAsync(page, controller, logger)).Select(x => x.Envelope).ToList(), bus, cancellationToken);

    /// <summary>Sends an event it skipped once more (an operator's retry); throws when it still cannot go on the wire.</summary>
    public Task ResendAsync(IEvent skipped, IMessageBus bus, CancellationToken ct) => SendAsync([wire.Value.Envelope(skipped)], bus, ct);

    private async Task SendAsync(IReadOnlyList<EventEnvelope> envelopes, IMessageBus bus, CancellationToken ct)
    {
        if (broker.IsConfigured) await exchange.PublishAsync(envelopes, ct);
        // no broker: the consumers' durable local queues, through Wolverine's outbox (in the page's transaction)
        else foreach (var envelope in envelopes) await bus.PublishAsync(envelope);
    }
}
