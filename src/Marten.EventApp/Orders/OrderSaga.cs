using System.Text.Json.Serialization;
using JasperFx.Events;
using Marten.EventApp.Contracts.Orders;
using Marten.EventApp.Sagas;
using Wolverine;

namespace Marten.EventApp.Orders;

public enum OrderProcessState { Started, PaymentPending, InventoryPending, FulfillmentPending, Completed, Failed }

// The seed's OrderProcessManager (its id is the order's): STARTED → PAYMENT_PENDING → INVENTORY_PENDING →
// FULFILLMENT_PENDING → COMPLETED. A late or duplicate reply, or a timeout after its step, is only recorded.
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

    public static (OrderSaga Saga, SagaEffects Effects) Begin(StartOrderProcess start, OrderOptions options,
        DateTimeOffset now)
    {
        var saga = new OrderSaga();
        return (saga, saga.On(start, options, now));
    }

    public SagaEffects On(StartOrderProcess start, OrderOptions options, DateTimeOffset now)
    {
        var effects = new SagaEffects();
        if (Steps.Count > 0)
        {
            Record(now, start, "duplicate start ignored");
            return effects;
        }

        Id = start.OrderId; // Wolverine sets it after this call on a new saga
        (CustomerId, Total, StartedAt) = (start.CustomerId, start.Total, now);
        Lines = [.. start.Lines];
        Status = SagaStatus.Started;
        State = OrderProcessState.PaymentPending;
        Record(now, start, "order process started: payment pending");
        return Begin(Payment, new ProcessPayment(Id, CustomerId, Total), options.PaymentTimeout, now, effects);
    }

    public SagaEffects On(PaymentSucceeded paid, OrderOptions options, DateTimeOffset now)
    {
        var effects = new SagaEffects();
        if (Unexpected(paid, OrderProcessState.PaymentPending, now)) return effects;
        Finish(Step(Payment)!, StepStatus.Done, now);
        PaymentId = paid.PaymentId;
        State = OrderProcessState.InventoryPending;
        Record(now, paid, $"payment {paid.PaymentId} processed: inventory pending");
        effects.Append(new PaymentProcessed(Id, paid.PaymentId, Total, now));
        return Begin(Inventory, new ReserveInventory(Id, Lines), options.InventoryTimeout, now, effects);
    }

    public SagaEffects On(PaymentDeclined declined, DateTimeOffset now)
    {
        if (Unexpected(declined, OrderProcessState.PaymentPending, now)) return new SagaEffects();
        Finish(Step(Payment)!, StepStatus.Failed, now, declined.Reason);
        return Fail(declined, "Payment failed", [new PaymentFailed(Id, declined.Reason, now)], now);
    }

    public SagaEffects On(InventoryReservationConfirmed reserved, DateTimeOffset now)
    {
        var effects = new SagaEffects();
        if (Unexpected(reserved, OrderProcessState.InventoryPending, now)) return effects;
        Finish(Step(Inventory)!, StepStatus.Done, now);
        State = OrderProcessState.FulfillmentPending;
        Record(now, reserved, $"inventory reserved ({reserved.ReservationId}): fulfillment pending");
        BeginStep(Fulfillment, now);
        return effects.Append(new InventoryReserved(Id, reserved.ReservationId, now)).Send(new FulfillOrder(Id));
    }

    public SagaEffects On(InventoryReservationRejected rejected, DateTimeOffset now)
    {
        if (Unexpected(rejected, OrderProcessState.InventoryPending, now)) return new SagaEffects();
        Finish(Step(Inventory)!, StepStatus.Failed, now, rejected.Reason);
        return Fail(rejected, "Inventory not available", [new InventoryReservationFailed(Id, rejected.Reason, now)],
            now);
    }

    public SagaEffects On(OrderShipmentReported shipped, DateTimeOffset now)
    {
        var effects = new SagaEffects();
        if (Unexpected(shipped, OrderProcessState.FulfillmentPending, now)) return effects;
        Finish(Step(Fulfillment)!, StepStatus.Done, now);
        State = OrderProcessState.Completed;
        Complete(now);
        Record(now, shipped, "shipped: order completed");
        return effects.Append(new OrderCompleted(Id, now)).Send(new SendOrderConfirmation(Id, CustomerId))
            .CancelAllTimeouts();
    }

    public SagaEffects On(OrderStepTimeout timeout, OrderOptions options, DateTimeOffset now)
    {
        var step = Step(timeout.Step);
        if (step is not null) TimeoutDone(step);
        var waiting = timeout.Step == Payment ? OrderProcessState.PaymentPending : OrderProcessState.InventoryPending;
        if (Unexpected(timeout, waiting, now)) return new SagaEffects();
        var limit = timeout.Step == Payment ? options.PaymentTimeout : options.InventoryTimeout;
        Finish(step!, StepStatus.Failed, now, $"no answer within {limit}");
        return Fail(timeout, $"{Capitalized(timeout.Step)} timed out", [], now);
    }

    public SagaEffects On(ForceOrderCompensation force, DateTimeOffset now)
    {
        if (IsFinished)
        {
            Record(now, force, $"operator compensation ignored (saga {Status})");
            return new SagaEffects();
        }

        foreach (var running in Steps.Where(s => s.Status == StepStatus.Running)) Finish(running, StepStatus.Failed,
            now, "forced by an operator");
        return Fail(force, $"Compensation forced by an operator: {force.Reason}", [], now);
    }

    public Task StartOrHandle(StartOrderProcess start, IMessageContext context, IDocumentSession session,
        OrderOptions options,
        DateTimeOffset now, CancellationToken ct) => On(start, options, now).ApplyAsync(this, context, session, ct);

    public Task Handle(PaymentSucceeded paid, IMessageContext context, IDocumentSession session, OrderOptions options,
        DateTimeOffset now, CancellationToken ct) => On(paid, options, now).ApplyAsync(this, context, session, ct);

    public Task Handle(PaymentDeclined declined, IMessageContext context, IDocumentSession session, DateTimeOffset now,
        CancellationToken ct) => On(declined, now).ApplyAsync(this, context, session, ct);

    public Task Handle(InventoryReservationConfirmed reserved, IMessageContext context, IDocumentSession session,
        DateTimeOffset now, CancellationToken ct) => On(reserved, now).ApplyAsync(this, context, session, ct);

    public Task Handle(InventoryReservationRejected rejected, IMessageContext context, IDocumentSession session,
        DateTimeOffset now, CancellationToken ct) => On(rejected, now).ApplyAsync(this, context, session, ct);

    public Task Handle(OrderShipmentReported shipped, IMessageContext context, IDocumentSession session,
        DateTimeOffset now,
        CancellationToken ct) => On(shipped, now).ApplyAsync(this, context, session, ct);

    public Task Handle(OrderStepTimeout timeout, IMessageContext context, IDocumentSession session,
        OrderOptions options,
        DateTimeOffset now, CancellationToken ct) => On(timeout, options, now).ApplyAsync(this, context, session, ct);

    public void Handle(OrderOperatorNote note, DateTimeOffset now) => Record(now, note, note.Note);

    public Task Handle(ForceOrderCompensation force, IMessageContext context, IDocumentSession session,
        DateTimeOffset now,
        CancellationToken ct) => On(force, now).ApplyAsync(this, context, session, ct);

    // Through FetchForWriting: the inline read model learns each event's version (a plain append under Marten's quick
    // append leaves it 0), and a concurrent command on the order makes this save fail and run again.
    public override async Task AppendAsync(IDocumentSession session, IReadOnlyList<object> events,
        CancellationToken ct) =>
        (FetchedStream ?? await session.Events.FetchForWriting<Order>(Id, ct)).AppendMany(events.ToArray());

    // fetched by the trigger with the rest of its batch in one round trip; never stored
    [JsonIgnore]
    internal IEventStream<Order>? FetchedStream { get; set; }

    private bool Unexpected(object message, OrderProcessState expected, DateTimeOffset now)
    {
        if (State == expected) return false;
        Record(now, message, $"ignored: the process is {State}, not {expected}");
        return true;
    }

    private SagaEffects Fail(object message, string reason, IReadOnlyList<object> facts, DateTimeOffset now)
    {
        State = OrderProcessState.Failed;
        Fail(now, reason);
        var effects = new SagaEffects().Append(facts.ToArray());
        if (PaymentId is not null)
        {
            effects.Send(new RefundPayment(Id, Total)).Append(new PaymentRefunded(Id, Total, now));
            if (Step(Payment) is { } payment) Finish(payment, StepStatus.Compensated, now);
        }

        Record(now, message, PaymentId is null
            ? $"failed: {reason}; order cancelled"
            : $"failed: {reason}; payment refunded, order cancelled");
        return effects.Append(new OrderCancelled(Id, reason, now)).CancelAllTimeouts();
    }

    private SagaEffects Begin(string name, object command, TimeSpan timeout, DateTimeOffset now, SagaEffects effects)
    {
        var step = BeginStep(name, now);
        return effects.Send(command).Schedule(TimeoutFor(step, new OrderStepTimeout(Id, name), timeout, now));
    }

    private static string Capitalized(string step) => char.ToUpperInvariant(step[0]) + step[1..];
}
