using System.Text;
using RabbitMQ.Client;

namespace Marten.EventApp.IntegrationTests;

// none of our code or Wolverine's, as another language's client would be
public sealed class RawAmqp : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;

    private RawAmqp(IConnection connection, IChannel channel) => (_connection, _channel) = (connection, channel);

    public static async Task<RawAmqp> ConnectAsync(Uri broker)
    {
        var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync();
        return new RawAmqp(connection, await connection.CreateChannelAsync());
    }

    // server-named, as the seed's subscribe does
    public async Task<string> BindQueueAsync(string exchange, string bindingKey)
    {
        await _channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true);
        var queue = await _channel.QueueDeclareAsync();
        await _channel.QueueBindAsync(queue.QueueName, exchange, bindingKey);
        return queue.QueueName;
    }

    // durable: it keeps its messages while the broker is stopped
    public async Task<string> BindDurableQueueAsync(string exchange, string queue, string bindingKey)
    {
        await _channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true);
        await _channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await _channel.QueueBindAsync(queue, exchange, bindingKey);
        return queue;
    }

    public async Task DeleteQueueAsync(string queue) => await _channel.QueueDeleteAsync(queue);

    public async Task DeleteExchangeAsync(string exchange) => await _channel.ExchangeDeleteAsync(exchange);

    // false when the broker refuses because the queue exists with other arguments; on a channel of its own, since
    // that refusal closes it
    public async Task<bool> DeclareQueueAsync(string queue, IDictionary<string, object?>? arguments = null)
    {
        await using var channel = await _connection.CreateChannelAsync();
        try
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments);
            return true;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException e)
            when (e.ShutdownReason?.ReplyCode == Constants.PreconditionFailed)
        {
            return false;
        }
    }

    public async Task<BasicGetResult> NextAsync(string queue, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (await _channel.BasicGetAsync(queue, autoAck: true) is { } message) return message;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no message on {queue}");
            await Task.Delay(50);
        }
    }

    public async Task SendAsync(string queue, string body, string? messageId = null, string? type = null,
        IDictionary<string, object?>? headers = null)
    {
        var props = new BasicProperties
        {
            ContentType = "application/json",
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = messageId,
            Type = type,
            Headers = headers
        };
        await _channel.BasicPublishAsync("", queue, mandatory: false, props, Encoding.UTF8.GetBytes(body));
    }

    // with publisher confirms on a channel of its own, so that a refusal (a missing permission closes the channel)
    // surfaces here as an exception
    public async Task PublishAsync(string exchange, string routingKey, string body, string? type = null)
    {
        await using var channel = await _connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var props = new BasicProperties
        {
            ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent, MessageId = Guid.NewGuid()
                .ToString(), Type = type
        };
        await channel.BasicPublishAsync(exchange, routingKey, mandatory: false, props, Encoding.UTF8.GetBytes(body));
    }

    public async Task<BasicGetResult?> TryNextAsync(string queue) => await _channel.BasicGetAsync(queue, autoAck: true);

    // a passive declare, on a channel of its own since a miss closes it
    public async Task<bool> ExistsAsync(string? queue = null, string? exchange = null)
    {
        await using var channel = await _connection.CreateChannelAsync();
        try
        {
            if (queue is not null) await channel.QueueDeclarePassiveAsync(queue);
            if (exchange is not null) await channel.ExchangeDeclarePassiveAsync(exchange);
            return true;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException e)
            when (e.ShutdownReason?.ReplyCode == Constants.NotFound)
        {
            return false;
        }
    }

    public static string Text(object? header) =>
        header is byte[] bytes ? Encoding.UTF8.GetString(bytes) : header?.ToString() ?? "";

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
