using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Wolverine;

namespace Marten.EventApp.Users;

internal static class UserStream
{
    public static async Task<Results<Ok<UserVersion>, ProblemHttpResult>> Send(
        Guid id, long? bodyVersion, Func<long?, object> command, IMessageBus bus, HttpContext http,
        CancellationToken ct)
    {
        var (expected, fromIfMatch, error) = Versioning.Expected(http.Request, bodyVersion);
        if (error is not null)
            return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest, title: "Invalid If-Match");

        var outcome = await bus.InvokeAsync<CommandOutcome>(command(expected), RequestCorrelation.From(http), ct);
        if (outcome.Rejection is { } rejection) return TypedResults.Problem(rejection.ToProblem(fromIfMatch));

        http.Response.Headers.ETag = Versioning.ETag(outcome.Version);
        return TypedResults.Ok(new UserVersion(id, outcome.Version));
    }
}
