using Alba;
using Marten.EventApp.Orders;
using Marten.EventApp.Sagas;
using Microsoft.Extensions.DependencyInjection;

namespace Marten.EventApp.IntegrationTests.Orders;

[Collection(OwnHostsCollection.Name)]
public sealed class when_the_simulators_answer : IAsyncLifetime
{
    private IAlbaHost _service = null!;

    public async Task InitializeAsync() =>
        _service = await TestHost.StartAsync("eventapp_orders_sim_" + Guid.NewGuid().ToString("N")[..8],
            settings: new Dictionary<string, string> { ["EventApp:Orders:ProcessEnabled"] = "true" });

    public async Task DisposeAsync() => await _service.DisposeAsync();

    [Fact]
    public async Task a_placed_order_is_paid_reserved_and_completed_once_shipped()
    {
        var result = await _service.Scenario(x =>
        {
            x.Post.Json(new { customerId = Guid.NewGuid(),
                lines = new[] { new { sku = "BOOK-1", quantity = 1, unitPrice = 5m } } }).ToUrl("/api/orders");
            x.StatusCodeShouldBe(201);
        });
        var id = (await result.ReadAsJsonAsync<OrderVersion>())!.Id;

        await Tracking.Eventually(async () =>
            (await _service.GetAsJson<OrderSummary>($"/api/orders/{id}"))!.Status == OrderStatus.AwaitingShipment
                ? "" : null);
        await _service.Scenario(x =>
        {
            x.Post.Json(new { trackingNumber = "TRK-9" }).ToUrl($"/api/orders/{id}/shipment");
            x.StatusCodeShouldBeOk();
        });

        var saga = await Tracking.Eventually(async () =>
            await _service.GetAsJson<SagaDetails>($"/api/sagas/{id}") is { Status: SagaStatus.Completed } done
                ? done : null);
        Assert.Equal("Order", saga.Type);
        Assert.Equal(["payment", "inventory", "fulfillment"], saga.Steps.Select(s => s.Name));
        Assert.Equal(OrderStatus.Completed, (await _service.GetAsJson<OrderSummary>($"/api/orders/{id}"))!.Status);
    }
}
