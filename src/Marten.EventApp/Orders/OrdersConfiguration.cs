using JasperFx.Events.Projections;
using Marten.EventApp.Contracts.Orders;
using Marten.EventApp.EventBus;
using Marten.EventApp.Http;
using Marten.EventApp.Messaging;
using Marten.EventApp.Sagas;
using Marten.EventApp.Security;
using Wolverine;
using Wolverine.RabbitMQ;

namespace Marten.EventApp.Orders;

public static class OrdersConfiguration
{
    public static WebApplicationBuilder AddOrders(this WebApplicationBuilder builder)
    {
        var options = OrderOptions.From(builder.Configuration);
        var broker = Broker.From(builder.Configuration);
        builder.Services.AddSingleton(options);
        builder.MonitorSaga<OrderSaga>("Order", (id, reason) => new ForceOrderCompensation(id, reason),
            (id, note) => new OrderOperatorNote(id, note),
            options.PaymentTimeout > options.InventoryTimeout ? options.PaymentTimeout : options.InventoryTimeout);
        if (options.ProcessEnabled)
        {
            // not a handler by Wolverine's naming convention: it exists only where the process is on
            builder.Services.ConfigureWolverine(opts => opts.Discovery.IncludeType(typeof(OrderProcessTrigger)));
            builder.ConsumeEventBatches<OrderProcessEvent>(OrderProcessTrigger.Queue, typeof(OrderProcessTrigger),
                OrderProcessTrigger.BindingKeys, OrderProcessTrigger.Replay,
                oneInFlight: true);
        }

        if (options.Simulators)
            builder.Services.ConfigureWolverine(opts => opts.Discovery.IncludeType(typeof(OrderSimulators)));
        else if (broker.IsConfigured)
        {
            builder.Services.ConfigureWolverine(opts =>
            {
                opts.PublishMessage<ProcessPayment>().ToRabbitQueue(options.PaymentQueue);
                opts.PublishMessage<RefundPayment>().ToRabbitQueue(options.PaymentQueue);
                opts.PublishMessage<ReserveInventory>().ToRabbitQueue(options.InventoryQueue);
                opts.PublishMessage<FulfillOrder>().ToRabbitQueue(options.ShippingQueue);
                opts.PublishMessage<SendOrderConfirmation>().ToRabbitQueue(options.NotificationQueue);
            });
            builder.ReceiveCommands(typeof(PaymentSucceeded), typeof(PaymentDeclined),
                typeof(InventoryReservationConfirmed),
                typeof(InventoryReservationRejected));
        }
        else throw new InvalidOperationException($"{OrderOptions.Section}:Simulators is off but no broker is " +
                                                 "configured (ConnectionStrings:RabbitMq): " +
                                                 "the payment and inventory services would never hear of an order.");

        builder.Services.ConfigureMarten(opts =>
        {
            opts.Projections.Add<OrderSummaryProjection>(ProjectionLifecycle.Inline);
            opts.Projections.Snapshot<Order>(SnapshotLifecycle.Inline);
            opts.Schema.For<OrderSummary>()
                .Duplicate(x => x.CustomerId, configure: i => i.Name = "ix_ordersummary_customer_id")
                .Index(x => x.CreatedAt);
        });
        return builder
            .ReceiveCommands(typeof(CreateOrder), typeof(ReportShipment))
            .PutEventsOnTheWire(OnTheWire)
            .AddEndpoints(MapOrders);
    }

    // the seed's names (the classes') with their data, keys in the order of the records
    public static void OnTheWire(WireFormat wire) => wire
        .Map(nameof(OrderCreated), (OrderCreated e) => new { e.CustomerId, e.Lines, e.Total })
        .Map(nameof(PaymentProcessed), (PaymentProcessed e) => new { e.PaymentId, e.Amount })
        .Map(nameof(PaymentFailed), (PaymentFailed e) => new { e.Reason })
        .Map(nameof(InventoryReserved), (InventoryReserved e) => new { e.ReservationId })
        .Map(nameof(InventoryReservationFailed), (InventoryReservationFailed e) => new { e.Reason })
        .Map(nameof(OrderShipped), (OrderShipped e) => new { e.TrackingNumber })
        .Map(nameof(PaymentRefunded), (PaymentRefunded e) => new { e.Amount })
        .Map(nameof(OrderCancelled), (OrderCancelled e) => new { e.Reason })
        .Map(nameof(OrderCompleted), (OrderCompleted _) => new { });

    private static void MapOrders(IEndpointRouteBuilder app)
    {
        var orders = app.MapGroup("/api/orders").WithTags("Orders");
        orders.MapPost("", CreateOrderEndpoint.Post).WithName("CreateOrder").RequireScope(Scopes.OrdersWrite)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        orders.MapGet("/{id:guid}", GetOrdersEndpoint.Get).WithName("GetOrder").RequireScope(Scopes.OrdersRead)
            .ProducesProblem(StatusCodes.Status404NotFound);
        orders.MapGet("", GetOrdersEndpoint.List).WithName("ListOrders").RequireScope(Scopes.OrdersRead)
            .ProducesProblem(StatusCodes.Status400BadRequest);
        // the warehouse reports shipments: a service
        orders.MapPost("/{id:guid}/shipment", ReportShipmentEndpoint.Post).WithName("ReportShipment")
            .RequireScope(Scopes.OrdersWrite, anyOwner: true)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
