using JasperFx.Events;
using Marten.EventApp.Contracts.Orders;
using Marten.Events.Aggregation;

namespace Marten.EventApp.Orders;

public sealed record OrderHistoryEntry(string EventType, DateTimeOffset At, string? Detail = null);

public sealed record OrderSummary
{
    public Guid Id { get; init; }
    public Guid CustomerId { get; init; }
    public OrderStatus Status { get; init; }
    public IReadOnlyList<OrderLine> Lines { get; init; } = [];
    public decimal Total { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public string? TrackingNumber { get; init; }
    public string? CancellationReason { get; init; }
    public IReadOnlyList<OrderHistoryEntry> History { get; init; } = [];
    public long Version { get; init; }

    internal OrderSummary With(string eventType, DateTimeOffset at, string? detail = null) =>
        this with { UpdatedAt = at, History = [.. History, new OrderHistoryEntry(eventType, at, detail)] };
}

// Times come from the events, so a rebuild reproduces the same documents.
public sealed partial class OrderSummaryProjection : SingleStreamProjection<OrderSummary, Guid>
{
    public static OrderSummary Create(OrderCreated e) => new OrderSummary
    {
        Id = e.OrderId,
        CustomerId = e.CustomerId,
        Status = OrderStatus.Placed,
        Lines = e.Lines,
        Total = e.Total,
        CreatedAt = e.CreatedAt,
        Version = 1
    }.With(nameof(OrderCreated), e.CreatedAt);

    public static OrderSummary Apply(PaymentProcessed e, OrderSummary o) =>
        (o with { Status = OrderStatus.Paid })
            .With(nameof(PaymentProcessed), e.ProcessedAt, $"payment {e.PaymentId}, {e.Amount}");

    public static OrderSummary Apply(PaymentFailed e, OrderSummary o) =>
        o.With(nameof(PaymentFailed), e.FailedAt, e.Reason);

    public static OrderSummary Apply(InventoryReserved e, OrderSummary o) =>
        (o with { Status = OrderStatus.AwaitingShipment })
            .With(nameof(InventoryReserved), e.ReservedAt, $"reservation {e.ReservationId}");

    public static OrderSummary Apply(InventoryReservationFailed e, OrderSummary o) =>
        o.With(nameof(InventoryReservationFailed), e.FailedAt, e.Reason);

    public static OrderSummary Apply(OrderShipped e, OrderSummary o) =>
        (o with { Status = OrderStatus.Shipped, TrackingNumber = e.TrackingNumber })
            .With(nameof(OrderShipped), e.ShippedAt, e.TrackingNumber);

    public static OrderSummary Apply(PaymentRefunded e, OrderSummary o) =>
        o.With(nameof(PaymentRefunded), e.RefundedAt, $"{e.Amount}");

    public static OrderSummary Apply(OrderCancelled e, OrderSummary o) =>
        (o with { Status = OrderStatus.Cancelled, CancellationReason = e.Reason })
            .With(nameof(OrderCancelled), e.CancelledAt, e.Reason);

    public static OrderSummary Apply(OrderCompleted e, OrderSummary o) =>
        (o with { Status = OrderStatus.Completed }).With(nameof(OrderCompleted), e.CompletedAt);
}
