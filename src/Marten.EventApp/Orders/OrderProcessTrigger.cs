using System.Text.Json;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.Contracts.Orders;
using Marten.EventApp.EventBus;

namespace Marten.EventApp.Orders;

/// <summary>The bus consumer that moves the order process: its own durable queue, bound to the two events it needs.</summary>
public static class OrderProcessTrigger
{
    public const string Queue = "marten-eventapp.order-process";
    public static readonly string[] BindingKeys = [$"{nameof(OrderCreated)}.*", $"{nameof(OrderShipped)}.*"];

    private sealed record CreatedData(Guid CustomerId, List<OrderLine> Lines, decimal Total);

    public static object? Handle(EventEnvelope e) => e.EventType switch
    {
        nameof(OrderCreated) when e.EventData.Deserialize<CreatedData>(WireJson.Options) is { } data =>
            new StartOrderProcess(e.AggregateId, data.CustomerId, data.Total, data.Lines),
        nameof(OrderShipped) => new OrderShipmentReported(e.AggregateId),
        _ => null
    };
}
