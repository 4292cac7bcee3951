using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Marten.EventApp.Security;

/// <summary>
/// What a token lets its caller do. Scopes name route families; roles say for whom: <c>admin</c> may do everything,
/// <c>service</c> (another service, an operator's tool) acts on any user and order, <c>customer</c> only on its own
/// user (the token's subject is the user id) and that user's orders. A <c>scope</c> claim (space-separated) narrows
/// what the role grants; a token with none of these roles may do nothing but what needs only a token.
/// </summary>
public static class Scopes
{
    public const string UsersRead = "users:read";
    public const string UsersWrite = "users:write";
    public const string OrdersRead = "orders:read";
    public const string OrdersWrite = "orders:write";
    /// <summary>The global feed and the streams' raw events.</summary>
    public const string EventsRead = "events:read";
    /// <summary>Sagas, analytics and the event system's health: what operators and dashboards read.</summary>
    public const string OperationsRead = "operations:read";

    public const string ServiceRole = "service";
    public const string CustomerRole = "customer";

    public static readonly IReadOnlyList<string> All =
        [UsersRead, UsersWrite, OrdersRead, OrdersWrite, EventsRead, OperationsRead];

    private static readonly IReadOnlyList<string> OfCustomer =
        [UsersRead, UsersWrite, OrdersRead, OrdersWrite, EventsRead];

    /// <summary>
    /// Callers that hold <paramref name="scope"/>; with <paramref name="anyOwner"/>, only those that
    /// <see cref="Caller.ActsOnAny"/> (a service, an admin): the route reaches across users.
    /// </summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder endpoint, string scope, bool anyOwner = false)
        where TBuilder : IEndpointConventionBuilder =>
        endpoint.RequireAuthorization(p => p.RequireAssertion(c =>
            Caller.Of(c.User) is var caller && caller.Has(scope) && (!anyOwner || caller.ActsOnAny)));

    /// <summary>
    /// The route's <c>{id}</c> is a user id: a customer passes only for its own (403 otherwise), before the handler
    /// runs.
    /// </summary>
    public static TBuilder OwnUserOnly<TBuilder>(this TBuilder endpoint) where TBuilder : IEndpointConventionBuilder =>
        endpoint.AddEndpointFilter(async (context, next) =>
            context.HttpContext.Request.RouteValues.TryGetValue("id", out var id)
            && Guid.TryParse(id?.ToString(), out var userId)
            && !Caller.Of(context.HttpContext.User).MayActOn(userId)
                ? NotYours("user")
                : await next(context));

    public static ProblemHttpResult NotYours(string what) =>
        TypedResults.Problem($"This token acts only on its own {what}.", statusCode: StatusCodes.Status403Forbidden,
            title: "Forbidden");

    internal static IReadOnlyList<string> GrantedTo(ClaimsPrincipal user) =>
        user.IsInRole(Authentication.AdminRole) || user.IsInRole(ServiceRole) ? All
        : user.IsInRole(CustomerRole) ? OfCustomer
        : [];
}

/// <summary>The caller behind a request, as its token says.</summary>
public sealed record Caller(string? Subject, bool ActsOnAny, IReadOnlySet<string> Scopes)
{
    public static Caller Of(ClaimsPrincipal user)
    {
        var granted = Security.Scopes.GrantedTo(user);
        var asked = user.FindAll("scope")
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet();
        var scopes = asked.Count == 0 ? granted.ToHashSet() : granted.Where(asked.Contains).ToHashSet();
        var actsOnAny = user.IsInRole(Authentication.AdminRole) || user.IsInRole(Security.Scopes.ServiceRole);
        return new Caller(user.Identity?.Name, actsOnAny, scopes);
    }

    public bool Has(string scope) => Scopes.Contains(scope);

    /// <summary>A customer's own user id: its token's subject.</summary>
    public Guid? UserId => Guid.TryParse(Subject, out var id) ? id : null;

    public bool MayActOn(Guid userId) => ActsOnAny || UserId == userId;
}
