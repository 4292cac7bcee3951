using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Contracts.Orders;
using Marten.EventApp.Http;
using Marten.EventApp.Messaging;
using Marten.EventApp.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Wolverine;

namespace Marten.EventApp.Orders;

public static class CreateOrderHandler
{
    public const int MaxLines = 100;
    public const int MaxSku = 64;
    public const int MaxQuantity = 10_000;
    public const decimal MaxUnitPrice = 1_000_000m;

    public static Decision Decide(CreateOrder cmd, DateTimeOffset now)
    {
        var errors = new FieldErrors();
        if (cmd.OrderId == Guid.Empty) errors.Add("orderId", "Order ID is required.");
        if (cmd.CustomerId is null || cmd.CustomerId == Guid.Empty) errors.Add("customerId",
            "Customer ID is required.");
        var lines = new List<OrderLine>();
        if (cmd.Lines is null || cmd.Lines.Count == 0) errors.Add("lines", "An order needs at least one line.");
        else if (cmd.Lines.Count > MaxLines) errors.Add("lines", $"An order has at most {MaxLines} lines.");
        else
        {
            for (var i = 0; i < cmd.Lines.Count; i++)
            {
                var line = cmd.Lines[i];
                var sku = errors.Text($"lines[{i}].sku", line?.Sku, "SKU", MaxSku, required: true);
                if (line?.Quantity is not (> 0 and <= MaxQuantity))
                    errors.Add($"lines[{i}].quantity", $"Quantity must be between 1 and {MaxQuantity}.");
                if (line?.UnitPrice is not { } price || price < 0 || price > MaxUnitPrice)
                    errors.Add($"lines[{i}].unitPrice", $"Unit price must be between 0 and {MaxUnitPrice}.");
                else if (decimal.Round(price, 2) != price)
                    errors.Add($"lines[{i}].unitPrice", "Unit price has at most two decimals.");
                if (sku is not null && line is { Quantity: { } q, UnitPrice: { } p }) lines.Add(new OrderLine(sku, q,
                    p));
            }
        }

        if (errors.Any) return Rejection.Invalid(errors.ToDictionary());
        return Decision.Accept(new OrderCreated(cmd.OrderId, cmd.CustomerId!.Value, lines,
            lines.Sum(l => l.Quantity * l.UnitPrice), now));
    }

    public static Task Handle(CreateOrder cmd, IDocumentSession session, IMessageContext context,
        StreamCommands commands,
        TimeProvider clock, CancellationToken ct) =>
        commands.StartAsync<Order>(session, context, cmd.OrderId, Decide(cmd, clock.GetUtcNow()), ct);
}

public sealed record CreateOrderRequest(Guid? Id, Guid? CustomerId, IReadOnlyList<OrderLineInput>? Lines);

public sealed record OrderVersion(Guid Id, long Version);

internal static class CreateOrderEndpoint
{
    public static async Task<Results<Created<OrderVersion>, ProblemHttpResult>> Post(
        CreateOrderRequest body, IMessageBus bus, HttpContext http, CancellationToken ct)
    {
        // a customer orders for itself only (for itself when it names no one)
        var caller = Caller.Of(http.User);
        var customerId = caller.ActsOnAny ? body.CustomerId : body.CustomerId ?? caller.UserId;
        if (!caller.ActsOnAny && (caller.UserId is null
            || customerId != caller.UserId)) return Scopes.NotYours("orders");
        var id = body.Id ?? Guid.CreateVersion7();
        var outcome = await bus.InvokeAsync<CommandOutcome>(new CreateOrder(id, customerId, body.Lines),
            RequestCorrelation.From(http), ct);
        if (outcome.Rejection is { } rejection) return TypedResults.Problem(rejection.ToProblem());

        http.Response.Headers.ETag = Versioning.ETag(outcome.Version);
        return TypedResults.Created($"/api/orders/{id}", new OrderVersion(id, outcome.Version));
    }
}
