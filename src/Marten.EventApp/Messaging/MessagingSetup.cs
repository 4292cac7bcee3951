using JasperFx;
using Marten.EventApp.EventBus;
using Marten.EventApp.Persistence;
using Wolverine;
using Wolverine.ErrorHandling;
using RabbitMQ.Client;
using Wolverine.RabbitMQ;

namespace Marten.EventApp.Messaging;

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
            // Wolverine's defaults left a killed node's projections idle far too long (BENCHMARKS.md, row 8)
            if (options.Nodes == NodeMode.Distributed)
            {
                if (options.NodeTimeout < 2 * options.NodeHeartbeat)
                    throw new InvalidOperationException(
                        $"EventApp:NodeTimeout ({options.NodeTimeout}) must be at least twice " +
                        $"EventApp:NodeHeartbeat ({options.NodeHeartbeat}): a live node would look dead between " +
                        "two heartbeats.");
                opts.Durability.HealthCheckPollingTime = options.NodeHeartbeat;
                opts.Durability.StaleNodeTimeout = options.NodeTimeout;
                // a projection moving off a node that dies meanwhile is reassigned after twice this; the default slowed
                // takeovers whenever the nodes were rebalancing (BENCHMARKS.md, row 8)
                opts.Durability.CheckAssignmentPeriod = 2 * options.NodeHeartbeat;
            }

            // one event reaches several consumers' queues under the same message id: each inbox keeps its own copy
            opts.Durability.MessageIdentity = MessageIdentity.IdAndDestination;
            opts.Policies.AutoApplyTransactions();
            opts.Policies.UseDurableLocalQueues();
            opts.Policies.UseDurableOutboxOnAllSendingEndpoints();
            opts.Policies.UseDurableInboxOnAllListeners();

            // a concurrent append fails the save; the rerun re-reads the stream, so a stale expected version is refused
            // as a value carrying the current version
            opts.OnException<ConcurrencyException>().RetryTimes(3);
            // every handler (sagas, commands from the broker), as the bus's consumers: no saga fails for an outage
            opts.PausesOnTransientDatabaseFailures(EventBusOptions.From(builder.Configuration).TransientPause);
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
