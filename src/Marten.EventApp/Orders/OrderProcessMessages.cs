using Marten.EventApp.Contracts.Orders;

namespace Marten.EventApp.Orders;

// The order process's own messages; the payment, inventory and shipping services' are in the contracts.

/// <summary>Starts the process for a placed order (from the bus: <c>OrderCreated</c>).</summary>
public sealed record StartOrderProcess(Guid OrderId, Guid CustomerId, decimal Total, IReadOnlyList<OrderLine> Lines);

/// <summary>The warehouse reported the order shipped (from the bus: <c>OrderShipped</c>).</summary>
public sealed record OrderShipmentReported(Guid OrderId);

/// <summary>A step's durable timeout (payment, inventory).</summary>
public sealed record OrderStepTimeout(Guid OrderId, string Step);

/// <summary>An operator's note and an operator's "compensate now".</summary>
public sealed record OrderOperatorNote(Guid OrderId, string Note);

public sealed record ForceOrderCompensation(Guid OrderId, string Reason);
