using RabbitMQ.Client;

namespace Marten.EventApp.Bench.Faults;

/// <summary>
/// A plain AMQP client's durable queue bound to <c>#</c> on the service's exchange, declared before the service
/// starts and read after the run: every event the bus published, by message id (the event's id), duplicates included.
/// It outlives a broker outage (durable queue, persistent messages).
/// </summary>
public sealed class ExchangeProbe(Uri broker, string exchange, string queue)
{
    /// <summary>The probe; a <paramref name="quorum"/> queue outlives a node of a cluster, as the service's
    /// do.</summary>
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

    /// <summary>The same probe read through another node of the broker's cluster.</summary>
    public ExchangeProbe Via(Uri node) => new(node, exchange, _queue);

    /// <summary>
    /// Every message id in the queue, read until it has been empty for <paramref name="quiet"/>; then the queue goes.
    /// </summary>
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
