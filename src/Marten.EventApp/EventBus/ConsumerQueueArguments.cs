using System.Diagnostics;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.Messaging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Marten.EventApp.EventBus;

/// <summary>
/// A consumer's durable queue on the broker, its bindings to the exchange, and its handler's name (metrics, alerts);
/// <see cref="RetiredBindingKeys"/> are bindings an earlier version made, removed at start-up. A consumer that handles
/// its events in batches receives them as a type of its own (<see cref="Batch"/>).
/// </summary>
public sealed record ConsumerQueue(string Name, string[] BindingKeys, string Handler,
    string[]? RetiredBindingKeys = null,
    ConsumerBatch? Batch = null)
{
    /// <summary>The message this consumer's queue is given for an event.</summary>
    public object Message(EventEnvelope e) => Batch is null ? e : Batch.Wrap(e, Activity.Current?.Id);
}

/// <summary>The type a batched consumer receives each event as, and how an event (and its trace) becomes one.</summary>
public sealed record ConsumerBatch(Type Type, Func<EventEnvelope, string?, object> Wrap);

/// <summary>
/// Runs before Wolverine declares the consumers' queues (durable, no arguments but the queue type: TTL and broker dead
/// letters are a RabbitMQ policy's business, which can change without a new declaration). RabbitMQ refuses to declare a
/// queue that exists with other arguments (PRECONDITION_FAILED: declared by the seed's code, with its
/// <c>x-dead-letter-exchange</c> and <c>x-message-ttl</c>, or by hand), which would stop the service at start-up with
/// nothing it could do. An empty queue is replaced without losing an event: a holding queue with the same bindings
/// catches what arrives meanwhile and is emptied into the new queue (a consumer may see such an event twice and dedupes
/// it by id). A queue that holds messages is left alone and start-up stops with what to do, because replacing it would
/// drop them.
/// </summary>
public sealed class ConsumerQueueArguments(Broker broker, EventBusOptions options, IEnumerable<ConsumerQueue> queues,
    ILogger<ConsumerQueueArguments> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        if (!broker.IsConfigured) return;
        await using var connection = await broker.ConnectAsync("marten-eventapp queue check", ct);
        foreach (var queue in queues)
        {
            if (await TryDeclareAsync(connection, queue.Name, broker.QueueArguments,
                ct) is { } refusal) await ReplaceAsync(connection, queue, refusal, ct);
            foreach (var key in queue.RetiredBindingKeys ?? []) await UnbindAsync(connection, queue.Name, key, ct);
        }
    }

    /// <summary>
    /// A binding the consumer no longer has: the broker would go on routing those events to the queue, where the
    /// listener refuses them into the dead letters. Removing a binding that is not there is no error.
    /// </summary>
    private async Task UnbindAsync(IConnection connection, string queue, string key, CancellationToken ct)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        try
        {
            await channel.QueueUnbindAsync(queue, options.Exchange, key, cancellationToken: ct);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.NotFound)
        {
            // no exchange yet: a fresh broker, nothing bound
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>Declares the queue as Wolverine does; null when that worked, else the broker's refusal.</summary>
    private static async Task<string?> TryDeclareAsync(IConnection connection, string queue,
        IDictionary<string, object?>? arguments, CancellationToken ct)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        try
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments,
                cancellationToken: ct);
            return null;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.PreconditionFailed)
        {
            return e.ShutdownReason.ReplyText;
        }
    }

    private async Task ReplaceAsync(IConnection connection, ConsumerQueue queue, string refusal, CancellationToken ct)
    {
        var holding = $"{queue.Name}.replacing";
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true,
                publisherConfirmationTrackingEnabled: true), ct);
        var waiting = (await channel.QueueDeclarePassiveAsync(queue.Name, ct)).MessageCount;
        if (waiting > 0) throw Refused(queue, refusal, waiting);

        await channel.ExchangeDeclareAsync(options.Exchange, ExchangeType.Topic, durable: true, cancellationToken: ct);
        await channel.QueueDeclareAsync(holding, durable: true, exclusive: false, autoDelete: false,
            cancellationToken: ct);
        await BindAsync(channel, holding, queue, ct);
        try
        {
            // if-empty: a message that arrived since the count keeps the queue, and start-up stops as above
            await channel.QueueDeleteAsync(queue.Name, ifUnused: false, ifEmpty: true, cancellationToken: ct);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.PreconditionFailed)
        {
            await using var cleanup = await connection.CreateChannelAsync(cancellationToken: ct);
            await cleanup.QueueDeleteAsync(holding, cancellationToken: ct);
            throw Refused(queue, refusal, (await cleanup.QueueDeclarePassiveAsync(queue.Name, ct)).MessageCount);
        }

        await channel.QueueDeclareAsync(queue.Name, durable: true, exclusive: false, autoDelete: false,
            broker.QueueArguments, cancellationToken: ct);
        await BindAsync(channel, queue.Name, queue, ct);
        foreach (var key in queue.BindingKeys) await channel.QueueUnbindAsync(holding, options.Exchange, key,
            cancellationToken: ct);
        var moved = 0;
        while (await channel.BasicGetAsync(holding, autoAck: false, ct) is { } message)
        {
            await channel.BasicPublishAsync("", queue.Name, mandatory: true,
                new BasicProperties(message.BasicProperties),
                message.Body, ct);
            await channel.BasicAckAsync(message.DeliveryTag, multiple: false, ct);
            moved++;
        }

        await channel.QueueDeleteAsync(holding, ifUnused: false, ifEmpty: true, cancellationToken: ct);
        logger.LogWarning("RabbitMQ queue {Queue} existed with other arguments ({Refusal}); it was empty and has been " +
                          "declared again as configured ({Moved} events that arrived meanwhile moved to it)",
            queue.Name, refusal, moved);
    }

    private async Task BindAsync(IChannel channel, string name, ConsumerQueue queue, CancellationToken ct)
    {
        foreach (var key in queue.BindingKeys) await channel.QueueBindAsync(name, options.Exchange, key,
            cancellationToken: ct);
    }

    private static InvalidOperationException Refused(ConsumerQueue queue, string refusal, uint waiting) => new(
        $"RabbitMQ queue '{queue.Name}' exists with other arguments than the service declares ({refusal}) and holds " +
        $"{waiting} message(s), which replacing it would lose. Move them elsewhere (a shovel) or let their consumer " +
        "finish them, then delete the queue and start again. For a TTL or broker dead letters use a RabbitMQ policy, " +
        "which needs no new declaration (README).");
}
