using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Contracts.Orders;
using Marten.EventApp.Orders;

namespace Marten.EventApp.Tests.Orders;

public sealed class when_deciding_an_order
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);
    private static readonly Guid Customer = Guid.NewGuid();

    [Fact]
    public void a_valid_order_is_created_with_its_total_and_trimmed_skus()
    {
        var id = Guid.NewGuid();
        var decision = CreateOrderHandler.Decide(new CreateOrder(id, Customer,
            [new OrderLineInput(" SKU-1 ", 2, 19.99m), new OrderLineInput("SKU-2", 1, 0m)]), Now);

        var created = Assert.IsType<OrderCreated>(Assert.Single(decision.Events));
        Assert.Equal((id, Customer, 39.98m, Now),
            (created.OrderId, created.CustomerId, created.Total, created.CreatedAt));
        Assert.Equal([new OrderLine("SKU-1", 2, 19.99m), new OrderLine("SKU-2", 1, 0m)], created.Lines);
    }

    [Theory]
    [InlineData(null, 1, 1.0, "lines[0].sku")]
    [InlineData("A", 0, 1.0, "lines[0].quantity")]
    [InlineData("A", 10_001, 1.0, "lines[0].quantity")]
    [InlineData("A", 1, -0.01, "lines[0].unitPrice")]
    [InlineData("A", 1, 1.001, "lines[0].unitPrice")]
    public void a_bad_line_is_refused_naming_its_field(string? sku, int quantity, double price, string field)
    {
        var decision = CreateOrderHandler.Decide(new CreateOrder(Guid.NewGuid(), Customer,
            [new OrderLineInput(sku, quantity, (decimal)price)]), Now);

        Assert.Equal(RejectionKind.Invalid, decision.Rejection?.Kind);
        Assert.Equal([field], decision.Rejection!.Errors!.Keys);
    }

    [Fact]
    public void an_order_without_customer_or_lines_is_refused()
    {
        var decision = CreateOrderHandler.Decide(new CreateOrder(Guid.NewGuid(), null, []), Now);

        Assert.Equal(["customerId", "lines"], decision.Rejection!.Errors!.Keys.Order());
    }

    [Fact]
    public void only_an_order_waiting_for_shipment_ships()
    {
        var waiting = new Order(Guid.NewGuid(), Customer, 10m, OrderStatus.AwaitingShipment, true, 3);

        var shipped = ReportShipmentHandler.Decide(new ReportShipment(waiting.Id, " TRACK-1 "), waiting, Now);
        Assert.Equal(new OrderShipped(waiting.Id, "TRACK-1", Now), Assert.Single(shipped.Events));

        foreach (var status in new[] { OrderStatus.Placed, OrderStatus.Paid, OrderStatus.Shipped,
            OrderStatus.Cancelled })
            Assert.Equal(RejectionKind.Conflict,
                ReportShipmentHandler.Decide(new ReportShipment(waiting.Id, null), waiting with { Status = status },
                Now).Rejection?.Kind);
        Assert.Equal(RejectionKind.NotFound,
            ReportShipmentHandler.Decide(new ReportShipment(waiting.Id, null), null, Now).Rejection?.Kind);
    }
}

public sealed class when_the_order_simulators_answer
{
    private static readonly ProcessPayment Payment = new(Guid.NewGuid(), Guid.NewGuid(), 20m);
    private static readonly ReserveInventory Reservation = new(Guid.NewGuid(), [new OrderLine("A", 1, 20m)]);

    [Fact]
    public void they_approve_decline_or_stay_silent_as_configured()
    {
        Assert.IsType<PaymentSucceeded>(OrderSimulators.Handle(Payment, new OrderOptions()));
        Assert.IsType<PaymentDeclined>(OrderSimulators.Handle(Payment,
            new OrderOptions { Payment = SimulatedAnswer.Decline }));
        Assert.Null(OrderSimulators.Handle(Payment, new OrderOptions { Payment = SimulatedAnswer.NoAnswer }));
        Assert.IsType<InventoryReservationConfirmed>(OrderSimulators.Handle(Reservation, new OrderOptions()));
        Assert.IsType<InventoryReservationRejected>(OrderSimulators.Handle(Reservation,
            new OrderOptions { Inventory = SimulatedAnswer.Decline }));
        Assert.Null(OrderSimulators.Handle(Reservation, new OrderOptions { Inventory = SimulatedAnswer.NoAnswer }));
    }
}
