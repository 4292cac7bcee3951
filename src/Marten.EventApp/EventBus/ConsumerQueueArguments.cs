using System.Diagnostics;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.Messaging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Marten.EventApp.EventBus;

public sealed record ConsumerQueue(string Name, string[] BindingKeys, string Handler,
    string[]? RetiredBindingKeys = null,
    ConsumerBatch? Batch = null)
{
    public object Message(EventEnvelope e) => Batch is null ? e : Batch.Wrap(e, Activity.Current?.Id);
}

public sealed record ConsumerBatch(Type Type, Func<EventEnvelope, string?, object> Wrap);

// Runs before Wolverine declares the queues. TTL and broker dead letters belong in a RabbitMQ policy, so a
// queue declared with them (the seed's x-dead-letter-exchange, x-message-ttl) is refused as PRECONDITION_FAILED
// and would stop start-up. An empty one is replaced; a holding queue catches what arrives meanwhile (consumers
// dedupe by id). One that holds messages stops start-up instead: replacing it would drop them.
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

    // a retired binding would keep routing events here, which the listener refuses into the dead letters
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
        logger.LogWarning("RabbitMQ queue {Queue} existed with other arguments ({Refusal}); it was empty and has " +
                          "been declared again as configured ({Moved} events that arrived meanwhile moved to it)",
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
