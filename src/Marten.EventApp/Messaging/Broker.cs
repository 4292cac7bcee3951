using Marten.EventApp.EventBus;
using RabbitMQ.Client;

namespace Marten.EventApp.Messaging;

// Nodes: the connection string's node and its cluster's others; every connection (ours, Wolverine's) gets all
public sealed record Broker(Uri? Uri, IReadOnlyList<AmqpTcpEndpoint> Nodes, bool QuorumQueues)
{
    public static readonly Broker None = new(null, [], false);

    public bool IsConfigured => Uri is not null;

    public Task<IConnection> ConnectAsync(string name, CancellationToken ct) =>
        new ConnectionFactory { Uri = Uri!, ClientProvidedName = name }.CreateConnectionAsync(Nodes, ct);

    // A listener puts a message back once per pause while the database is away, so a long outage would reach the
    // default limit; older RabbitMQ drops at the first redelivery when told -1 ("no limit"), so it is set high.
    public const int DeliveryLimit = 1_000_000;

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
            throw new InvalidOperationException($"{EventBusOptions.Section}:ClusterNodes holds '{node}', which is " +
                                                "not host:port (for example rabbit2.internal:5672).");
        var host = node[..colon];
        return new AmqpTcpEndpoint(host, port,
            first.Ssl.Enabled ? new SslOption(host) { Enabled = true, Version = first.Ssl.Version } : new SslOption());
    }
}
