using Wolverine;

namespace Marten.EventApp.Users;

public static class UsersConfiguration
{
    public static StoreOptions AddUsers(this StoreOptions opts) => opts;

    public static WolverineOptions AddUsers(this WolverineOptions opts) => opts;

    public static IEndpointRouteBuilder MapUsers(this IEndpointRouteBuilder app) => app;
}
