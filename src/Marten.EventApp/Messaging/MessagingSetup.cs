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
                // no request and reply crosses the broker (commands are invoked in process); on a cluster the reply
                // queue, a classic one, went with its node and its declaration failed every listener's recovery
                var rabbit = opts.UseRabbitMq(uri).AutoProvision().DisableDeadLetterQueueing()
                    .DisableSystemRequestReplyQueueDeclaration();
                // the connection string's node among them: with nodes added, Wolverine connects through these only
                if (broker.Nodes.Count > 1) foreach (var node in broker.Nodes) rabbit.AddClusterNode(node);
                if (broker.QuorumQueues) rabbit.UseQuorumQueues()
                    .DeliveryLimitForDurableQuorumQueues(Broker.DeliveryLimit);
            }
        });
        return builder;
    }
}
