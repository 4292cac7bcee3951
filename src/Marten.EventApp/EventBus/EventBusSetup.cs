using JasperFx;
using JasperFx.CodeGeneration;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.DeadLetters;
using Marten.EventApp.Http;
using Marten.EventApp.Messaging;
using Marten.EventApp.Persistence;
using Marten.EventApp.Sequences;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Wolverine;
using Wolverine.Configuration;
using Wolverine.ErrorHandling;
using Wolverine.Marten;
using Wolverine.RabbitMQ;
using Wolverine.Runtime.Handlers;
using Wolverine.Runtime.Serialization;

namespace Marten.EventApp.EventBus;

public static class EventBusSetup
{
    public static WebApplicationBuilder AddEventBus(this WebApplicationBuilder builder)
    {
        var options = EventBusOptions.From(builder.Configuration);
        var broker = Broker.From(builder.Configuration);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<EventExchangePublisher>();
        builder.Services.AddSingleton<EventRoutes>();
        builder.Services.AddOptions<WireFormat>();
        builder.Services.SubscribeToEventsWithServices<EventForwarder>(ServiceLifetime.Singleton);
        // also for an operator's retry of an event it skipped
        builder.Services.TryAddSingleton<EventForwarder>();
        if (!string.IsNullOrWhiteSpace(options.KafkaBootstrapServers))
            builder.Services.SubscribeToEventsWithServices<KafkaEventStream>(ServiceLifetime.Singleton);
        // before Wolverine declares the queues (hosted services start in order)
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, ConsumerQueueArguments>());
        builder.Services.ConfigureWolverine(opts =>
        {
            if (broker.IsConfigured && !string.IsNullOrWhiteSpace(options.BrokerDeadLetterExchange))
            {
                var dlx = options.BrokerDeadLetterExchange;
                opts.ConfigureRabbitMq()
                    .DeclareExchange(dlx, e => e.ExchangeType = ExchangeType.Topic)
                    .DeclareQueue(dlx, q => q.BindExchange(dlx, "#"));
            }

            if (broker.IsConfigured)
            {
                // declares the exchange and carries what handlers publish (CommandRejected) through the outbox; the
                // forwarder publishes stored events to it directly
                opts.PublishMessage<EventEnvelope>().ToRabbitTopics(options.Exchange)
                    .UseInterop((_, _) => new EventWireMapper())
                    .DefaultSerializer(WireJson.Serializer())
                    .CustomizeOutgoingMessagesOfType<EventEnvelope>((envelope, e) =>
                    {
                        envelope.TopicName = EventBusNames.RoutingKey(e.EventType, e.AggregateId);
                        // the message is the event: one id from the outbox to every consumer's inbox
                        envelope.Id = e.EventId;
                    });
            }

            // a consumer handles one aggregate's events one after another, in order; other aggregates in parallel
            opts.MessagePartitioning.ByMessage<EventEnvelope>(e => e.AggregateId.ToString());
            opts.Policies.Add(new EventConsumerFailures(options));
        });
        return builder.AddSequences().AddEndpoints(DeadLetterEndpoints.Map).AddEndpoints(AsyncApiDocument.Map);
    }

    public static WebApplicationBuilder PutEventsOnTheWire(this WebApplicationBuilder builder, Action<WireFormat> map)
    {
        builder.Services.Configure(map);
        return builder;
    }

    public static WebApplicationBuilder ConsumeEvents(this WebApplicationBuilder builder, string queue, Type handler,
        string[] bindingKeys,
        string[]? retiredBindingKeys = null)
    {
        var options = EventBusOptions.From(builder.Configuration);
        builder.Services.ConsumeEvents(Broker.From(builder.Configuration), options.Exchange, queue, handler,
            bindingKeys,
            options.MaxMessageBytes, retiredBindingKeys);
        return builder;
    }

    public static IServiceCollection ConsumeEvents(this IServiceCollection services, Broker broker, string exchange,
        string queue,
        Type handler, string[] bindingKeys, int maxMessageBytes = 256 * 1024, string[]? retiredBindingKeys = null) =>
        services.Consume(broker, exchange, new ConsumerQueue(queue, bindingKeys, handler.Name, retiredBindingKeys),
            maxMessageBytes,
            handler);

    // one transaction per batch instead of per event. oneInFlight: an aggregate never has two of these events
    // in flight (each is caused by the one before), so batches may run side by side without reordering them
    public static WebApplicationBuilder ConsumeEventBatches<TEvent>(this WebApplicationBuilder builder, string queue,
        Type handler,
        string[] bindingKeys, ApplyEvents apply, string[]? retiredBindingKeys = null, bool oneInFlight = false)
        where TEvent : class, IBatchedEvent<TEvent>
    {
        builder.Services.ConsumeEventBatches<TEvent>(Broker.From(builder.Configuration),
            EventBusOptions.From(builder.Configuration),
            queue, handler, bindingKeys, apply, retiredBindingKeys, oneInFlight);
        return builder;
    }

    public static IServiceCollection ConsumeEventBatches<TEvent>(this IServiceCollection services, Broker broker,
        EventBusOptions options,
        string queue, Type handler, string[] bindingKeys, ApplyEvents apply, string[]? retiredBindingKeys = null,
        bool oneInFlight = false)
        where TEvent : class, IBatchedEvent<TEvent>
    {
        var consumer = new ConsumerQueue(queue, bindingKeys, handler.Name, retiredBindingKeys,
            new ConsumerBatch(typeof(TEvent), (e, trace) => TEvent.Of(e, trace)));
        services.AddSingleton(new SequencedConsumer(queue, typeof(TEvent), e => TEvent.Of(e, null), apply));
        services.Consume(broker, options.Exchange, consumer, options.MaxMessageBytes, sticky: null,
            new BatchedEventSerializer<TEvent>(WireJson.Serializer()), partitioned: !oneInFlight);
        return services.ConfigureWolverine(opts =>
        {
            var batches = opts.BatchMessagesOf<TEvent>(b =>
            {
                b.BatchSize = options.BatchSize;
                b.TriggerTime = options.BatchWait;
            });
            if (oneInFlight) return;
            // the listener hands an aggregate's events on in order; two batches side by side could hold them in either
            opts.MessagePartitioning.ByMessage<TEvent>(e => e.Event.AggregateId.ToString());
            batches.Sequential();
        });
    }

    // sticky: each consumer handles each event on its own queue, with its own retries; Wolverine would otherwise
    // run every handler of EventEnvelope together wherever an event arrives
    private static IServiceCollection Consume(this IServiceCollection services, Broker broker, string exchange,
        ConsumerQueue consumer,
        int maxMessageBytes, Type? sticky, IMessageSerializer? serializer = null, bool partitioned = true)
    {
        services.AddSingleton(consumer);
        var (queue, bindingKeys) = (consumer.Name, consumer.BindingKeys);
        var acceptAs = consumer.Batch?.Type ?? typeof(EventEnvelope);
        return services.ConfigureWolverine(opts =>
        {
            if (broker.IsConfigured)
            {
                var listener = opts.ListenToRabbitQueue(queue, q =>
                    {
                        foreach (var key in bindingKeys) q.BindExchange(exchange, key);
                    })
                    .AcceptOnly(queue, _ => type => bindingKeys.Any(key => EventRoutes.Matches(key, type + ".x")),
                        acceptAs)
                    .DefaultSerializer(new BoundedSerializer(serializer ?? WireJson.Serializer(), maxMessageBytes));
                if (sticky is not null) listener.PartitionProcessingByGroupId(PartitionSlots.Five)
                    .AddStickyHandler(sticky);
                else if (partitioned) listener.PartitionProcessingByGroupId(PartitionSlots.Five);
            }
            else
            {
                var local = opts.LocalQueue(queue)
                    // EventRoutes sends by queue name, which Wolverine stores as an outgoing envelope of no node
                    .CustomizeOutgoing(e => WolverineInternals.AsLocalDelivery(e, opts.Durability.AssignedNodeNumber));
                if (sticky is not null) local.PartitionProcessingByGroupId(PartitionSlots.Five)
                    .AddStickyHandler(sticky);
                else if (partitioned) local.PartitionProcessingByGroupId(PartitionSlots.Five);
            }
        });
    }
}

