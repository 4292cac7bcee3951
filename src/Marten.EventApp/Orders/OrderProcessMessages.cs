using Marten.EventApp.Contracts.Orders;

namespace Marten.EventApp.Orders;

public sealed record StartOrderProcess(Guid OrderId, Guid CustomerId, decimal Total, IReadOnlyList<OrderLine> Lines);

public sealed record OrderShipmentReported(Guid OrderId);

public sealed record OrderStepTimeout(Guid OrderId, string Step);

public sealed record OrderOperatorNote(Guid OrderId, string Note);

public sealed record ForceOrderCompensation(Guid OrderId, string Reason);
