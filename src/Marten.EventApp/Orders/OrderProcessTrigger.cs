using System.Text.Json;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.Contracts.Orders;
using Marten.EventApp.EventBus;
using Marten.EventApp.Sagas;
using Marten.EventApp.Sequences;
using Wolverine;

namespace Marten.EventApp.Orders;

// its own type, so that its deliveries are handled in batches
public sealed record OrderProcessEvent(EventEnvelope Event, string? TraceParent) : IBatchedEvent<OrderProcessEvent>
{
    public static OrderProcessEvent Of(EventEnvelope e, string? traceParent) => new(e, traceParent);
}

// Placed orders start their sagas in the batch's transaction (SagaStart). One order's two events never meet out of
// order in a batch: an order ships only once its process has reached AwaitingShipment, committed by its OrderCreated.
public static class OrderProcessTrigger
{
    public const string Queue = "marten-eventapp.order-process";
    public static readonly string[] BindingKeys = [$"{nameof(OrderCreated)}.*", $"{nameof(OrderShipped)}.*"];

    private sealed record CreatedData(Guid CustomerId, List<OrderLine> Lines, decimal Total);

    public static async Task Handle(OrderProcessEvent[] events, IDocumentSession session, IMessageContext context,
        Envelope envelope, SequenceGate gate, OrderOptions options, TimeProvider clock, ILoggerFactory logs,
        DateTimeOffset now,
        CancellationToken ct) =>
        await MoveAsync(await gate.AdmitAsync(Queue, events, envelope, session, context, ct), session, context,
            options, clock, logs,
            now, ct);

    public static Task Replay(IServiceProvider services, IReadOnlyList<EventEnvelope> events, IDocumentSession session,
        IMessageContext context, CancellationToken ct)
    {
        var clock = services.GetRequiredService<TimeProvider>();
        return MoveAsync(events.Select(e => OrderProcessEvent.Of(e, null)).ToArray(), session, context,
            services.GetRequiredService<OrderOptions>(), clock, services.GetRequiredService<ILoggerFactory>(),
            clock.GetUtcNow(), ct);
    }

    private static async Task MoveAsync(OrderProcessEvent[] events, IDocumentSession session, IMessageContext context,
        OrderOptions options, TimeProvider clock, ILoggerFactory logs, DateTimeOffset now, CancellationToken ct)
    {
        var starts = new Dictionary<Guid, (StartOrderProcess Start, string? TraceParent)>();
        foreach (var (e, traceParent) in events)
        {
            switch (e.EventType)
            {
                case nameof(OrderCreated) when e.EventData.Deserialize<CreatedData>(WireJson.Options) is { } data:
                    starts.TryAdd(e.AggregateId,
                        (new StartOrderProcess(e.AggregateId, data.CustomerId, data.Total, data.Lines), traceParent));
                    break;
                case nameof(OrderShipped):
                    await context.SendAsync(new OrderShipmentReported(e.AggregateId));
                    break;
            }
        }

        if (starts.Count == 0) return;
        // every order's stream in one round trip instead of one per order as each process appends
        var ids = starts.Keys.ToList();
        var streams = (await session.Events.FetchManyForWriting<Order>(ids, ct))
            .Zip(ids).ToDictionary(p => p.Second, p => p.First);
        await SagaStart.StartAllAsync(ids.Select(id => new SagaTrigger(id, starts[id].TraceParent)).ToList(),
            async id =>
            {
                var (saga, effects) = OrderSaga.Begin(starts[id].Start, options, now);
                saga.FetchedStream = streams[id];
                return (saga, options.Simulators
                    ? await OrderSimulators.RunInlineAsync(saga, effects, options, clock, logs, now)
                    : effects);
            }, saga => saga.On(starts[saga.Id].Start, options, now), session, context, ct);
    }
}
