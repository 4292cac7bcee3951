using System.Text;
using System.Text.Json;
using Alba;
using Marten.EventApp.Orders;

namespace Marten.EventApp.IntegrationTests.Orders;

// simulators off: the answers, sent by a plain AMQP client to the command queue, move the order on
[Collection(OwnHostsCollection.Name)]
public sealed class when_the_order_services_answer_over_rabbitmq : IAsyncLifetime
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private IAlbaHost _service = null!;
    private RawAmqp _amqp = null!;

    private string Commands => "commands-" + _suffix;
    private string Payments => "payments-" + _suffix;
    private string Inventory => "inventory-" + _suffix;

    public async Task InitializeAsync()
    {
        var broker = await TestBroker.Uri();
        _amqp = await RawAmqp.ConnectAsync(broker);
        _service = await TestHost.StartAsync("eventapp_orders_rmq_" + _suffix, broker: broker,
            settings: new Dictionary<string, string>
        {
            ["EventApp:EventBus:Exchange"] = "events-" + _suffix,
            ["EventApp:EventBus:CommandQueue"] = Commands,
            ["EventApp:Orders:ProcessEnabled"] = "true",
            ["EventApp:Orders:Simulators"] = "false",
            ["EventApp:Orders:PaymentQueue"] = Payments,
            ["EventApp:Orders:InventoryQueue"] = Inventory,
            ["EventApp:Orders:ShippingQueue"] = "shipping-" + _suffix,
            ["EventApp:Orders:NotificationQueue"] = "notifications-" + _suffix
        });
    }

    public async Task DisposeAsync()
    {
        await _service.DisposeAsync();
        foreach (var queue in new[] { Payments, Inventory, "shipping-" + _suffix,
            "notifications-" + _suffix }) await _amqp.DeleteQueueAsync(queue);
        await _amqp.DisposeAsync();
    }

    private static JsonElement Body(RabbitMQ.Client.BasicGetResult message) =>
        JsonDocument.Parse(Encoding.UTF8.GetString(message.Body.Span)).RootElement;

    private static Guid OrderIdOf(JsonElement body) =>
        (body.TryGetProperty("orderId", out var id) ? id : body.GetProperty("OrderId")).GetGuid();

    [Fact]
    public async Task the_commands_reach_their_queues_and_the_answers_move_the_order_to_awaiting_shipment()
    {
        var placed = await _service.Scenario(x =>
        {
            x.Post.Json(new { customerId = Guid.NewGuid(),
                lines = new[] { new { sku = "BOOK-1", quantity = 2, unitPrice = 10m } } }).ToUrl("/api/orders");
            x.StatusCodeShouldBe(201);
        });
        var id = (await placed.ReadAsJsonAsync<OrderVersion>())!.Id;

        Assert.Equal(id, OrderIdOf(Body(await _amqp.NextAsync(Payments))));
        await _amqp.SendAsync(Commands, $$"""{"orderId":"{{id}}","paymentId":"pay_rmq"}""",
            Guid.NewGuid().ToString(), "PaymentSucceeded");
        Assert.Equal(id, OrderIdOf(Body(await _amqp.NextAsync(Inventory))));
        await _amqp.SendAsync(Commands, $$"""{"orderId":"{{id}}","reservationId":"res_rmq"}""",
            Guid.NewGuid().ToString(), "InventoryReservationConfirmed");

        var order = await Tracking.Eventually(async () =>
            await _service.GetAsJson<OrderSummary>($"/api/orders/{id}") is { Status: OrderStatus.AwaitingShipment } o
                ? o : null);
        Assert.Contains(order.History, h => h.EventType == "PaymentProcessed" && h.Detail!.Contains("pay_rmq"));
        Assert.Contains(order.History, h => h.EventType == "InventoryReserved" && h.Detail!.Contains("res_rmq"));
    }
}
