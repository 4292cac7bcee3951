using Marten.EventApp.Contracts.Orders;
using Marten.EventApp.Sagas;
using Wolverine;

namespace Marten.EventApp.Orders;

public enum OrderProcessState { Started, PaymentPending, InventoryPending, FulfillmentPending, Completed, Failed }

/// <summary>Starts the process for a placed order (from the bus: <c>OrderCreated</c>).</summary>
public sealed record StartOrderProcess(Guid OrderId, Guid CustomerId, decimal Total, IReadOnlyList<OrderLine> Lines);

/// <summary>The warehouse reported the order shipped (from the bus: <c>OrderShipped</c>).</summary>
public sealed record OrderShipmentReported(Guid OrderId);

/// <summary>A step's durable timeout (payment, inventory).</summary>
public sealed record OrderStepTimeout(Guid OrderId, string Step);

/// <summary>An operator's note and an operator's "compensate now".</summary>
public sealed record OrderOperatorNote(Guid OrderId, string Note);

public sealed record ForceOrderCompensation(Guid OrderId, string Reason);

/// <summary>
/// The seed's <c>OrderProcessManager</c> (its id is the order's; Wolverine finds it by the messages' <c>OrderId</c>):
/// STARTED → PAYMENT_PENDING (payment timeout) → INVENTORY_PENDING (inventory timeout) → FULFILLMENT_PENDING →
/// COMPLETED on the shipment. A declined payment cancels the order; a rejected reservation refunds and cancels; a
/// timeout fails the process with the compensations that apply (refund if paid, cancel). Every fact goes on the
/// order's stream. A late or duplicate reply, or a timeout after its step, changes nothing and is recorded.
/// </summary>
public sealed class OrderSaga : TrackedSaga
{
    public const string Payment = "payment";
    public const string Inventory = "inventory";
    public const string Fulfillment = "fulfillment";

    public OrderProcessState State { get; set; }
    public Guid CustomerId { get; set; }
    public decimal Total { get; set; }
    public List<OrderLine> Lines { get; set; } = [];
    public string? PaymentId { get; set; }

    public async Task StartOrHandle(StartOrderProcess start, IMessageContext context, OrderOptions options, DateTimeOffset now)
    {
        if (Steps.Count > 0)
        {
            Record(now, start, "duplicate start ignored");
            return;
        }

        Id = start.OrderId; // Wolverine sets it after this call on a new saga
        (CustomerId, Total, StartedAt) = (start.CustomerId, start.Total, now);
        Lines = [.. start.Lines];
        Status = SagaStatus.Started;
        State = OrderProcessState.PaymentPending;
        Record(now, start, "order process started: payment pending");
        await BeginAsync(Payment, new ProcessPayment(Id, CustomerId, Total), options.PaymentTimeout, context, now);
    }

    public async Task Handle(PaymentSucceeded paid, IMessageContext context, IDocumentSession session, OrderOptions options,
        DateTimeOffset now, CancellationToken ct)
    {
        if (Unexpected(paid, OrderProcessState.PaymentPending, now)) return;
        Finish(Step(Payment)!, StepStatus.Done, now);
        PaymentId = paid.PaymentId;
        State = OrderProcessState.InventoryPending;
        Record(now, paid, $"payment {paid.PaymentId} processed: inventory pending");
        await AppendToStreamAsync<Order>(session, ct, new PaymentProcessed(Id, paid.PaymentId, Total, now));
        await BeginAsync(Inventory, new ReserveInventory(Id, Lines), options.InventoryTimeout, context, now);
    }

    public async Task Handle(PaymentDeclined declined, IMessageContext context, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        if (Unexpected(declined, OrderProcessState.PaymentPending, now)) return;
        Finish(Step(Payment)!, StepStatus.Failed, now, declined.Reason);
        await FailAsync(declined, "Payment failed", [new PaymentFailed(Id, declined.Reason, now)], context, session, now, ct);
    }

    public async Task Handle(InventoryReservationConfirmed reserved, IMessageContext context, IDocumentSession session,
        DateTimeOffset now, CancellationToken ct)
    {
        if (Unexpected(reserved, OrderProcessState.InventoryPending, now)) return;
        Finish(Step(Inventory)!, StepStatus.Done, now);
        State = OrderProcessState.FulfillmentPending;
        Record(now, reserved, $"inventory reserved ({reserved.ReservationId}): fulfillment pending");
        await AppendToStreamAsync<Order>(session, ct, new InventoryReserved(Id, reserved.ReservationId, now));
        BeginStep(Fulfillment, now);
        await context.SendAsync(new FulfillOrder(Id));
    }

