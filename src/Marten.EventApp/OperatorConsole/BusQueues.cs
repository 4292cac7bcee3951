using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Marten.EventApp.EventBus;
using Marten.EventApp.Messaging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Marten.EventApp.OperatorConsole;

public sealed record BusQueue(string Name, string Kind, string Handler, IReadOnlyList<string> BindingKeys, long? Depth,
    long? Consumers, double? HandledPerSecond, double? PublishedPerSecond, string? Error);

/// <summary><c>Source</c>: <c>management</c> (RabbitMQ's management API: depths and the broker's rates across every
/// node), <c>amqp</c> (a passive declare: depths; rates from this node's own counts) or <c>inbox</c> (local queues:
/// Wolverine's inbox).</summary>
public sealed record BusOverview(string Transport, string Exchange, string Source, IReadOnlyList<BusQueue> Queues);

// The queues' depth from the broker itself: its management API when configured (rates too), else a passive declare,
// which every RabbitMQ answers without the plugin; or from Wolverine's inbox where the bus runs on local queues
public sealed class BusQueues(Broker broker, EventBusOptions options, IEnumerable<ConsumerQueue> consumers,
    IEnumerable<CommandRoutes.AcceptedCommand> commands, ConsoleHistory history, IDocumentStore store,
    ConsoleOptions console, IHttpClientFactory clients)
    : IAsyncDisposable
{
    public const string ManagementClient = "rabbitmq-management";
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private IConnection? _connection;

    // what the service listens on, and where the figures come from, do not change while it runs
    private readonly IReadOnlyList<ListedQueue> _queues = Listed(consumers, commands, options);

    private readonly string _source = !broker.IsConfigured ? "inbox"
        : string.IsNullOrWhiteSpace(console.BrokerManagementUrl) ? "amqp" : "management";

    private sealed record ListedQueue(string Name, string Kind, string Handler, IReadOnlyList<string> Keys);

    private static List<ListedQueue> Listed(IEnumerable<ConsumerQueue> consumers,
        IEnumerable<CommandRoutes.AcceptedCommand> commands, EventBusOptions options)
    {
        var queues = consumers.Select(c => new ListedQueue(c.Name, "events", c.Handler, c.BindingKeys)).ToList();
        if (commands.Any())
            queues.Add(new ListedQueue(options.CommandQueue, "commands", "commands",
                commands.Select(c => c.Type.Name).Order().ToList()));
        return queues;
    }

    private sealed record Reading(long? Depth, long? Consumers, string? Error, double? Handled = null,
        double? Published = null);

    public async Task<BusOverview> ReadAsync(CancellationToken ct)
    {
        Dictionary<string, Reading> read;
        try
        {
            read = _source switch
            {
                "management" => await FromManagementAsync(ct),
                "amqp" => await FromBrokerAsync(_queues.Select(q => q.Name), ct),
                _ => await FromInboxAsync(ct)
            };
        }
        // a source that times out is unread too; only the caller's own cancellation ends the request
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // the page shows what it could not read beside what it knows, rather than failing whole
            var unread = new Reading(null, null, $"not read: {e.Message}");
            read = _queues.ToDictionary(q => q.Name, _ => unread);
        }

        var rates = history.HandledPerSecond(TimeSpan.FromMinutes(1));
        var transport = broker.IsConfigured ? "rabbitmq" : "local";
        return new BusOverview(transport, options.Exchange, _source, _queues.Select(q =>
        {
            var found = read.GetValueOrDefault(q.Name) ?? (broker.IsConfigured
                ? new Reading(null, null, "not found on the broker")
                : new Reading(0, null, null));
            // the event monitor counts events by handler on this node; commands are not among them
            var handled = _source == "management" ? found.Handled
                : q.Kind == "events" ? Math.Round(rates.GetValueOrDefault(q.Handler), 1) : (double?)null;
            return new BusQueue(q.Name, q.Kind, q.Handler, q.Keys, found.Depth, found.Consumers, handled,
                found.Published, found.Error);
        }).ToList());
    }

    // one request for every queue of the connection's virtual host: depth, consumers and the broker's own rates
    private async Task<Dictionary<string, Reading>> FromManagementAsync(CancellationToken ct)
    {
        var address = new UriBuilder(console.BrokerManagementUrl!.TrimEnd('/') + "/");
        // the address's own user, else the AMQP connection's (RabbitMQ.Client's defaults when it names none)
        var amqp = new ConnectionFactory { Uri = broker.Uri! };
        var (user, password) = address.UserName.Length > 0
            ? (Uri.UnescapeDataString(address.UserName), Uri.UnescapeDataString(address.Password))
            : (amqp.UserName, amqp.Password);
        (address.UserName, address.Password) = ("", "");
        var vhost = Uri.EscapeDataString(amqp.VirtualHost);
        using var request = new HttpRequestMessage(HttpMethod.Get,
            new Uri(address.Uri, $"api/queues/{vhost}?columns=name,messages,consumers,message_stats"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        using var response = await clients.CreateClient(ManagementClient).SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"the management API answered {(int)response.StatusCode}");
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct),
            cancellationToken: ct);
        return body.RootElement.EnumerateArray().ToDictionary(q => q.GetProperty("name").GetString()!, q =>
        {
            var stats = q.TryGetProperty("message_stats", out var s) ? s : default;
            return new Reading(Number(q, "messages"), Number(q, "consumers"), null,
                Rate(stats, "ack_details"), Rate(stats, "publish_details"));
        });
    }

    private static long? Number(JsonElement queue, string name) =>
        queue.TryGetProperty(name, out var value) && value.TryGetInt64(out var number) ? number : null;

    // a queue with no traffic since the broker started has no such figure: none is zero
    private static double Rate(JsonElement stats, string name) =>
        stats.ValueKind == JsonValueKind.Object && stats.TryGetProperty(name, out var details)
        && details.TryGetProperty("rate", out var rate) && rate.TryGetDouble(out var value)
            ? Math.Round(value, 1)
            : 0;

    private async Task<Dictionary<string, Reading>> FromBrokerAsync(IEnumerable<string> names, CancellationToken ct)
    {
        var found = new Dictionary<string, Reading>();
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
                    found[name] = new Reading(queue.MessageCount, queue.ConsumerCount, null);
                }
                catch (OperationInterruptedException e)
                {
                    // the broker closes the channel on a queue it does not have
                    found[name] = new Reading(null, null, e.ShutdownReason?.ReplyText ?? e.Message);
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

    private async Task<Dictionary<string, Reading>> FromInboxAsync(CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            select received_at, count(*) from {store.Options.DatabaseSchemaName}.wolverine_incoming_envelopes
            where status = 'Incoming' group by received_at
            """;
        var found = new Dictionary<string, Reading>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var uri = reader.IsDBNull(0) ? null : reader.GetString(0);
            if (Uri.TryCreate(uri, UriKind.Absolute, out var address) && address.Scheme == "local")
                found[address.Host] = new Reading((found.GetValueOrDefault(address.Host)?.Depth ?? 0)
                    + reader.GetInt64(1), null, null);
        }

        return found;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
        _connecting.Dispose();
    }
}
