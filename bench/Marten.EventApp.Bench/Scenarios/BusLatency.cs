using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Marten.EventApp.Bench.Harness;
using Marten.EventApp.Contracts.Commands;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Wolverine;

namespace Marten.EventApp.Bench.Scenarios;

/// <summary>
/// 6: the event bus end to end. RegisterUser at 16 writers through the service (in process, RabbitMQ on), and a
/// plain AMQP consumer on the exchange. Latency is commit to consume: the consumer's clock minus the event's stored
/// timestamp (PostgreSQL's, same machine). Rate is events consumed per second, from the first write to the last
/// message; every event written must arrive.
/// </summary>
public sealed class BusLatency : IScenario
{
    public string Id => "6";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        const string name = "Bus: commit → consumer on the exchange (RabbitMQ)";
        if (context.Settings.RabbitMq is not { } broker) return [new ResultRow(Id, name) { Note = "not run: no RabbitMQ" }];

        var exchange = $"bench-events-{Guid.NewGuid():N}";
        var received = new ConcurrentDictionary<Guid, double>();
        var lastReceived = 0L;
        await using var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true, cancellationToken: ct);
        var queue = (await channel.QueueDeclareAsync(cancellationToken: ct)).QueueName;
        await channel.QueueBindAsync(queue, exchange, "UserRegistered.*", cancellationToken: ct);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, message) =>
        {
            var now = DateTimeOffset.UtcNow;
            using var body = JsonDocument.Parse(message.Body);
            var occurredOn = body.RootElement.GetProperty("occurredOn").GetDateTimeOffset();
            received.TryAdd(body.RootElement.GetProperty("eventId").GetGuid(), (now - occurredOn).TotalMilliseconds);
            Interlocked.Exchange(ref lastReceived, Stopwatch.GetTimestamp());
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer, ct);

        var host = await context.ServiceHost(context.Schema("bus"), exchange);
        var bus = host.Services.GetRequiredService<IMessageBus>();
        var count = context.Settings.BusEvents;
        var errors = 0;
        var started = Stopwatch.GetTimestamp();
        await Load.ParallelAsync(count, context.Settings.Writers, async (i, token) =>
        {
            var outcome = await bus.InvokeAsync<CommandOutcome>(Synthetic.Registration(i), token);
            if (outcome.Rejection is not null) Interlocked.Increment(ref errors);
        }, ct);
        var written = Stopwatch.GetElapsedTime(started);

        // wait for the last messages while they keep coming; give up after 30 s without one
        var seen = -1;
        var quiet = Stopwatch.StartNew();
        while (received.Count < count - errors && quiet.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (received.Count != seen) (seen, quiet) = (received.Count, Stopwatch.StartNew());
            await Task.Delay(50, ct);
        }

        var lost = count - errors - received.Count;
        var span = TimeSpan.FromSeconds((Interlocked.Read(ref lastReceived) - started) / (double)Stopwatch.Frequency);
        var latencies = new Latencies(received.Values);
        return
        [
            new ResultRow(Id, name)
            {
                Rate = received.Count / span.TotalSeconds,
                P50Ms = latencies.P50,
                P99Ms = latencies.P99,
                Errors = lost + errors,
                Targets = [Target.RateAtLeast(2_000), Target.P99AtMost(250)],
                Note = $"{received.Count:N0} of {count:N0} events arrived, {lost} lost; written at {count / written.TotalSeconds:N0}/s " +
                       $"by {context.Settings.Writers} writers"
            }
        ];
    }
}
