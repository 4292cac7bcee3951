using Microsoft.AspNetCore.Http.HttpResults;

namespace Marten.EventApp.Http;

// An offset makes the database walk past every row it skips: past MaxDepth a client narrows its filter instead.
public static class Paging
{
    public const int MaxDepth = 10_000;

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
