using System.Net.Http.Json;
using Alba;
using Marten.EventApp.Orders;

namespace Marten.EventApp.IntegrationTests.Orders;

[Collection(AppCollection.Name)]
public sealed class when_placing_an_order(AppFixture fixture)
{
    private IAlbaHost Host => fixture.Host;

    private async Task<OrderVersion> Placed(Guid customerId, params object[] lines)
    {
        var result = await Host.Scenario(x =>
        {
            x.Post.Json(new { customerId, lines }).ToUrl("/api/orders");
            x.StatusCodeShouldBe(201);
        });
        return (await result.ReadAsJsonAsync<OrderVersion>())!;
    }

    [Fact]
    public async Task it_answers_201_and_the_order_reads_back_with_its_total_and_history()
    {
        var customer = Guid.NewGuid();
        var result = await Host.Scenario(x =>
        {
            x.Post.Json(new { customerId = customer,
                lines = new[] { new { sku = "BOOK-1", quantity = 2, unitPrice = 12.50m } } }).ToUrl("/api/orders");
            x.StatusCodeShouldBe(201);
            x.Header("ETag").SingleValueShouldEqual("\"1\"");
        });
        var placed = (await result.ReadAsJsonAsync<OrderVersion>())!;
        Assert.Equal($"/api/orders/{placed.Id}", result.Context.Response.Headers.Location.ToString());

        var order = (await Host.GetAsJson<OrderSummary>($"/api/orders/{placed.Id}"))!;
        Assert.Equal((customer, OrderStatus.Placed, 25.00m, 1L),
            (order.CustomerId, order.Status, order.Total, order.Version));
        Assert.Equal("BOOK-1", Assert.Single(order.Lines).Sku);
        Assert.Equal("OrderCreated", Assert.Single(order.History).EventType);
    }

    [Fact]
    public async Task bad_input_is_400_naming_each_field_and_a_taken_id_is_409()
    {
        var result = await Host.Scenario(x =>
        {
            x.Post.Json(new { lines = new[] { new { sku = "", quantity = 0, unitPrice = -1m } } }).ToUrl("/api/orders");
            x.StatusCodeShouldBe(400);
        });
        var problem = (await result.ReadAsJsonAsync<Microsoft.AspNetCore.Mvc.ValidationProblemDetails>())!;
        Assert.Equal(["customerId", "lines[0].quantity", "lines[0].sku", "lines[0].unitPrice"],
            problem.Errors.Keys.Order());
        await Host.Scenario(x =>
            { x.Post.Json(new { customerId = Guid.NewGuid(),
            lines = Array.Empty<object>() }).ToUrl("/api/orders"); x.StatusCodeShouldBe(400); });
        await Host.Scenario(x =>
            { x.Post.Text("{not json").ToUrl("/api/orders"); x.WithRequestHeader("Content-Type",
            "application/json"); x.StatusCodeShouldBe(400); });

        var taken = await Placed(Guid.NewGuid(), new { sku = "A", quantity = 1, unitPrice = 1m });
        await Host.Scenario(x =>
        {
            x.Post.Json(new { id = taken.Id, customerId = Guid.NewGuid(),
                lines = new[] { new { sku = "A", quantity = 1, unitPrice = 1m } } }).ToUrl("/api/orders");
            x.StatusCodeShouldBe(409);
        });
    }

    [Fact]
    public async Task a_customers_orders_are_listed_newest_first_by_status_and_paged()
    {
        var customer = Guid.NewGuid();
        var placed = new List<Guid>();
        for (var i = 0; i < 3; i++)
            placed.Add((await Placed(customer, new { sku = $"S{i}", quantity = 1, unitPrice = 1m })).Id);
        await Placed(Guid.NewGuid(), new { sku = "OTHER", quantity = 1, unitPrice = 1m });

        var all = (await Host.GetAsJson<OrderPage>($"/api/orders?customerId={customer}"))!;
        Assert.Equal(Enumerable.Reverse(placed), all.Orders.Select(o => o.Id));
        Assert.Equal(3, all.Total);
        Assert.Equal(3, (await Host.GetAsJson<OrderPage>($"/api/orders?customerId={customer}&status=placed"))!.Total);
        Assert.Empty((await Host.GetAsJson<OrderPage>($"/api/orders?customerId={customer}&status=Shipped"))!.Orders);
        var second = (await Host.GetAsJson<OrderPage>($"/api/orders?customerId={customer}&page=2&pageSize=2"))!;
        Assert.Equal((placed[0], 3L), (Assert.Single(second.Orders).Id, second.Total));

        foreach (var bad in new[] { "page=0", "pageSize=0", "pageSize=101", "status=Lost", $"customerId=nope" })
            await Host.Scenario(x => { x.Get.Url($"/api/orders?{bad}"); x.StatusCodeShouldBe(400); });
    }

    [Fact]
    public async Task a_shipment_is_refused_unless_the_order_waits_for_it()
    {
        var placed = await Placed(Guid.NewGuid(), new { sku = "A", quantity = 1, unitPrice = 1m });

        await Host.Scenario(x =>
        {
            x.Post.Json(new { trackingNumber = "T-1" }).ToUrl($"/api/orders/{placed.Id}/shipment");
            x.StatusCodeShouldBe(409);
        });
        await Host.Scenario(x =>
        {
            x.Post.Json(new { trackingNumber = "T-1" }).ToUrl($"/api/orders/{Guid.NewGuid()}/shipment");
            x.StatusCodeShouldBe(404);
        });
        await Host.Scenario(x => { x.Get.Url($"/api/orders/{Guid.NewGuid()}"); x.StatusCodeShouldBe(404); });
    }
}
