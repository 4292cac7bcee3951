namespace Marten.EventApp.Contracts.Orders;

/// <summary>A line as a caller sends it: nullable fields, so that a missing one is a validation error, not a binding
/// failure.</summary>
public sealed record OrderLineInput(string? Sku, int? Quantity, decimal? UnitPrice);

/// <summary>Place an order: at least one line, quantities above 0, unit prices 0 or more.</summary>
public sealed record CreateOrder(Guid OrderId, Guid? CustomerId, IReadOnlyList<OrderLineInput>? Lines);

/// <summary>The warehouse reports that an order left (only an order waiting for shipment can be shipped).</summary>
public sealed record ReportShipment(Guid OrderId, string? TrackingNumber);
