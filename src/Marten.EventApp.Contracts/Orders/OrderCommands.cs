namespace Marten.EventApp.Contracts.Orders;

// nullable fields, so that a missing one is a validation error, not a binding failure
public sealed record OrderLineInput(string? Sku, int? Quantity, decimal? UnitPrice);

public sealed record CreateOrder(Guid OrderId, Guid? CustomerId, IReadOnlyList<OrderLineInput>? Lines);

public sealed record ReportShipment(Guid OrderId, string? TrackingNumber);