    public async Task Handle(InventoryReservationRejected rejected, IMessageContext context, IDocumentSession session,
        DateTimeOffset now, CancellationToken ct)
    {
        if (Unexpected(rejected, OrderProcessState.InventoryPending, now)) return;
        Finish(Step(Inventory)!, StepStatus.Failed, now, rejected.Reason);
        await FailAsync(rejected, "Inventory not available", [new InventoryReservationFailed(Id, rejected.Reason, now)], context, session, now, ct);
    }

    public async Task Handle(OrderShipmentReported shipped, IMessageContext context, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        if (Unexpected(shipped, OrderProcessState.FulfillmentPending, now)) return;
        Finish(Step(Fulfillment)!, StepStatus.Done, now);
        State = OrderProcessState.Completed;
        Complete(now);
        Record(now, shipped, "shipped: order completed");
        await AppendToStreamAsync<Order>(session, ct, new OrderCompleted(Id, now));
        await context.SendAsync(new SendOrderConfirmation(Id, CustomerId));
        await CancelTimeoutsAsync(context, ct);
    }

    public async Task Handle(OrderStepTimeout timeout, IMessageContext context, IDocumentSession session, OrderOptions options,
        DateTimeOffset now, CancellationToken ct)
    {
        var step = Step(timeout.Step);
        if (step is not null) TimeoutDone(step);
        var waiting = timeout.Step == Payment ? OrderProcessState.PaymentPending : OrderProcessState.InventoryPending;
        if (Unexpected(timeout, waiting, now)) return;
        var limit = timeout.Step == Payment ? options.PaymentTimeout : options.InventoryTimeout;
        Finish(step!, StepStatus.Failed, now, $"no answer within {limit}");
        await FailAsync(timeout, $"{Capitalized(timeout.Step)} timed out", [], context, session, now, ct);
    }

    public void Handle(OrderOperatorNote note, DateTimeOffset now) => Record(now, note, note.Note);

    public async Task Handle(ForceOrderCompensation force, IMessageContext context, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        if (IsFinished)
        {
            Record(now, force, $"operator compensation ignored (saga {Status})");
            return;
        }

        foreach (var running in Steps.Where(s => s.Status == StepStatus.Running)) Finish(running, StepStatus.Failed, now, "forced by an operator");
        await FailAsync(force, $"Compensation forced by an operator: {force.Reason}", [], context, session, now, ct);
    }

    /// <summary>A reply or timeout for a state the process has left: recorded, nothing else.</summary>
    private bool Unexpected(object message, OrderProcessState expected, DateTimeOffset now)
    {
        if (State == expected) return false;
        Record(now, message, $"ignored: the process is {State}, not {expected}");
        return true;
    }

    /// <summary>FAILED with the compensations that apply: a refund if it was paid, then the cancellation.</summary>
    private async Task FailAsync(object message, string reason, IReadOnlyList<object> facts, IMessageContext context,
        IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        State = OrderProcessState.Failed;
        Fail(now, reason);
        var events = new List<object>(facts);
        if (PaymentId is not null)
        {
            await context.SendAsync(new RefundPayment(Id, Total));
            events.Add(new PaymentRefunded(Id, Total, now));
            if (Step(Payment) is { } payment) Finish(payment, StepStatus.Compensated, now);
        }

        events.Add(new OrderCancelled(Id, reason, now));
        Record(now, message, PaymentId is null ? $"failed: {reason}; order cancelled" : $"failed: {reason}; payment refunded, order cancelled");
        await AppendToStreamAsync<Order>(session, ct, events.ToArray());
        await CancelTimeoutsAsync(context, ct);
    }

    private async Task BeginAsync(string name, object command, TimeSpan timeout, IMessageContext context, DateTimeOffset now)
    {
        var step = BeginStep(name, now);
        await context.SendAsync(command);
        await ScheduleTimeoutAsync(context, step, new OrderStepTimeout(Id, name), timeout, now);
    }

    private static string Capitalized(string step) => char.ToUpperInvariant(step[0]) + step[1..];
}
