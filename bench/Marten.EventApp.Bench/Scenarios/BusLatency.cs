using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Marten.EventApp.Analytics;
using Marten.EventApp.Bench.Harness;
using Marten.EventApp.Contracts.Commands;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Wolverine;

namespace Marten.EventApp.Bench.Scenarios;

// 6a: the bus end to end at the write path's pace: RegisterUser through the service, a plain AMQP consumer
// on the exchange. Rate runs from the first write to the last message; every event written must arrive.
public sealed class BusThroughService : IScenario
{
    public string Id => "6a";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        const string name = "Bus: commands at 16 writers → consumer on the exchange (RabbitMQ)";
        if (context.Settings.RabbitMq is not { } broker) return [new ResultRow(Id,
            name) { Note = "not run: no RabbitMQ" }];
        await using var probe = await ExchangeProbe.StartAsync(broker, "UserRegistered.*", ct);
        var host = await context.ServiceHost(context.Schema("bus"), probe.Exchange);
        var bus = host.Services.GetRequiredService<IMessageBus>();
        var count = context.Settings.BusEvents;
        var refused = 0;
        var started = Stopwatch.GetTimestamp();
        await Load.ParallelAsync(count, context.Settings.Writers, async (i, token) =>
        {
            var outcome = await bus.InvokeAsync<CommandOutcome>(Synthetic.Registration(i), token);
            if (outcome.Rejection is not null) Interlocked.Increment(ref refused);
        }, ct);
        var written = Stopwatch.GetElapsedTime(started);
        return [await probe.ResultAsync(Id, name, started, count - refused, refused,
            $"written at {count / written.TotalSeconds:N0}/s by {context.Settings.Writers} writers", ct)];
    }
}

// 6b: what the bus itself carries: an event type nothing handles, appended at a fixed offered rate so that the
// write path's ceiling is not what is measured. Analytics is off: it would compete as a second reader of the log.
public sealed class BusCapacity : IScenario
{
    private const int PerTransaction = 25;
    public string Id => "6b";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var rate = context.Settings.BusRate;
        var name = $"Bus: {rate:N0} events/s offered (appends of {PerTransaction}) " +
                   "→ consumer on the exchange (RabbitMQ)";
        if (context.Settings.RabbitMq is not { } broker) return [new ResultRow(Id,
            name) { Note = "not run: no RabbitMQ" }];
        await using var probe = await ExchangeProbe.StartAsync(broker, $"{nameof(BusTick)}.*", ct);
        var host = await context.ServiceHost(context.Schema("buscap"), probe.Exchange,
            services => services.ConfigureMarten(o =>
            o.Projections.All.RemoveAll(p => p.Name == AnalyticsProjection.ProjectionName)));
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var settings = context.Settings;
        var transactions = (int)(rate * (settings.Warmup + settings.Duration).TotalSeconds / PerTransaction);
        var interval = TimeSpan.FromSeconds((double)PerTransaction / rate);
        var inFlight = new List<Task>();
        var late = 0;
        var started = Stopwatch.GetTimestamp();
        for (var t = 0; t < transactions; t++)
        {
            // open loop: each transaction starts on its schedule, whether or not the earlier ones have finished
            var due = interval * t - Stopwatch.GetElapsedTime(started);
            if (due > TimeSpan.Zero) await Task.Delay(due, ct);
            else if (due < -interval) late++;
            var first = (long)t * PerTransaction;
            inFlight.Add(Task.Run(async () =>
            {
                await using var session = store.LightweightSession();
                for (var n = first; n < first + PerTransaction; n++) session.Events.StartStream(Guid.CreateVersion7(),
                    new BusTick(n));
                await session.SaveChangesAsync(ct);
            }, ct));
        }
        await Task.WhenAll(inFlight);
        var written = Stopwatch.GetElapsedTime(started);
        var count = transactions * PerTransaction;
        var measureFrom = started + (long)(settings.Warmup.TotalSeconds * Stopwatch.Frequency);
        return [await probe.ResultAsync(Id, name, measureFrom, count, 0,
            $"{settings.Duration.TotalSeconds:N0} s measured after {settings.Warmup.TotalSeconds:N0} s; " +
            $"written at {count / written.TotalSeconds:N0}/s; " +
            $"{late} of {transactions} transactions started late", ct)];
    }
}

public sealed record BusTick(long Sequence);

// Latency is the consumer's clock minus the event's stored PostgreSQL timestamp (same machine): commit to consume.
internal sealed class ExchangeProbe : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly ConcurrentDictionary<Guid, (long At, double Ms)> _received = new();
    private long _lastReceived;

    private ExchangeProbe(IConnection connection, IChannel channel, string exchange) =>
        (_connection, _channel, Exchange) = (connection, channel, exchange);

    public string Exchange { get; }

    public static async Task<ExchangeProbe> StartAsync(Uri broker, string bindingKey, CancellationToken ct)
    {
        var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync(ct);
        var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        var probe = new ExchangeProbe(connection, channel, $"bench-events-{Guid.NewGuid():N}");
        await channel.ExchangeDeclareAsync(probe.Exchange, ExchangeType.Topic, durable: true, cancellationToken: ct);
        var queue = (await channel.QueueDeclareAsync(cancellationToken: ct)).QueueName;
        await channel.QueueBindAsync(queue, probe.Exchange, bindingKey, cancellationToken: ct);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, message) =>
        {
            var now = DateTimeOffset.UtcNow;
            using var body = JsonDocument.Parse(message.Body);
            var occurredOn = body.RootElement.GetProperty("occurredOn").GetDateTimeOffset();
            var at = Stopwatch.GetTimestamp();
            probe._received.TryAdd(body.RootElement.GetProperty("eventId").GetGuid(),
                (at, (now - occurredOn).TotalMilliseconds));
            Interlocked.Exchange(ref probe._lastReceived, at);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer, ct);
        return probe;
    }

    /// <summary>Rate and latencies count only the events that arrived from <paramref name="measureFrom"/> on.</summary>
    public async Task<ResultRow> ResultAsync(string id, string name, long measureFrom, int expected, int refused,
        string note,
        CancellationToken ct)
    {
        var seen = -1;
        var quiet = Stopwatch.StartNew();
        while (_received.Count < expected && quiet.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_received.Count != seen) (seen, quiet) = (_received.Count, Stopwatch.StartNew());
            await Task.Delay(50, ct);
        }

        var lost = expected - _received.Count;
        var span = TimeSpan.FromSeconds(
            (Interlocked.Read(ref _lastReceived) - measureFrom) / (double)Stopwatch.Frequency);
        var measured = _received.Values.Where(r => r.At >= measureFrom).ToList();
        var latencies = new Latencies(measured.Select(r => r.Ms));
        return new ResultRow(id, name)
        {
            Rate = measured.Count / span.TotalSeconds,
            P50Ms = latencies.P50,
            P99Ms = latencies.P99,
            Errors = lost + refused,
            Targets = [Target.RateAtLeast(2_000), Target.P99AtMost(250)],
            Note = $"{_received.Count:N0} of {expected:N0} events arrived, {lost} lost; {note}"
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
