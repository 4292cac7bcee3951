using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Http;
using Marten.EventApp.Onboarding;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Marten.EventApp.Users;

internal static class GetUserEndpoint
{
    /// <summary>The most events a time-travel read replays.</summary>
    public const int MaxTimeTravel = Paging.MaxDepth;

    /// <summary>
    /// The projected read model, or with ?version=N / ?at=time the user as it was then, rebuilt from its events
    /// by the same projection.
    /// </summary>
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
            return Problems.BadQuery($"Time travel replays at most {MaxTimeTravel} events; this stream has more: use version.");

        var user = version is null && at is null
            ? await CurrentAsync(session, id, ct)
            : await session.Events.AggregateStreamAsync<UserDetails>(id, version ?? 0, at, token: ct);

        // a version past the end of the stream never existed
        if (user is null || (version is not null && user.Version != version))
            return TypedResults.Problem(Rejection.NotFound("User").ToProblem());

        http.Response.Headers.ETag = Versioning.ETag(user.Version);
        return TypedResults.Ok(user);
    }

    /// <summary>
    /// The read model with its onboarding's outcome, in one statement: the outcome is the onboarding saga's state (a
    /// projection of it kept beside the user cost the command path a fifth of its rate: BENCHMARKS.md), shown once the
    /// saga has ended. A document older versions wrote keeps the outcome they stored in it. An erased user's shows
    /// whether the erasure has finished.
    /// </summary>
    private static async Task<UserDetails?> CurrentAsync(IQuerySession session, Guid id, CancellationToken ct)
    {
        var schema = session.DocumentStore.Options.Schema;
        var found = await session.QueryAsync<UserDetails>(
            $"""
             select case when s.data ->> 'status' in ('Completed', 'Failed')
                         then d.data || jsonb_build_object('onboarding', s.data ->> 'status') else d.data end
                    || case when d.data ->> 'erasedAt' is null then jsonb_build_object()
                            else jsonb_build_object('erasure', case when e.data ->> 'completedAt' is null then 'Pending' else 'Completed' end) end
             from {schema.For<UserDetails>(qualified: true)} d
             left join {schema.For<UserOnboardingSaga>(qualified: true)} s on s.id = d.id
             left join {schema.For<UserErasure>(qualified: true)} e on e.id = d.id
             where d.id = ?
             """, ct, id);
        return found.Count == 0 ? null : found[0];
    }
}
