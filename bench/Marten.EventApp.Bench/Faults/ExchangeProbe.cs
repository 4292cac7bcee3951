using RabbitMQ.Client;

namespace Marten.EventApp.Bench.Faults;

// Bound to # before the service starts and read after the run: every event the bus published, duplicates included.
// A durable queue of persistent messages, so it outlives a broker outage.
public sealed class ExchangeProbe(Uri broker, string exchange, string queue)
{
    // a quorum queue outlives a node of a cluster, as the service's do
    public static async Task<ExchangeProbe> DeclareAsync(Uri broker, string exchange, CancellationToken ct,
        bool quorum = false)
    {
        var probe = new ExchangeProbe(broker, exchange, $"faults.probe.{Guid.NewGuid():N}");
        await using var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true, cancellationToken: ct);
        await channel.QueueDeclareAsync(probe._queue, durable: true, exclusive: false, autoDelete: false,
            quorum ? new Dictionary<string, object?> { ["x-queue-type"] = "quorum" } : null, cancellationToken: ct);
        await channel.QueueBindAsync(probe._queue, exchange, "#", cancellationToken: ct);
        return probe;
    }

    private readonly string _queue = queue;

    public ExchangeProbe Via(Uri node) => new(node, exchange, _queue);

    public async Task<List<Guid>> DrainAsync(TimeSpan quiet, CancellationToken ct)
    {
        var ids = new List<Guid>();
        await using var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        var lastSeen = DateTime.UtcNow;
        while (DateTime.UtcNow - lastSeen < quiet)
        {
            if (await channel.BasicGetAsync(_queue, autoAck: true, ct) is { } message)
            {
                if (Guid.TryParse(message.BasicProperties.MessageId, out var id)) ids.Add(id);
                lastSeen = DateTime.UtcNow;
            }
            else await Task.Delay(100, ct);
        }

        await channel.QueueDeleteAsync(_queue, cancellationToken: ct);
        await channel.ExchangeDeleteAsync(exchange, cancellationToken: ct);
        return ids;
    }
}
