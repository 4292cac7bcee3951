using Microsoft.AspNetCore.Http.HttpResults;

namespace Marten.EventApp.Http;

/// <summary>
/// The bounds every list shares: a page's size, and how deep pages reach. An offset makes the database walk past every
/// row it skips, so a deep page costs as much as reading them all; past the bound a client narrows its filter.
/// </summary>
public static class Paging
{
    /// <summary>How far into a list pages reach: the first this many results.</summary>
    public const int MaxDepth = 10_000;

    /// <summary>A 400 for a page out of bounds, else null (<paramref name="page"/> counts from 1).</summary>
    public static ProblemHttpResult? Check(int? page, int? pageSize, int defaultPageSize, int maxPageSize)
    {
        if (page is < 1) return Problems.BadQuery("page starts at 1.");
        if (pageSize is < 1 || pageSize > maxPageSize)
            return Problems.BadQuery($"pageSize must be between 1 and {maxPageSize}.");
        return (long)(page ?? 1) * (pageSize ?? defaultPageSize) > MaxDepth
            ? Problems.BadQuery(
                $"Pages reach the first {MaxDepth} results (page × pageSize); narrow the filter to see further.")
            : null;
    }

    /// <summary>The same bound for an offset and a limit.</summary>
    public static ProblemHttpResult? CheckOffset(int? offset, int? limit, int defaultLimit, int maxLimit)
    {
        if (limit is < 1 || limit > maxLimit) return Problems.BadQuery($"limit must be between 1 and {maxLimit}.");
        if (offset is < 0) return Problems.BadQuery("offset must be 0 or more.");
        return (long)(offset ?? 0) + (limit ?? defaultLimit) > MaxDepth
            ? Problems.BadQuery(
                $"offset + limit reach at most the first {MaxDepth} results; narrow the term to see further.")
            : null;
    }
}
