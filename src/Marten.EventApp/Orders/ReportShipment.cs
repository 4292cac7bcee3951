using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Contracts.Orders;
using Marten.EventApp.Http;
using Marten.EventApp.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Wolverine;

namespace Marten.EventApp.Orders;

public static class ReportShipmentHandler
{
    public const int MaxTrackingNumber = 100;

    // not named Validate: Wolverine would weave that in as middleware
    public static FieldErrors CheckInput(ReportShipment cmd)
    {
        var errors = new FieldErrors();
        errors.Text("trackingNumber", cmd.TrackingNumber, "Tracking number", MaxTrackingNumber, required: false);
        return errors;
    }

    public static Decision Decide(ReportShipment cmd, Order? order, DateTimeOffset now)
    {
        if (order is null) return Rejection.NotFound("Order");
        if (order.Status != OrderStatus.AwaitingShipment)
            return Rejection.Conflict("The order is not waiting for shipment", $"Its status is {order.Status}.");
        return Decision.Accept(new OrderShipped(order.Id, cmd.TrackingNumber?.Trim(), now));
    }

    public static Task Handle(ReportShipment cmd, IDocumentSession session, IMessageContext context,
        StreamCommands commands,
        TimeProvider clock, CancellationToken ct) =>
        commands.AppendAsync<Order>(session, context, cmd.OrderId, CheckInput(cmd),
            order => Decide(cmd, order, clock.GetUtcNow()), ct);
}

public sealed record ReportShipmentRequest(string? TrackingNumber);

internal static class ReportShipmentEndpoint
{
    public static async Task<Results<Ok<OrderVersion>, ProblemHttpResult>> Post(
        Guid id, ReportShipmentRequest? body, IMessageBus bus, HttpContext http, CancellationToken ct)
    {
        var outcome = await bus.InvokeAsync<CommandOutcome>(new ReportShipment(id, body?.TrackingNumber),
            RequestCorrelation.From(http), ct);
        if (outcome.Rejection is { } rejection) return TypedResults.Problem(rejection.ToProblem());

        http.Response.Headers.ETag = Versioning.ETag(outcome.Version);
        return TypedResults.Ok(new OrderVersion(id, outcome.Version));
    }
}
