using Marten.EventApp.Contracts.Orders;

namespace Marten.EventApp.Orders;

public enum OrderStatus { Placed, Paid, AwaitingShipment, Shipped, Completed, Cancelled }

// Write-side state only, kept as an inline snapshot; the steps between the events belong to the order process manager.
public sealed record Order(Guid Id, Guid CustomerId, decimal Total, OrderStatus Status, bool Paid, long Version)
{
    public static Order Create(OrderCreated e) => new(e.OrderId, e.CustomerId, e.Total, OrderStatus.Placed, false, 1);

    public Order Apply(PaymentProcessed e) => this with { Status = OrderStatus.Paid, Paid = true };

    public Order Apply(PaymentFailed e) => this;

    public Order Apply(InventoryReserved e) => this with { Status = OrderStatus.AwaitingShipment };

    public Order Apply(InventoryReservationFailed e) => this;

    public Order Apply(OrderShipped e) => this with { Status = OrderStatus.Shipped };

    public Order Apply(PaymentRefunded e) => this with { Paid = false };

    public Order Apply(OrderCancelled e) => this with { Status = OrderStatus.Cancelled };

    public Order Apply(OrderCompleted e) => this with { Status = OrderStatus.Completed };
}
