using Marten.EventApp.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Marten.EventApp.Users;

/// <summary>
/// A page of matches and their count. <c>TotalCapped</c>: counting stopped at <c>Total</c> and there are more.
/// <c>TotalEstimated</c>: <c>Total</c> is PostgreSQL's estimate (a term matching thousands of users is not counted).
/// </summary>
public sealed record UserSearchResult(IReadOnlyList<UserDetails> Users, long Total, bool TotalCapped, bool TotalEstimated = false);

/// <summary>
/// Where the search changes plans: <c>CountLimit</c> for terms too short for a trigram; <c>BroadTerm</c>, the estimated
/// matches above which a term's page is found by walking the newest users (at most <c>RecentWindow</c> of them)
/// instead of sorting every match, and its total is the estimate.
/// </summary>
internal sealed record SearchLimits(int CountLimit = FindUsersEndpoint.CountLimit, int BroadTerm = FindUsersEndpoint.BroadTerm,
    int RecentWindow = FindUsersEndpoint.RecentWindow);

/// <summary>
/// Email lookup and search. Both filter with ILIKE on the expressions that the trigram indexes cover
/// (see <see cref="UsersConfiguration"/>), so PostgreSQL answers from the indexes, not a scan of every document.
/// </summary>
internal static class FindUsersEndpoint
{
    private const string EmailMatches = "(data ->> 'email') ILIKE ?";
    // isActive is cast, not compared as text: written like the unique index's predicate, it let the planner walk
    // that partial index and filter every active row instead of taking the trigram BitmapOr (BENCHMARKS.md, 4c)
    private const string SearchMatches =
        "((data ->> 'fullName') ILIKE ? OR (data ->> 'email') ILIKE ?) AND (data ->> 'isActive')::boolean";
    private const int MaxTerm = 254;
    /// <summary>
    /// A term shorter than a trigram has no index to use: counting all its matches reads every document, so it
    /// counts up to this many and says "more". Longer terms count exactly from the trigram bitmap; capping those
    /// made the planner pick a sequential scan that stops early, slower when matches spread through the table
    /// (BENCHMARKS.md, "What changes bought").
    /// </summary>
    public const int CountLimit = 1_000;

    /// <summary>
    /// Sorting every match costs in proportion to the matches (a term matching 25,000 of a million users: 100-360 ms),
    /// finding a page among the newest users in proportion to how rare the term is; above this estimate the second
    /// is cheaper. PostgreSQL's estimates for terms of three letters or more were within a factor of two (BENCHMARKS.md, 4c).
    /// </summary>
    public const int BroadTerm = 2_000;

    /// <summary>How many of the newest users a broad term's page is looked for in before every match is sorted after all.</summary>
    public const int RecentWindow = 50_000;

    public static async Task<Results<Ok<IReadOnlyList<UserDetails>>, ProblemHttpResult>> ByEmail(
        string? email, int? limit, IQuerySession session, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(email) || email.Trim().Length > MaxTerm)
            return Problems.BadQuery($"email is required, at most {MaxTerm} characters.");
        if (limit is < 1 or > 100) return Problems.BadQuery("limit must be between 1 and 100.");

        var users = await session.QueryAsync<UserDetails>(
            $"where {EmailMatches} order by (data ->> 'email'), id limit ?", ct, Contains(email), limit ?? 100);
        return TypedResults.Ok(users);
    }

    public static Task<Results<Ok<UserSearchResult>, ProblemHttpResult>> Search(
        string? term, int? limit, int? offset, IQuerySession session, IDocumentStore store, CancellationToken ct) =>
        SearchWith(new SearchLimits(), term, limit, offset, session, store, ct);

    internal static async Task<Results<Ok<UserSearchResult>, ProblemHttpResult>> SearchWith(
        SearchLimits limits, string? term, int? limit, int? offset, IQuerySession session, IDocumentStore store, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(term) || term.Trim().Length > MaxTerm)
            return Problems.BadQuery($"term is required, at most {MaxTerm} characters.");
        if (limit is < 1 or > 100) return Problems.BadQuery("limit must be between 1 and 100.");
        if (offset is < 0) return Problems.BadQuery("offset must be 0 or more.");

        var pattern = Contains(term);
        var table = store.Options.Schema.For<UserDetails>(qualified: true);
        var trigrams = term.Trim().Length >= 3;
        if (trigrams && await EstimateAsync(session, table, pattern, ct) is var estimate && estimate > limits.BroadTerm)
        {
            // the newest users first, stopping after the page: a filter over a subquery with its own limit cannot use
            // the trigram indexes, so this plan is the one taken
            var newest = await session.QueryAsync<UserDetails>($"""
                select recent.data from (select id, data, last_updated from {table} order by last_updated desc, id limit ?) as recent
                where {SearchMatches} order by recent.last_updated desc, recent.id limit ? offset ?
                """, ct, limits.RecentWindow, pattern, pattern, limit ?? 20, offset ?? 0);
            if (newest.Count == (limit ?? 20)) return TypedResults.Ok(new UserSearchResult(newest, estimate, false, TotalEstimated: true));
            // the page is not among the newest: sort every match after all
        }

        // With trigrams, filter by the trigram indexes and sort the matches: ordered by the indexed column, the
        // planner may walk it for a rare term and read every row. Without trigrams, walk the last_updated index
        // and stop after a page rather than sort every match.
        var order = trigrams ? "(data ->> 'lastUpdated')::timestamptz desc, id" : "last_updated desc, id";
        var users = await session.QueryAsync<UserDetails>(
            $"where {SearchMatches} order by {order} limit ? offset ?", ct, pattern, pattern, limit ?? 20, offset ?? 0);
        var counted = (trigrams
            ? await session.QueryAsync<long>($"select count(*) from {table} where {SearchMatches}", ct, pattern, pattern)
            : await session.QueryAsync<long>(
                $"select count(*) from (select 1 from {table} where {SearchMatches} limit ?) as matches",
                ct, pattern, pattern, limits.CountLimit + 1)).Single();
        // only the short-term count stops early; an exact count is reported as it is
        var capped = !trigrams && counted > limits.CountLimit;
        return TypedResults.Ok(new UserSearchResult(users, capped ? limits.CountLimit : counted, capped));
    }

    /// <summary>PostgreSQL's estimate of the active users matching the pattern: planning only, nothing is read.</summary>
    private static async Task<long> EstimateAsync(IQuerySession session, string table, string pattern, CancellationToken ct)
    {
        var plan = (await session.AdvancedSql.QueryAsync<string>($"explain (format json) select 1 from {table} where {SearchMatches}", ct, pattern, pattern)).Single();
        using var json = System.Text.Json.JsonDocument.Parse(plan);
        return (long)json.RootElement[0].GetProperty("Plan").GetProperty("Plan Rows").GetDouble();
    }

    /// <summary>A LIKE pattern matching the term anywhere, with the term's own wildcards escaped.</summary>
    internal static string Contains(string term) =>
        "%" + term.Trim().Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
}
