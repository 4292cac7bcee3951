using JasperFx;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Marten.EventApp.Http;

/// <summary>
/// Turns the exceptions that are the caller's doing into problem details instead of a 500: a request that does not
/// bind (malformed JSON, a query value of the wrong type) and a version conflict that outlasted every retry.
/// Business rules and the rules the store enforces never get here: commands answer them as
/// <see cref="Contracts.Commands.CommandOutcome"/> values.
/// </summary>
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
            return new ProblemDetails { Status = bad.StatusCode, Title = "The request is malformed", Detail = bad.Message };
        if (exception is ConcurrencyException || exception.InnerException is ConcurrencyException)
            return await VersionConflict(http, ct);
        return null;
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
