namespace Marten.EventApp.Contracts.Orders;

// Other services receive and send these; the simulators in this service stand in for them by default.

public sealed record ProcessPayment(Guid OrderId, Guid CustomerId, decimal Amount);

public sealed record PaymentSucceeded(Guid OrderId, string PaymentId);

public sealed record PaymentDeclined(Guid OrderId, string Reason);

public sealed record RefundPayment(Guid OrderId, decimal Amount);

public sealed record ReserveInventory(Guid OrderId, IReadOnlyList<OrderLine> Lines);

public sealed record InventoryReservationConfirmed(Guid OrderId, string ReservationId);

public sealed record InventoryReservationRejected(Guid OrderId, string Reason);

public sealed record FulfillOrder(Guid OrderId);

public sealed record SendOrderConfirmation(Guid OrderId, Guid CustomerId);
