using Marten.EventApp.EventBus;
using Marten.EventApp.Messaging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Marten.EventApp.OperatorConsole;

public sealed record BusQueue(string Name, string Kind, string Handler, IReadOnlyList<string> BindingKeys, long? Depth,
    long? Consumers, double? HandledPerSecond, string? Error);

public sealed record BusOverview(string Transport, string Exchange, IReadOnlyList<BusQueue> Queues);

// The queues' depth from the broker itself (a passive declare, which every RabbitMQ answers without the management
// plugin), or from Wolverine's inbox where the bus runs on local queues
public sealed class BusQueues(Broker broker, IConfiguration configuration, IEnumerable<ConsumerQueue> consumers,
    IEnumerable<CommandRoutes.AcceptedCommand> commands, ConsoleHistory history, IDocumentStore store)
    : IAsyncDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private IConnection? _connection;

    public async Task<BusOverview> ReadAsync(CancellationToken ct)
    {
        var options = EventBusOptions.From(configuration);
        var rates = history.HandledPerSecond(TimeSpan.FromMinutes(1));
        var queues = consumers
            .Select(c => (c.Name, Kind: "events", c.Handler, Keys: (IReadOnlyList<string>)c.BindingKeys)).ToList();
        if (commands.Any())
            queues.Add((options.CommandQueue, "commands", "commands",
                commands.Select(c => c.Type.Name).Order().ToList()));
        Dictionary<string, (long? Depth, long? Consumers, string? Error)> depths;
        try
        {
            depths = broker.IsConfigured ? await FromBrokerAsync(queues.Select(q => q.Name), ct)
                : await FromInboxAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // the page shows what it could not read beside what it knows, rather than failing whole
            var unread = (Depth: (long?)null, Consumers: (long?)null, Error: (string?)$"not read: {e.Message}");
            depths = queues.ToDictionary(q => q.Name, _ => unread);
        }
        return new BusOverview(broker.IsConfigured ? "rabbitmq" : "local", options.Exchange, queues.Select(q =>
        {
            var depth = depths.GetValueOrDefault(q.Name,
                broker.IsConfigured ? (null, null, "not read") : (0, null, null));
            // the event monitor counts events by handler; commands are not among them
            double? rate = q.Kind == "events" ? Math.Round(rates.GetValueOrDefault(q.Handler), 1) : null;
            return new BusQueue(q.Name, q.Kind, q.Handler, q.Keys, depth.Depth, depth.Consumers, rate, depth.Error);
        }).ToList());
    }

    private async Task<Dictionary<string, (long? Depth, long? Consumers, string? Error)>> FromBrokerAsync(
        IEnumerable<string> names, CancellationToken ct)
    {
        var found = new Dictionary<string, (long?, long?, string?)>();
        var connection = await ConnectionAsync(ct);
        IChannel? channel = null;
        try
        {
            foreach (var name in names)
            {
                channel ??= await connection.CreateChannelAsync(cancellationToken: ct);
                try
                {
                    var queue = await channel.QueueDeclarePassiveAsync(name, ct);
                    found[name] = (queue.MessageCount, queue.ConsumerCount, null);
                }
                catch (OperationInterruptedException e)
                {
                    // the broker closes the channel on a queue it does not have
                    found[name] = (null, null, e.ShutdownReason?.ReplyText ?? e.Message);
                    channel.Dispose();
                    channel = null;
                }
            }
        }
        finally
        {
            channel?.Dispose();
        }

        return found;
    }

    private async Task<IConnection> ConnectionAsync(CancellationToken ct)
    {
        if (_connection is { IsOpen: true } open) return open;
        await _connecting.WaitAsync(ct);
        try
        {
            if (_connection is { IsOpen: true } again) return again;
            if (_connection is not null) await _connection.DisposeAsync();
            return _connection = await broker.ConnectAsync("marten-eventapp console", ct);
        }
        finally
        {
            _connecting.Release();
        }
    }

    private async Task<Dictionary<string, (long? Depth, long? Consumers, string? Error)>> FromInboxAsync(
        CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            select received_at, count(*) from {store.Options.DatabaseSchemaName}.wolverine_incoming_envelopes
            where status = 'Incoming' group by received_at
            """;
        var found = new Dictionary<string, (long?, long?, string?)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var uri = reader.IsDBNull(0) ? null : reader.GetString(0);
            if (Uri.TryCreate(uri, UriKind.Absolute, out var address) && address.Scheme == "local")
                found[address.Host] = ((found.GetValueOrDefault(address.Host).Item1 ?? 0) + reader.GetInt64(1),
                    null, null);
        }

        return found;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
        _connecting.Dispose();
    }
}
