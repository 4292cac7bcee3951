using System.Diagnostics.CodeAnalysis;
using Marten.EventApp.Contracts.Commands;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Marten.EventApp.Http;

// RFC 9457 problem details
public static class Problems
{
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

    // names only, in any case: Enum.TryParse would also take numbers and lists
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
