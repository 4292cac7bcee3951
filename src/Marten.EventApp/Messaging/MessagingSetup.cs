using JasperFx;
using Marten.EventApp.EventBus;
using Marten.EventApp.Persistence;
using Wolverine;
using Wolverine.ErrorHandling;
using RabbitMQ.Client;
using Wolverine.RabbitMQ;

namespace Marten.EventApp.Messaging;

/// <summary>
/// Wolverine: handlers, durable local queues, the outbox, RabbitMQ when configured. Features add routes with
/// ConfigureWolverine.
/// </summary>
public static class MessagingSetup
{
    public static WebApplicationBuilder AddMessaging(this WebApplicationBuilder builder)
    {
        var options = EventAppOptions.From(builder.Configuration);
        var broker = Broker.From(builder.Configuration);
        builder.Services.AddSingleton(broker);
        builder.Services.AddSingleton<StreamCommands>();

        builder.Host.UseWolverine(opts =>
        {
            // handlers are found in this assembly whichever process hosts it (the service, tests, the benchmark)
            opts.ApplicationAssembly = typeof(MessagingSetup).Assembly;
            opts.CodeGeneration.TypeLoadMode = options.TypeLoadMode;
            opts.Durability.Mode = options.Nodes == NodeMode.Solo ? DurabilityMode.Solo : DurabilityMode.Balanced;
            opts.Durability.UpdateMetricsPeriod = options.MessageStoreMetricsPeriod;
            opts.Durability.ScheduledJobPollingTime = options.ScheduledJobPolling;
            opts.Durability.InboxStaleTime = options.InboxStaleTime;
            // a killed node's projections move once its heartbeat is NodeTimeout old, seen on the leader's next check;
            // Wolverine's defaults (10 s, 1 min) left a projection idle for a minute (BENCHMARKS.md, row 8)
            if (options.Nodes == NodeMode.Distributed)
            {
                if (options.NodeTimeout < 2 * options.NodeHeartbeat)
                    throw new InvalidOperationException($"EventApp:NodeTimeout ({options.NodeTimeout}) must be at least twice " +
                        $"EventApp:NodeHeartbeat ({options.NodeHeartbeat}): a live node would look dead between two heartbeats.");
                opts.Durability.HealthCheckPollingTime = options.NodeHeartbeat;
                opts.Durability.StaleNodeTimeout = options.NodeTimeout;
                // a projection being moved off a node that dies meanwhile is assigned again after twice this (30 s by
                // default): with the default, a takeover took 65 s whenever the nodes were rebalancing (a node had
                // joined)
                opts.Durability.CheckAssignmentPeriod = 2 * options.NodeHeartbeat;
            }

            // one event reaches several consumers' queues under the same message id: each inbox keeps its own copy
            opts.Durability.MessageIdentity = MessageIdentity.IdAndDestination;
            opts.Policies.AutoApplyTransactions();
            opts.Policies.UseDurableLocalQueues();
            opts.Policies.UseDurableOutboxOnAllSendingEndpoints();
            opts.Policies.UseDurableInboxOnAllListeners();

            // A concurrent append makes the store reject the save; running the handler again re-reads the
            // stream, so a command without an expected version applies to the new state and one with a
            // stale expected version is refused as a value carrying the current version.
            opts.OnException<ConcurrencyException>().RetryTimes(3);
            // every handler (sagas, commands from the broker), as the bus's consumers: no saga fails for an outage
            opts.PausesOnTransientDatabaseFailures(EventBusOptions.From(builder.Configuration).TransientPause);
            // a message of a type nobody handles is kept in the dead letters with its reason, not dropped
            opts.UnknownMessageBehavior = UnknownMessageBehavior.DeadLetterQueue;

            // dead letters go to PostgreSQL (replayable, with the exception), not to a broker-side queue
            if (broker.Uri is { } uri)
            {
                var rabbit = opts.UseRabbitMq(uri).AutoProvision().DisableDeadLetterQueueing();
                // the connection string's node among them: with nodes added, Wolverine connects through these only
                if (broker.Nodes.Count > 1) foreach (var node in broker.Nodes) rabbit.AddClusterNode(node);
                if (broker.QuorumQueues) rabbit.UseQuorumQueues();
            }
        });
        return builder;
    }
}

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

    /// <summary>A connection to one of the cluster's nodes that answers, carrying the connection string's credentials.</summary>
    public Task<IConnection> ConnectAsync(string name, CancellationToken ct) =>
        new ConnectionFactory { Uri = Uri!, ClientProvidedName = name }.CreateConnectionAsync(Nodes, ct);

    /// <summary>The arguments the service declares its own queues with (Wolverine's and <see cref="ConsumerQueueArguments"/> alike).</summary>
    public IDictionary<string, object?>? QueueArguments =>
        QuorumQueues ? new Dictionary<string, object?> { ["x-queue-type"] = "quorum" } : null;

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
        if (node.Length is 0 or > 255 || colon <= 0 || !int.TryParse(node[(colon + 1)..], out var port) || port is < 1 or > 65535)
            throw new InvalidOperationException($"{EventBusOptions.Section}:ClusterNodes holds '{node}', which is not " +
                                                "host:port (for example rabbit2.internal:5672).");
        var host = node[..colon];
        return new AmqpTcpEndpoint(host, port,
            first.Ssl.Enabled ? new SslOption(host) { Enabled = true, Version = first.Ssl.Version } : new SslOption());
    }
}
