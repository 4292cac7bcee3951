using JasperFx.Events.Projections;
using Marten.EventApp.Contracts.Orders;
using Marten.EventApp.EventBus;
using Marten.EventApp.Http;
using Marten.EventApp.Messaging;

namespace Marten.EventApp.Orders;

public static class OrdersConfiguration
{
    /// <summary>The Orders feature: its store parts, its commands, its events on the wire, its endpoints.</summary>
    public static WebApplicationBuilder AddOrders(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureMarten(opts =>
        {
            opts.Projections.Add<OrderSummaryProjection>(ProjectionLifecycle.Inline);
            opts.Projections.Snapshot<Order>(SnapshotLifecycle.Inline);
            // a customer's orders, newest first
            opts.Schema.For<OrderSummary>().Duplicate(x => x.CustomerId, configure: i => i.Name = "ix_ordersummary_customer_id")
                .Index(x => x.CreatedAt);
        });
        return builder
            .ReceiveCommands(typeof(CreateOrder), typeof(ReportShipment))
            .PutEventsOnTheWire(OnTheWire)
            .AddEndpoints(MapOrders);
    }

    /// <summary>The seed's names (the classes') with their data, keys in the order of the records.</summary>
    public static void OnTheWire(WireFormat wire) => wire
        .Map<OrderCreated>(nameof(OrderCreated), e => new { e.CustomerId, e.Lines, e.Total })
        .Map<PaymentProcessed>(nameof(PaymentProcessed), e => new { e.PaymentId, e.Amount })
        .Map<PaymentFailed>(nameof(PaymentFailed), e => new { e.Reason })
        .Map<InventoryReserved>(nameof(InventoryReserved), e => new { e.ReservationId })
        .Map<InventoryReservationFailed>(nameof(InventoryReservationFailed), e => new { e.Reason })
        .Map<OrderShipped>(nameof(OrderShipped), e => new { e.TrackingNumber })
        .Map<PaymentRefunded>(nameof(PaymentRefunded), e => new { e.Amount })
        .Map<OrderCancelled>(nameof(OrderCancelled), e => new { e.Reason })
        .Map<OrderCompleted>(nameof(OrderCompleted), _ => new { });

    private static void MapOrders(IEndpointRouteBuilder app)
    {
        var orders = app.MapGroup("/api/orders").WithTags("Orders");
        orders.MapPost("", CreateOrderEndpoint.Post).WithName("CreateOrder")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        orders.MapGet("/{id:guid}", GetOrdersEndpoint.Get).WithName("GetOrder").ProducesProblem(StatusCodes.Status404NotFound);
        orders.MapGet("", GetOrdersEndpoint.List).WithName("ListOrders").ProducesProblem(StatusCodes.Status400BadRequest);
        orders.MapPost("/{id:guid}/shipment", ReportShipmentEndpoint.Post).WithName("ReportShipment")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
