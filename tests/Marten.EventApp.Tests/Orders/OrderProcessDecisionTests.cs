using Marten.EventApp.Contracts.Orders;
using Marten.EventApp.Orders;
using Marten.EventApp.Sagas;

namespace Marten.EventApp.Tests.Orders;

public sealed class when_the_order_process_decides
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
    private static readonly OrderOptions Options = new();
    private static readonly Guid Order = Guid.NewGuid();
    private static readonly Guid Customer = Guid.NewGuid();

    private static OrderSaga Started(out SagaEffects effects)
    {
        var saga = new OrderSaga();
        effects = saga.On(new StartOrderProcess(Order, Customer, 25m, [new OrderLine("BOOK-1", 2, 12.5m)]), Options,
            Now);
        return saga;
    }

    [Fact]
    public void a_placed_order_asks_for_its_payment_with_a_timeout()
    {
        var saga = Started(out var effects);

        Assert.Equal(OrderProcessState.PaymentPending, saga.State);
        Assert.Equal([new ProcessPayment(Order, Customer, 25m)], effects.Messages);
        var timeout = Assert.Single(effects.Timeouts);
        Assert.Equal((OrderSaga.Payment, new OrderStepTimeout(Order, OrderSaga.Payment), Now + Options.PaymentTimeout),
            (timeout.Step, timeout.Message, timeout.DueAt));
    }

    [Fact]
    public void a_payment_records_the_fact_and_asks_for_the_inventory()
    {
        var saga = Started(out _);

        var effects = saga.On(new PaymentSucceeded(Order, "pay-1"), Options, Now);

        Assert.Equal([new PaymentProcessed(Order, "pay-1", 25m, Now)], effects.Events);
        Assert.IsType<ReserveInventory>(Assert.Single(effects.Messages));
        Assert.Equal(OrderSaga.Inventory, Assert.Single(effects.Timeouts).Step);
    }

    [Fact]
    public void a_rejected_reservation_refunds_and_cancels_and_clears_the_timeouts()
    {
        var saga = Started(out _);
        saga.On(new PaymentSucceeded(Order, "pay-1"), Options, Now);

        var effects = saga.On(new InventoryReservationRejected(Order, "none left"), Now);

        Assert.Equal((OrderProcessState.Failed, SagaStatus.Failed), (saga.State, saga.Status));
        Assert.Equal([new RefundPayment(Order, 25m)], effects.Messages);
        Assert.Equal([typeof(InventoryReservationFailed), typeof(PaymentRefunded), typeof(OrderCancelled)],
            effects.Events.Select(e => e.GetType()));
        Assert.True(effects.CancelTimeouts);
    }

    [Fact]
    public void a_timeout_after_its_step_changes_nothing()
    {
        var saga = Started(out _);
        saga.On(new PaymentSucceeded(Order, "pay-1"), Options, Now);

        var effects = saga.On(new OrderStepTimeout(Order, OrderSaga.Payment), Options, Now);

        Assert.Equal(OrderProcessState.InventoryPending, saga.State);
        Assert.True(effects.Messages.Count + effects.Events.Count + effects.Timeouts.Count == 0
            && !effects.CancelTimeouts);
        Assert.StartsWith("ignored", saga.Timeline[^1].Note);
    }
}
