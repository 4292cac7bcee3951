using System.Diagnostics.CodeAnalysis;
using Marten.EventApp.Contracts.Commands;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Marten.EventApp.Http;

/// <summary>Refusals and bad queries as RFC 9457 problem details.</summary>
public static class Problems
{
    /// <summary>As problem details; a version mismatch is 412 when the version came as If-Match, else 409.</summary>
    public static ProblemDetails ToProblem(this Rejection rejection, bool versionFromIfMatch = false)
    {
        if (rejection.Kind == RejectionKind.VersionMismatch)
        {
            var mismatch = Versioning.Mismatch(versionFromIfMatch, rejection.CurrentVersion);
            mismatch.Detail = rejection.Detail;
            return mismatch;
        }

        var problem = rejection.Errors is null
            ? new ProblemDetails()
            : new HttpValidationProblemDetails(rejection.Errors.ToDictionary(e => e.Key, e => e.Value));
        problem.Status = rejection.Kind switch
        {
            RejectionKind.Invalid => StatusCodes.Status400BadRequest,
            RejectionKind.NotFound => StatusCodes.Status404NotFound,
            _ => StatusCodes.Status409Conflict
        };
        problem.Title = rejection.Title;
        problem.Detail = rejection.Detail;
        return problem;
    }

    /// <summary>
    /// An enum in the query, in any case (<c>?status=completed</c>); a value that names none answers 400 with the ones
    /// it may be. Only the names are accepted, not the numbers or lists that <c>Enum.TryParse</c> would take.
    /// </summary>
    public static bool TryQueryEnum<TEnum>(string? value, string name, out TEnum? parsed,
        [NotNullWhen(false)] out ProblemHttpResult? bad) where TEnum : struct, Enum
    {
        (parsed, bad) = (null, null);
        if (value is null) return true;
        var names = Enum.GetNames<TEnum>();
        if (value.Length <= names.Max(n => n.Length)
            && names.FirstOrDefault(n => n.Equals(value, StringComparison.OrdinalIgnoreCase)) is { } match)
        {
            parsed = Enum.Parse<TEnum>(match);
            return true;
        }

        bad = BadQuery($"{name} must be one of {string.Join(", ", names)} (any case).");
        return false;
    }

    public static ProblemHttpResult BadQuery(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid query");
}
