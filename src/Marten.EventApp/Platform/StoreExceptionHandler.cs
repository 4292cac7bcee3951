using JasperFx;
using Marten.Exceptions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Marten.EventApp.Platform;

/// <summary>
/// The one place where the few exceptions the store raises for rules it enforces (stream id taken,
/// unique index, optimistic concurrency) and malformed requests become problem details instead of a 500.
/// Business rules never get here: handlers return them as values.
/// </summary>
internal sealed class StoreExceptionHandler(
    IProblemDetailsService problems, IDocumentStore store, IEnumerable<UniqueRule> uniqueRules) : IExceptionHandler
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
        foreach (var e in Chain(exception))
        {
            switch (e)
            {
                case BadHttpRequestException bad:
                    return new ProblemDetails { Status = bad.StatusCode, Title = "The request is malformed", Detail = bad.Message };
                case ExistingStreamIdCollisionException collision:
                    return new ProblemDetails
                    {
                        Status = StatusCodes.Status409Conflict, Title = "The resource already exists",
                        Detail = $"Stream {collision.Id} already exists."
                    };
                case PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } unique
                    when uniqueRules.FirstOrDefault(r => r.ConstraintName == unique.ConstraintName) is { } rule:
                    return new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = rule.Title, Detail = rule.Detail };
                case ConcurrencyException:
                    return await VersionConflict(http, ct);
            }
        }

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

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain)) yield return inner;
        }
    }
}

/// <summary>A unique index that enforces a business rule, and the conflict its violation means.</summary>
public sealed record UniqueRule(string ConstraintName, string Title, string Detail);
