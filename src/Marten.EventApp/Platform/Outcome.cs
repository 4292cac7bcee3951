using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Marten.EventApp.Platform;

public enum RejectionKind
{
    Invalid,
    NotFound,
    Conflict,
    VersionMismatch
}

/// <summary>Why a command was refused: a value returned by a decision, never an exception.</summary>
public sealed record Rejection(
    RejectionKind Kind,
    string Title,
    string? Detail = null,
    IReadOnlyDictionary<string, string[]>? Errors = null,
    long? CurrentVersion = null)
{
    public static Rejection Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        new(RejectionKind.Invalid, "One or more fields are invalid", Errors: errors);

    public static Rejection NotFound(string what) => new(RejectionKind.NotFound, $"{what} was not found");

    public static Rejection Conflict(string title, string? detail = null) => new(RejectionKind.Conflict, title, detail);

    public static Rejection VersionMismatch(long expected, long current) =>
        new(RejectionKind.VersionMismatch, "The expected version does not match",
            $"Expected version {expected}, but the current version is {current}.", CurrentVersion: current);

    /// <summary>As problem details; a version mismatch is 412 when the version came as If-Match, else 409.</summary>
    public ProblemDetails ToProblem(bool versionFromIfMatch = false)
    {
        if (Kind == RejectionKind.VersionMismatch)
        {
            var mismatch = Versioning.Mismatch(versionFromIfMatch, CurrentVersion);
            mismatch.Detail = Detail;
            return mismatch;
        }

        var problem = Errors is null
            ? new ProblemDetails()
            : new HttpValidationProblemDetails(Errors.ToDictionary(e => e.Key, e => e.Value));
        problem.Status = Kind switch
        {
            RejectionKind.Invalid => StatusCodes.Status400BadRequest,
            RejectionKind.NotFound => StatusCodes.Status404NotFound,
            _ => StatusCodes.Status409Conflict
        };
        problem.Title = Title;
        problem.Detail = Detail;
        return problem;
    }
}

/// <summary>The result of a command on a stream: its id and version after the command, or why it was refused.</summary>
public sealed record CommandOutcome(Guid Id, long Version, Rejection? Rejection = null)
{
    public static CommandOutcome Refused(Guid id, Rejection rejection) => new(id, 0, rejection);
}

/// <summary>What a pure decision function returns: the events to append (none is a valid outcome), or a rejection.</summary>
public sealed record Decision(IReadOnlyList<object> Events, Rejection? Rejection = null)
{
    public static readonly Decision Nothing = new([]);

    public static Decision Accept(params object[] events) => new(events);

    public static Decision Reject(Rejection rejection) => new([], rejection);

    public static implicit operator Decision(Rejection rejection) => Reject(rejection);
}

public static class Problems
{
    public static ProblemHttpResult BadQuery(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid query");
}
