using System.Text.Json;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.Contracts.Orders;
using Marten.EventApp.EventBus;
using Marten.EventApp.Sagas;
using Wolverine;

namespace Marten.EventApp.Orders;

/// <summary>
/// The bus consumer that moves the order process: its own durable queue, bound to the two events it needs. A placed
/// order starts its saga here, in this transaction (<see cref="SagaStart"/>), and with the simulators on their answers
/// move it on in the same transaction to where it waits for the shipment; a shipment is handed to the saga.
/// </summary>
public static class OrderProcessTrigger
{
    public const string Queue = "marten-eventapp.order-process";
    public static readonly string[] BindingKeys = [$"{nameof(OrderCreated)}.*", $"{nameof(OrderShipped)}.*"];

    private sealed record CreatedData(Guid CustomerId, List<OrderLine> Lines, decimal Total);

    public static async Task<OrderShipmentReported?> Handle(EventEnvelope e, IDocumentSession session, IMessageContext context,
        OrderOptions options, TimeProvider clock, ILoggerFactory logs, DateTimeOffset now, CancellationToken ct)
    {
        switch (e.EventType)
        {
            case nameof(OrderCreated) when e.EventData.Deserialize<CreatedData>(WireJson.Options) is { } data:
                var start = new StartOrderProcess(e.AggregateId, data.CustomerId, data.Total, data.Lines);
                await SagaStart.StartAsync(start.OrderId, async () =>
                {
                    var (saga, effects) = OrderSaga.Begin(start, options, now);
                    return (saga, options.Simulators ? await OrderSimulators.RunInlineAsync(saga, effects, options, clock, logs, now) : effects);
                }, saga => saga.On(start, options, now), session, context, ct);
                return null;
            case nameof(OrderShipped):
                return new OrderShipmentReported(e.AggregateId);
            default:
                return null;
        }
    }
}
