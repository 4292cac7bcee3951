using System.Diagnostics;
using System.Text.Json;
using Marten.EventApp.Operations;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.Messaging;
using RabbitMQ.Client;

namespace Marten.EventApp.EventBus;

// Straight to the exchange with publisher confirms, so the forwarder's progress commits only for events the
// broker holds. Not Wolverine's outbox: a row, a send and a delete per event (BENCHMARKS.md, rows 6a and
// 6b), and out of order after an outage. The event log is the outbox: a failed page is retried in order.
public sealed class EventExchangePublisher(Broker broker, EventBusOptions options) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;
    private IChannel? _channel;

    public async Task PublishAsync(IReadOnlyList<EventEnvelope> events, IReadOnlyList<Activity?> spans,
        CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var channel = await ChannelAsync(ct);
            // all published before any confirm is awaited: one round trip per page, not per event
            var confirms = new Task[events.Count];
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < events.Count; i++) confirms[i] = PublishAsync(channel, events[i], spans[i]?.Id,
                started, ct);
            await Task.WhenAll(confirms);
        }
        catch
        {
            await CloseAsync();
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task PublishAsync(IChannel channel, EventEnvelope e, string? traceParent, long started,
        CancellationToken ct)
    {
        await channel.BasicPublishAsync(options.Exchange, EventBusNames.RoutingKey(e.EventType, e.AggregateId),
            mandatory: false, EventWireMapper.Properties(e, traceParent), JsonSerializer.SerializeToUtf8Bytes(e,
                WireJson.Options), ct);
        Telemetry.RecordPublished(e.EventType, started);
    }

    private async Task<IChannel> ChannelAsync(CancellationToken ct)
    {
        if (_channel is { IsOpen: true }) return _channel;
        await CloseAsync();
        _connection = await broker.ConnectAsync("marten-eventapp event forwarder", ct);
        _channel = await _connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true,
                publisherConfirmationTrackingEnabled: true), ct);
        await _channel.ExchangeDeclareAsync(options.Exchange, ExchangeType.Topic, durable: true, cancellationToken: ct);
        return _channel;
    }

    private async Task CloseAsync()
    {
        if (_channel is not null) await _channel.DisposeAsync();
        if (_connection is not null) await _connection.DisposeAsync();
        (_channel, _connection) = (null, null);
    }

    public async ValueTask DisposeAsync() => await CloseAsync();
}
