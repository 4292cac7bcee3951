using System.Text.Json;
using Alba;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.Contracts.Orders;
using Marten.EventApp.EventBus;
using Marten.EventApp.Orders;
using Marten.EventApp.Sagas;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.Persistence.Durability.ScheduledMessageManagement;
using Wolverine.Runtime;
using Wolverine.Tracking;

namespace Marten.EventApp.IntegrationTests.Orders;

[Collection(OrderProcessCollection.Name)]
public sealed class when_an_order_is_processed(OrderProcessFixture fixture) : IAsyncLifetime
{
    private IAlbaHost Host => fixture.Host;
    private IDocumentStore Store => Host.Services.GetRequiredService<IDocumentStore>();
    private IWolverineRuntime Runtime => Host.Services.GetRequiredService<IWolverineRuntime>();

    public Task InitializeAsync() => fixture.ResetAsync();
    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<Guid> Placed()
    {
        var result = await Host.Scenario(x =>
        {
            x.Post.Json(new { customerId = Guid.NewGuid(),
                lines = new[] { new { sku = "BOOK-1", quantity = 2, unitPrice = 10m } } }).ToUrl("/api/orders");
            x.StatusCodeShouldBe(201);
        });
        var id = (await result.ReadAsJsonAsync<OrderVersion>())!.Id;
        await SagaWhen(id, s => s.State == OrderProcessState.PaymentPending);
        return id;
    }

    private Task<OrderSaga> SagaWhen(Guid id, Func<OrderSaga, bool> condition) => Host.SagaWhen(id, condition);

    private async Task<IReadOnlyList<object>> OrderEvents(Guid id)
    {
        await using var session = Store.QuerySession();
        return (await session.Events.FetchStreamAsync(id)).Select(e => e.Data).ToList();
    }

    private async Task<IReadOnlyList<ScheduledMessageSummary>> Scheduled() =>
        (await Runtime.Storage.ScheduledMessages.QueryAsync(new ScheduledMessageQuery { PageSize = 0 },
            CancellationToken.None)).Messages;

    private Task FireTimeout(OrderSaga saga, string step) =>
        Runtime.Storage.ScheduledMessages.RescheduleAsync(saga.Step(step)!.TimeoutId!.Value, DateTimeOffset.UtcNow,
            CancellationToken.None);

    private static Type[] Types(IEnumerable<object> events) => events.Select(e => e.GetType()).ToArray();

    [Fact]
    public async Task the_happy_path_runs_payment_inventory_and_fulfilment_and_completes_on_the_shipment()
    {
        var id = await Placed();
        await Host.SentAndHandled(new PaymentSucceeded(id, "pay_1"));
        await SagaWhen(id, s => s.State == OrderProcessState.InventoryPending);
        await Host.SentAndHandled(new InventoryReservationConfirmed(id, "res_1"));
        await SagaWhen(id, s => s.State == OrderProcessState.FulfillmentPending);
        Assert.Equal(OrderStatus.AwaitingShipment, (await Host.GetAsJson<OrderSummary>($"/api/orders/{id}"))!.Status);

        await Host.Scenario(x =>
        {
            x.Post.Json(new { trackingNumber = "TRK-1" }).ToUrl($"/api/orders/{id}/shipment");
            x.StatusCodeShouldBeOk();
        });

        var saga = await SagaWhen(id, s => s.Status == SagaStatus.Completed);
        Assert.Equal(OrderProcessState.Completed, saga.State);
        Assert.Equal([typeof(OrderCreated), typeof(PaymentProcessed), typeof(InventoryReserved), typeof(OrderShipped),
            typeof(OrderCompleted)],
            Types(await OrderEvents(id)));
        var order = (await Host.GetAsJson<OrderSummary>($"/api/orders/{id}"))!;
        Assert.Equal((OrderStatus.Completed, "TRK-1", 5L), (order.Status, order.TrackingNumber, order.Version));
        Assert.Empty(await Scheduled());
    }

    [Fact]
    public async Task a_declined_payment_cancels_the_order()
    {
        var id = await Placed();
        await Host.SentAndHandled(new PaymentDeclined(id, "insufficient funds"));

        var saga = await SagaWhen(id, s => s.Status == SagaStatus.Failed);
        Assert.Equal((OrderProcessState.Failed, "Payment failed"), (saga.State, saga.Error));
        Assert.Equal([typeof(OrderCreated), typeof(PaymentFailed), typeof(OrderCancelled)],
            Types(await OrderEvents(id)));
        Assert.Equal("Payment failed", (await Host.GetAsJson<OrderSummary>($"/api/orders/{id}"))!.CancellationReason);
        Assert.Empty(await Scheduled());
    }

    [Fact]
    public async Task a_rejected_reservation_refunds_and_cancels()
    {
        var id = await Placed();
        await Host.SentAndHandled(new PaymentSucceeded(id, "pay_1"));
        await SagaWhen(id, s => s.State == OrderProcessState.InventoryPending);
        await Host.SentAndHandled(new InventoryReservationRejected(id, "out of stock"));

        var saga = await SagaWhen(id, s => s.Status == SagaStatus.Failed);
        Assert.Equal("Inventory not available", saga.Error);
        var events = await OrderEvents(id);
        Assert.Equal([typeof(OrderCreated), typeof(PaymentProcessed), typeof(InventoryReservationFailed),
            typeof(PaymentRefunded), typeof(OrderCancelled)],
            Types(events));
        Assert.Equal(20m, events.OfType<PaymentRefunded>().Single().Amount);
        Assert.Empty(await Scheduled());
    }

