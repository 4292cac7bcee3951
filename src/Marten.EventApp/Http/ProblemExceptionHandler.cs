using JasperFx;
using Marten.EventApp.Persistence;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Marten.EventApp.Http;

// Business rules and the store's rules never get here: commands answer them as CommandOutcome values.
// The database out of reach is a 503 with Retry-After: the client should come back, not report a bug.
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, IDocumentStore store) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var problem = await ToProblem(http, exception, ct);
        if (problem is null) return false;

        http.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = problem,
            Exception = exception
        });
    }

    private async Task<ProblemDetails?> ToProblem(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (exception is BadHttpRequestException bad)
            return new ProblemDetails { Status = bad.StatusCode, Title = "The request is malformed",
                Detail = bad.Message };
        if (exception is ConcurrencyException || exception.InnerException is ConcurrencyException)
            return await VersionConflict(http, ct);
        if (exception.IsDatabaseAway()) return DatabaseAway(http);
        return null;
    }

    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private static ProblemDetails DatabaseAway(HttpContext http)
    {
        http.Response.Headers.RetryAfter = ((int)RetryAfter.TotalSeconds).ToString();
        return new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "The service cannot reach its database",
            // a write whose commit was under way when the connection broke may have been stored
            Detail = "Try again after the Retry-After interval. A write may or may not have been stored: read it " +
                     "back, or repeat it with the same If-Match or id, which the service refuses if it was."
        };
    }

    // Reached only when every retry lost the race; the current version is read again for the caller.
    private async Task<ProblemDetails> VersionConflict(HttpContext http, CancellationToken ct)
    {
        var problem = Versioning.Mismatch(http.Request.Headers.IfMatch.Count > 0, currentVersion: null);
        if (http.Request.RouteValues.TryGetValue("id", out var raw) && Guid.TryParse(raw?.ToString(), out var id))
        {
            await using var session = store.QuerySession();
            var state = await session.Events.FetchStreamStateAsync(id, ct);
            if (state is not null) problem.Extensions["currentVersion"] = state.Version;
        }

        return problem;
    }
}
