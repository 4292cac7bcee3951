using Marten.EventApp.Contracts.Events;
using Marten.EventApp.Messaging;
using Wolverine;

namespace Marten.EventApp.EventBus;

// Without a broker, an event goes only to the local queues whose binding keys match, as the exchange routes;
// Wolverine's routing by type would give every consumer every event, each an inbox row and a transaction
// (BENCHMARKS.md, "Events only to the consumers bound to them").
public sealed class EventRoutes(IEnumerable<ConsumerQueue> consumers, Broker broker)
{
    // by queue, as the exchange delivers once per queue; Wolverine names local queues in lower case
    private readonly (string Queue, string[][] Patterns, ConsumerQueue Consumer)[] _consumers =
    [
        .. consumers.GroupBy(c => c.Name.ToLowerInvariant())
            .Select(g => (g.Key, g.SelectMany(c => c.BindingKeys).Distinct().Select(k => k.Split('.')).ToArray(),
                g.First()))
    ];

    public async ValueTask PublishAsync(IMessageBus bus, EventEnvelope e)
    {
        if (broker.IsConfigured)
        {
            await bus.PublishAsync(e);
            return;
        }

        var key = EventBusNames.RoutingKey(e.EventType, e.AggregateId).Split('.');
        // one aggregate's events in order on each queue; never scheduled, as the consumer queues' outgoing rule gives
        // these envelopes the inbox state of an immediate delivery
        var options = new DeliveryOptions { GroupId = e.AggregateId.ToString() };
        foreach (var (queue, patterns, consumer) in _consumers)
            if (patterns.Any(p => Matches(p, 0, key, 0)))
                await bus.EndpointFor(queue).SendAsync(consumer.Message(e), options);
    }

    // AMQP topic matching: * is one word, # any number of them
    public static bool Matches(string bindingKey, string routingKey) =>
        Matches(bindingKey.Split('.'), 0, routingKey.Split('.'), 0);

    private static bool Matches(string[] pattern, int p, string[] key, int k)
    {
        if (p == pattern.Length) return k == key.Length;
        if (pattern[p] == "#") return Matches(pattern, p + 1, key, k)
            || (k < key.Length && Matches(pattern, p, key, k + 1));
        return k < key.Length && (pattern[p] == "*" || pattern[p] == key[k]) && Matches(pattern, p + 1, key, k + 1);
    }
}
