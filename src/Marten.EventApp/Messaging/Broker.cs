using Marten.EventApp.EventBus;
using RabbitMQ.Client;

namespace Marten.EventApp.Messaging;

/// <summary>
/// Whether a RabbitMQ broker is configured (ConnectionStrings:RabbitMq); without one, routes are durable local queues.
/// <see cref="Nodes"/> are the connection string's node and the other nodes of its cluster
/// (<see cref="EventBusOptions.ClusterNodes"/>): every connection of the service is made through
/// <see cref="ConnectAsync"/> or Wolverine's transport, both given all of them.
/// </summary>
public sealed record Broker(Uri? Uri, IReadOnlyList<AmqpTcpEndpoint> Nodes, bool QuorumQueues)
{
    public static readonly Broker None = new(null, [], false);

    public bool IsConfigured => Uri is not null;

    /// <summary>A connection to one of the cluster's nodes that answers, carrying the connection string's
    /// credentials.</summary>
    public Task<IConnection> ConnectAsync(string name, CancellationToken ct) =>
        new ConnectionFactory { Uri = Uri!, ClientProvidedName = name }.CreateConnectionAsync(Nodes, ct);

    /// <summary>
    /// How often a quorum queue redelivers a message before it drops it. A listener puts a message back while the
    /// database is away, once a pause, so a long outage would reach RabbitMQ 4's default limit; RabbitMQ 3.10 drops
    /// at the first redelivery when told -1 (its "no limit" in 4), so the limit is set, high, instead.
    /// </summary>
    public const int DeliveryLimit = 1_000_000;

    /// <summary>The arguments the service declares its own queues with (Wolverine's and
    /// <see cref="ConsumerQueueArguments"/> alike).</summary>
    public IDictionary<string, object?>? QueueArguments => QuorumQueues
        ? new Dictionary<string, object?> { ["x-queue-type"] = "quorum", ["x-delivery-limit"] = DeliveryLimit }
        : null;

    public static Broker From(IConfiguration configuration)
    {
        var options = EventBusOptions.From(configuration);
        if (configuration.GetConnectionString("RabbitMq") is not { Length: > 0 } value) return None;
        var uri = new Uri(value);
        var first = new ConnectionFactory { Uri = uri }.Endpoint;
        var others = options.ClusterNodes.Select(node => Node(node, first)).ToList();
        return new(uri, [first, ..others.Where(n => n.ToString() != first.ToString())], options.QuorumQueues);
    }

    private static AmqpTcpEndpoint Node(string node, AmqpTcpEndpoint first)
    {
        var colon = node.LastIndexOf(':');
        if (node.Length is 0 or > 255 || colon <= 0 || !int.TryParse(node[(colon + 1)..], out var port)
            || port is < 1 or > 65535)
            throw new InvalidOperationException($"{EventBusOptions.Section}:ClusterNodes holds '{node}', which is not " +
                                                "host:port (for example rabbit2.internal:5672).");
        var host = node[..colon];
        return new AmqpTcpEndpoint(host, port,
            first.Ssl.Enabled ? new SslOption(host) { Enabled = true, Version = first.Ssl.Version } : new SslOption());
    }
}
