using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Http;
using Marten.EventApp.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Marten.EventApp.Orders;

public sealed record OrderPage(IReadOnlyList<OrderSummary> Orders, long Total, int Page, int PageSize);

internal static class GetOrdersEndpoint
{
    public const int MaxPageSize = 100;
    public const int DefaultPageSize = 20;

    public static async Task<Results<Ok<OrderSummary>, ProblemHttpResult>> Get(Guid id, IQuerySession session,
        HttpContext http, CancellationToken ct)
    {
        if (await session.LoadAsync<OrderSummary>(id,
            ct) is not { } order) return TypedResults.Problem(Rejection.NotFound("Order").ToProblem());
        if (!Caller.Of(http.User).MayActOn(order.CustomerId)) return Scopes.NotYours("orders");
        http.Response.Headers.ETag = Versioning.ETag(order.Version);
        return TypedResults.Ok(order);
    }

    public static async Task<Results<Ok<OrderPage>, ProblemHttpResult>> List(Guid? customerId,
        [FromQuery(Name = "status")] string? statusName, int? page, int? pageSize, IQuerySession session,
        HttpContext http,
        CancellationToken ct)
    {
        if (!Problems.TryQueryEnum<OrderStatus>(statusName, "status", out var status, out var badStatus))
            return badStatus;
        if (Paging.Check(page, pageSize, DefaultPageSize, MaxPageSize) is { } bad) return bad;
        var caller = Caller.Of(http.User);
        if (!caller.ActsOnAny)
        {
            // a customer lists its own orders, whether it names itself or no one
            if (caller.UserId is not { } own || (customerId ?? own) != own) return Scopes.NotYours("orders");
            customerId = own;
        }

        var (number, size) = (page ?? 1, pageSize ?? DefaultPageSize);

        IQueryable<OrderSummary> query = session.Query<OrderSummary>().Stats(out var stats);
        if (customerId is { } customer) query = query.Where(o => o.CustomerId == customer);
        if (status is { } s) query = query.Where(o => o.Status == s);
        var orders = await query.OrderByDescending(o => o.CreatedAt).ThenBy(o => o.Id).Skip((number - 1) * size)
            .Take(size).ToListAsync(ct);
        return TypedResults.Ok(new OrderPage(orders, stats.TotalResults, number, size));
    }
}
