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
        if (fromVersion is < 0) return Problems.BadQuery("fromVersion must be 0 or more.");
        if (limit is < 1 or > EventFeedEndpoints.MaxBatch)
            return Problems.BadQuery($"limit must be between 1 and {EventFeedEndpoints.MaxBatch}.");
        if (await session.Events.FetchStreamStateAsync(id, ct) is not { } stream)
            return TypedResults.Problem(Rejection.NotFound("Stream").ToProblem());

        var from = fromVersion ?? 0;
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamId == id && e.Version > from)
            .OrderBy(e => e.Version)
            .Take(limit ?? EventFeedEndpoints.MaxBatch)
            .ToListAsync(ct);
        return TypedResults.Ok(new ConsoleStream(id, stream.AggregateType?.Name, stream.Version,
            stream.LastTimestamp, events.Select(StoredEvent.From).ToList()));
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
