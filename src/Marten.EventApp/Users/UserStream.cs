using Marten.EventApp.Platform;
using Microsoft.AspNetCore.Http.HttpResults;
using Wolverine;

namespace Marten.EventApp.Users;

/// <summary>The shared shape of commands on an existing user stream, as a handler and as an HTTP endpoint.</summary>
internal static class UserStream
{
    /// <summary>
    /// Refuses bad input before reading, then decides on the stream as read. FetchForWriting makes the append
    /// expect the version read here, so a concurrent writer fails the save (and Wolverine runs the handler again).
    /// </summary>
    public static async Task<CommandOutcome> Decide(
        IDocumentSession session, Guid userId, FieldErrors inputErrors, Func<User?, Decision> decide, CancellationToken ct)
    {
        if (inputErrors.Any) return CommandOutcome.Refused(userId, Rejection.Invalid(inputErrors.ToDictionary()));

        var stream = await session.Events.FetchForWriting<User>(userId, ct);
        var decision = decide(stream.Aggregate);
        if (decision.Rejection is { } rejection) return CommandOutcome.Refused(userId, rejection);

        stream.AppendMany(decision.Events);
        return new CommandOutcome(userId, stream.Aggregate!.Version + decision.Events.Count);
    }

    /// <summary>Takes the expected version from If-Match or the body, sends the command, and shapes the answer.</summary>
    public static async Task<Results<Ok<UserVersion>, ProblemHttpResult>> Send(
        Guid id, long? bodyVersion, Func<long?, object> command, IMessageBus bus, HttpContext http, CancellationToken ct)
    {
        var (expected, fromIfMatch, error) = Versioning.Expected(http.Request, bodyVersion);
        if (error is not null)
            return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest, title: "Invalid If-Match");

        var outcome = await bus.InvokeAsync<CommandOutcome>(command(expected), MessageOptions.FromRequest(http), ct);
        if (outcome.Rejection is { } rejection) return TypedResults.Problem(rejection.ToProblem(fromIfMatch));

        http.Response.Headers.ETag = Versioning.ETag(outcome.Version);
        return TypedResults.Ok(new UserVersion(id, outcome.Version));
    }
}
