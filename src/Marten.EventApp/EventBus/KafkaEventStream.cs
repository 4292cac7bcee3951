using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten.EventApp.Contracts.Events;
using Microsoft.Extensions.Options;
using Wolverine;
using Wolverine.Marten.Subscriptions;

namespace Marten.EventApp.EventBus;

// keyed by aggregate id, as the seed's KafkaEventStreaming: one aggregate, one partition, its order kept
public static class KafkaWire
{
    public static Message<string, byte[]> Record(IEvent stored, EventEnvelope e) => new()
    {
        Key = e.AggregateId.ToString(),
        Value = JsonSerializer.SerializeToUtf8Bytes(e, WireJson.Options),
        Timestamp = new Timestamp(e.OccurredOn),
        Headers = new Headers
        {
            { "event-type", Encoding.UTF8.GetBytes(e.EventType) },
            { "aggregate-type", Encoding.UTF8.GetBytes(stored.AggregateTypeName ?? "unknown") },
            { "event-version",
                Encoding.UTF8.GetBytes(e.EventVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)) }
        }
    };
}

// A subscription of its own, so Kafka being away never holds up the RabbitMQ bus; progress commits after
// acks=all. Not Wolverine's Kafka transport, for the forwarder's reason (BENCHMARKS.md, rows 6a and 6b).
// Never run against a live Kafka broker: none can run here.
public sealed class KafkaEventStream : BatchSubscription, IDisposable
{
    public const string Name = "EventStream";
    private readonly IOptions<WireFormat> _wire;
    private readonly EventBusOptions _options;
    private readonly ILogger<KafkaEventStream> _logger;
    private readonly Lazy<IProducer<string, byte[]>> _producer;

    public KafkaEventStream(IOptions<WireFormat> wire, EventBusOptions options,
        ILogger<KafkaEventStream> logger) : base(Name)
    {
        (_wire, _options, _logger) = (wire, options, logger);
        _producer = new(() => new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = options.KafkaBootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true
        }).Build());
    }

    public override async Task ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, IMessageBus bus, CancellationToken cancellationToken)
    {
        var sends = (await _wire.Value.EnvelopesAsync(page, controller, _logger))
            .Select(x => _producer.Value.ProduceAsync(_options.KafkaTopic, KafkaWire.Record(x.Stored, x.Envelope),
                cancellationToken));
        await Task.WhenAll(sends);
    }

    public void Dispose()
    {
        if (_producer.IsValueCreated) _producer.Value.Dispose();
    }
}
