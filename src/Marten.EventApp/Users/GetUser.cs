using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Marten.EventApp.Users;

internal static class GetUserEndpoint
{
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

        var user = version is null && at is null
            ? await CurrentAsync(session, id, ct)
            : await session.Events.AggregateStreamAsync<UserDetails>(id, version ?? 0, at, token: ct);

        // a version past the end of the stream never existed
        if (user is null || (version is not null && user.Version != version))
            return TypedResults.Problem(Rejection.NotFound("User").ToProblem());

        http.Response.Headers.ETag = Versioning.ETag(user.Version);
        return TypedResults.Ok(user);
    }

    /// <summary>The read model with its onboarding outcome, in one round trip.</summary>
    private static async Task<UserDetails?> CurrentAsync(IQuerySession session, Guid id, CancellationToken ct)
    {
        var batch = session.CreateBatchQuery();
        var user = batch.Load<UserDetails>(id);
        var onboarding = batch.Load<UserOnboarding>(id);
        await batch.Execute(ct);
        return await user is { } details && await onboarding is { } outcome ? details with { Onboarding = outcome.Status } : await user;
    }
}
