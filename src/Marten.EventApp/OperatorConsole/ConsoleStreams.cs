using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Feeds;
using Marten.EventApp.Http;
using Marten.EventApp.Orders;
using Marten.EventApp.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Marten.EventApp.OperatorConsole;

public sealed record ConsoleStream(Guid Id, string? AggregateType, long Version, DateTimeOffset LastTimestamp,
    IReadOnlyList<StoredEvent> Events);

public sealed record ConsoleStreamState(Guid Id, string AggregateType, long Version, object State);

// Any stream for operators, whatever its aggregate: the feature's own endpoints answer for one kind each and for its
// owners too, these only under the admin prefix
internal static class ConsoleStreams
{
    public static async Task<Results<Ok<ConsoleStream>, ProblemHttpResult>> Get(Guid id, long? fromVersion,
        int? limit, IQuerySession session, CancellationToken ct)
    {
        if (EventFeedEndpoints.CheckStreamPage(fromVersion, limit) is { } bad) return bad;
        if (await session.Events.FetchStreamStateAsync(id, ct) is not { } stream)
            return TypedResults.Problem(Rejection.NotFound("Stream").ToProblem());

        return TypedResults.Ok(new ConsoleStream(id, stream.AggregateType?.Name, stream.Version,
            stream.LastTimestamp, await EventFeedEndpoints.StreamEventsAsync(session, id, fromVersion, limit, ct)));
    }

    public static async Task<Results<Ok<ConsoleStreamState>, ProblemHttpResult>> State(Guid id, long version,
        IQuerySession session, CancellationToken ct)
    {
        if (version is < 1 or > GetUserEndpoint.MaxTimeTravel)
            return Problems.BadQuery($"version must be between 1 and {GetUserEndpoint.MaxTimeTravel}.");
        if (await session.Events.FetchStreamStateAsync(id, ct) is not { } stream || version > stream.Version)
            return TypedResults.Problem(Rejection.NotFound("Stream version").ToProblem());

        object? state = stream.AggregateType switch
        {
            { } t when t == typeof(UserDetails) =>
                await session.Events.AggregateStreamAsync<UserDetails>(id, version, token: ct),
            { } t when t == typeof(Order) => await session.Events.AggregateStreamAsync<Order>(id, version, token: ct),
            _ => null
        };
        return state is null
            ? Problems.BadQuery($"A stream of {stream.AggregateType?.Name ?? "no aggregate"} has no state to show.")
            : TypedResults.Ok(new ConsoleStreamState(id, stream.AggregateType!.Name, version, state));
    }
}