// a transient failure (the database away) pauses the listener and puts the message back instead of
// burning its retries
internal sealed class EventConsumerFailures(EventBusOptions options) : IHandlerPolicy
{
    public void Apply(IReadOnlyList<HandlerChain> chains, GenerationRules rules, IServiceContainer container)
    {
        foreach (var chain in chains.Where(c => c.MessageType == typeof(EventEnvelope)))
        {
            chain.PausesOnTransientDatabaseFailures(options.TransientPause);
            chain.OnAnyException().RetryWithCooldown(options.RetryDelays).Then.MoveToErrorQueue();
        }

        // a batch that still fails is parked in its aggregates' sequences, which run again one by one: the event
        // at fault heads its own sequence and holds back only its aggregate's later events
        foreach (var chain in chains.Where(c => BatchedEvents.IsBatch(c.MessageType)))
        {
            chain.PausesOnTransientDatabaseFailures(options.TransientPause);
            chain.OnAnyException().RetryWithCooldown(options.RetryDelays).Then
                .CustomAction(SequenceGate.ParkFailedBatchAsync, "park the batch's events in their sequences");
        }

        foreach (var chain in chains.Where(c => c.MessageType == typeof(ReplaySequence)))
        {
            chain.PausesOnTransientDatabaseFailures(options.TransientPause);
            chain.OnAnyException().RetryWithCooldown(options.RetryDelays).Then
                .CustomAction(SequenceReplayer.StopAtHeadAsync, "stop the sequence at the event that failed");
        }
    }
}
