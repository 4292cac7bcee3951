using Marten.EventApp.Contracts.Events;

namespace Marten.EventApp.Contracts.Orders;

public sealed record OrderLine(string Sku, int Quantity, decimal UnitPrice);

public sealed record OrderCreated(Guid OrderId, Guid CustomerId, IReadOnlyList<OrderLine> Lines, decimal Total,
    DateTimeOffset CreatedAt)
    : IDomainEvent
{
    DateTimeOffset IDomainEvent.OccurredOn => CreatedAt;
}

public sealed record PaymentProcessed(Guid OrderId, string PaymentId, decimal Amount,
    DateTimeOffset ProcessedAt) : IDomainEvent
{
    DateTimeOffset IDomainEvent.OccurredOn => ProcessedAt;
}

public sealed record PaymentFailed(Guid OrderId, string Reason, DateTimeOffset FailedAt) : IDomainEvent
{
    DateTimeOffset IDomainEvent.OccurredOn => FailedAt;
}

public sealed record InventoryReserved(Guid OrderId, string ReservationId, DateTimeOffset ReservedAt) : IDomainEvent
{
    DateTimeOffset IDomainEvent.OccurredOn => ReservedAt;
}

public sealed record InventoryReservationFailed(Guid OrderId, string Reason, DateTimeOffset FailedAt) : IDomainEvent
{
    DateTimeOffset IDomainEvent.OccurredOn => FailedAt;
}

public sealed record OrderShipped(Guid OrderId, string? TrackingNumber, DateTimeOffset ShippedAt) : IDomainEvent
{
    DateTimeOffset IDomainEvent.OccurredOn => ShippedAt;
}

public sealed record PaymentRefunded(Guid OrderId, decimal Amount, DateTimeOffset RefundedAt) : IDomainEvent
{
    DateTimeOffset IDomainEvent.OccurredOn => RefundedAt;
}

public sealed record OrderCancelled(Guid OrderId, string Reason, DateTimeOffset CancelledAt) : IDomainEvent
{
    DateTimeOffset IDomainEvent.OccurredOn => CancelledAt;
}

public sealed record OrderCompleted(Guid OrderId, DateTimeOffset CompletedAt) : IDomainEvent
{
    DateTimeOffset IDomainEvent.OccurredOn => CompletedAt;
}