    [Fact]
    public async Task a_payment_timeout_cancels_without_refund_and_a_late_payment_changes_nothing()
    {
        var id = await Placed();
        var pending = await SagaWhen(id, s => s.Step(OrderSaga.Payment)?.TimeoutId is not null);
        Assert.Contains(await Scheduled(), m => m.Id == pending.Step(OrderSaga.Payment)!.TimeoutId);

        await FireTimeout(pending, OrderSaga.Payment);
        var failed = await SagaWhen(id, s => s.Status == SagaStatus.Failed);
        Assert.Equal("Payment timed out", failed.Error);
        await Host.SentAndHandled(new PaymentSucceeded(id, "pay_late"));

        var saga = await SagaWhen(id, s => s.Timeline.Count > failed.Timeline.Count);
        Assert.Equal("ignored: the process is Failed, not PaymentPending", saga.Timeline[^1].Note);
        Assert.Equal([typeof(OrderCreated), typeof(OrderCancelled)], Types(await OrderEvents(id)));
    }

    [Fact]
    public async Task an_inventory_timeout_refunds_and_cancels()
    {
        var id = await Placed();
        await Host.SentAndHandled(new PaymentSucceeded(id, "pay_1"));
        var pending = await SagaWhen(id, s => s.State == OrderProcessState.InventoryPending);

        await FireTimeout(pending, OrderSaga.Inventory);

        var saga = await SagaWhen(id, s => s.Status == SagaStatus.Failed);
        Assert.Equal("Inventory timed out", saga.Error);
        Assert.Equal([typeof(OrderCreated), typeof(PaymentProcessed), typeof(PaymentRefunded), typeof(OrderCancelled)],
            Types(await OrderEvents(id)));
        Assert.Empty(await Scheduled());
    }

    [Fact]
    public async Task a_redelivered_order_created_finds_the_process_started_by_the_first_and_starts_nothing()
    {
        var id = await Placed();
        var placed = (await OrderEvents(id)).OfType<OrderCreated>().Single();
        var again = new EventEnvelope(Guid.NewGuid(), nameof(OrderCreated), id, 1, 1, DateTimeOffset.UtcNow,
            JsonSerializer.SerializeToElement(new { placed.CustomerId, placed.Lines, placed.Total }, WireJson.Options));

        await Host.TrackActivity(Tracking.Patience)
            .ExecuteAndWaitAsync(c =>
            c.EndpointFor(OrderProcessTrigger.Queue).SendAsync(new OrderProcessEvent(again, null)).AsTask());

        var saga = await SagaWhen(id, s => s.Timeline.Any(t => t.Note == "duplicate start ignored"));
        Assert.Equal(OrderProcessState.PaymentPending, saga.State);
        Assert.Single(saga.Steps);
        Assert.Single(await Scheduled(), m => m.SagaId == id.ToString());
    }

    [Fact]
    public async Task a_duplicate_reply_is_recorded_and_changes_nothing()
    {
        var id = await Placed();
        await Host.SentAndHandled(new PaymentSucceeded(id, "pay_1"));
        await Host.SentAndHandled(new PaymentSucceeded(id, "pay_1"));

        var saga = await SagaWhen(id, s => s.Timeline.Any(t => t.Note.StartsWith("ignored")));
        Assert.Equal(OrderProcessState.InventoryPending, saga.State);
        Assert.Single((await OrderEvents(id)).OfType<PaymentProcessed>());
    }

    [Fact]
    public async Task of_two_replies_racing_on_one_saga_one_wins_and_the_other_sees_its_state()
    {
        var id = await Placed();
        var buses = Enumerable.Range(0, 4).Select(_ => new MessageBus(Runtime)).ToArray();

        // four answers at once, each run inline: every one loads the saga in PaymentPending; the saga's revision
        // lets one save and makes the others fail, run again and find the payment already processed
        await Task.WhenAll(buses.Select((bus, i) => bus.InvokeAsync(new PaymentSucceeded(id, $"pay_{i}"))));

        await using var session = Store.QuerySession();
        var saga = (await session.LoadAsync<OrderSaga>(id))!;
        Assert.Equal(OrderProcessState.InventoryPending, saga.State);
        Assert.Equal(3, saga.Timeline.Count(t => t.Note.StartsWith("ignored")));
        var processed = Assert.Single((await OrderEvents(id)).OfType<PaymentProcessed>());
        Assert.Equal(saga.PaymentId, processed.PaymentId);
    }

    [Fact]
    public async Task an_operator_forces_compensation_of_a_stuck_order()
    {
        var id = await Placed();
        await Host.SentAndHandled(new PaymentSucceeded(id, "pay_1"));
        await SagaWhen(id, s => s.State == OrderProcessState.InventoryPending);

        await Host.Scenario(x =>
        {
            x.Post.Json(new { reason = "stuck" }).ToUrl($"/api/admin/sagas/{id}/compensate");
            x.StatusCodeShouldBe(202);
        });

        var saga = await SagaWhen(id, s => s.Status == SagaStatus.Failed);
        Assert.Equal("Compensation forced by an operator: stuck", saga.Error);
        Assert.Contains(saga.Timeline, t => t.Message == nameof(ForceOrderCompensation));
        Assert.Equal([typeof(OrderCreated), typeof(PaymentProcessed), typeof(PaymentRefunded), typeof(OrderCancelled)],
            Types(await OrderEvents(id)));
        Assert.Empty(await Scheduled());
    }
}
