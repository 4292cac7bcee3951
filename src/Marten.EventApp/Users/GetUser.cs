using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Http;
using Marten.EventApp.Onboarding;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Marten.EventApp.Users;

internal static class GetUserEndpoint
{
    public const int MaxTimeTravel = Paging.MaxDepth;

    public static async Task<Results<Ok<UserDetails>, ProblemHttpResult>> Get(
        Guid id, long? version, DateTimeOffset? at, IQuerySession session, HttpContext http, CancellationToken ct)
    {
        if (version is not null && at is not null)
            return Problems.BadQuery("Use either version or at, not both.");
        if (version is < 1)
            return Problems.BadQuery("version starts at 1.");
        if (version > MaxTimeTravel)
            return Problems.BadQuery($"Time travel replays at most {MaxTimeTravel} events.");
        // a point in time replays the stream up to it: bounded by the stream's length, read first
        if (at is not null && await session.Events.FetchStreamStateAsync(id, ct) is { Version: > MaxTimeTravel })
            return Problems.BadQuery(
                $"Time travel replays at most {MaxTimeTravel} events; this stream has more: use version.");

        var user = version is null && at is null
            ? await CurrentAsync(session, id, ct)
            : await session.Events.AggregateStreamAsync<UserDetails>(id, version ?? 0, at, token: ct);

        // a version past the end of the stream never existed
        if (user is null || (version is not null && user.Version != version))
            return TypedResults.Problem(Rejection.NotFound("User").ToProblem());

        http.Response.Headers.ETag = Versioning.ETag(user.Version);
        return TypedResults.Ok(user);
    }

    // The onboarding outcome is read from the saga in the same statement: a projection of it kept beside the user
    // slowed the command path (BENCHMARKS.md). Documents older versions wrote keep the outcome stored in them.
    private static async Task<UserDetails?> CurrentAsync(IQuerySession session, Guid id, CancellationToken ct)
    {
        var schema = session.DocumentStore.Options.Schema;
        var found = await session.QueryAsync<UserDetails>(
            $"""
             select case when s.data ->> 'status' in ('Completed', 'Failed')
                         then d.data || jsonb_build_object('onboarding', s.data ->> 'status') else d.data end
                    || case when d.data ->> 'erasedAt' is null then jsonb_build_object()
                            else jsonb_build_object('erasure',
                              case when e.data ->> 'completedAt' is null then 'Pending' else 'Completed' end) end
             from {schema.For<UserDetails>(qualified: true)} d
             left join {schema.For<UserOnboardingSaga>(qualified: true)} s on s.id = d.id
             left join {schema.For<UserErasure>(qualified: true)} e on e.id = d.id
             where d.id = ?
             """, ct, id);
        return found.Count == 0 ? null : found[0];
    }
}
