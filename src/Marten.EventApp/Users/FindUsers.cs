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

    public static Task<Results<Ok<IReadOnlyList<UserDetails>>, ProblemHttpResult>> ByEmail(
        string? email, int? limit, IQuerySession session, IDocumentStore store, CancellationToken ct) =>
        ByEmailWith(new SearchLimits(), email, limit, session, store, ct);

    internal static async Task<Results<Ok<IReadOnlyList<UserDetails>>, ProblemHttpResult>> ByEmailWith(
        SearchLimits limits, string? email, int? limit, IQuerySession session, IDocumentStore store, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(email) || email.Trim().Length > MaxTerm)
            return Problems.BadQuery($"email is required, at most {MaxTerm} characters.");
        if (limit is < 1 or > 100) return Problems.BadQuery("limit must be between 1 and 100.");

        var (users, _) = await NewestFirstAsync(limits, store, EmailMatches, [Contains(email)], email.Trim().Length >= 3,
            limit ?? 100, 0, session, ct);
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
        var trigrams = term.Trim().Length >= 3;
        var (users, estimate) = await NewestFirstAsync(limits, store, SearchMatches, [pattern, pattern], trigrams,
            limit ?? 20, offset ?? 0, session, ct);
        if (estimate is { } broad) return TypedResults.Ok(new UserSearchResult(users, broad, false, TotalEstimated: true));

        var table = store.Options.Schema.For<UserDetails>(qualified: true);
        var counted = (trigrams
            ? await session.QueryAsync<long>($"select count(*) from {table} where {SearchMatches}", ct, pattern, pattern)
            : await session.QueryAsync<long>(
                $"select count(*) from (select 1 from {table} where {SearchMatches} limit ?) as matches",
                ct, pattern, pattern, limits.CountLimit + 1)).Single();
        // only the short-term count stops early; an exact count is reported as it is
        var capped = !trigrams && counted > limits.CountLimit;
        return TypedResults.Ok(new UserSearchResult(users, capped ? limits.CountLimit : counted, capped));
    }

    /// <summary>
    /// A page of the users matching <paramref name="filter"/>, newest first, by the plan that suits the term; with
    /// PostgreSQL's estimate of the matches when the page came from the newest users (a broad term, not counted).
    /// </summary>
    private static async Task<(IReadOnlyList<UserDetails> Page, long? Estimate)> NewestFirstAsync(SearchLimits limits,
        IDocumentStore store, string filter, object[] args, bool trigrams, int limit, int offset, IQuerySession session, CancellationToken ct)
    {
        var table = store.Options.Schema.For<UserDetails>(qualified: true);
        if (trigrams && await EstimateAsync(session, table, filter, args, ct) is var estimate && estimate > limits.BroadTerm)
        {
            // the newest users first, stopping after the page: a filter over a subquery with its own limit cannot use
            // the trigram indexes, so this plan is the one taken
            var newest = await session.QueryAsync<UserDetails>($"""
                select recent.data from (select id, data, last_updated from {table} order by last_updated desc, id limit ?) as recent
                where {filter} order by recent.last_updated desc, recent.id limit ? offset ?
                """, ct, [limits.RecentWindow, .. args, limit, offset]);
            if (newest.Count == limit) return (newest, estimate);
            // the page is not among the newest: sort every match after all
        }

        // With trigrams, filter by the trigram indexes and sort the matches: ordered by the indexed column, the
        // planner may walk it for a rare term and read every row. Without trigrams, walk the last_updated index
        // and stop after a page rather than sort every match.
        var order = trigrams ? "(data ->> 'lastUpdated')::timestamptz desc, id" : "last_updated desc, id";
        return (await session.QueryAsync<UserDetails>($"where {filter} order by {order} limit ? offset ?", ct,
            [.. args, limit, offset]), null);
    }

    /// <summary>PostgreSQL's estimate of the users matching the filter: planning only, nothing is read.</summary>
    private static async Task<long> EstimateAsync(IQuerySession session, string table, string filter, object[] args, CancellationToken ct)
    {
        var plan = (await session.AdvancedSql.QueryAsync<string>($"explain (format json) select 1 from {table} where {filter}", ct, args)).Single();
        using var json = System.Text.Json.JsonDocument.Parse(plan);
        return (long)json.RootElement[0].GetProperty("Plan").GetProperty("Plan Rows").GetDouble();
    }

    /// <summary>A LIKE pattern matching the term anywhere, with the term's own wildcards escaped.</summary>
    internal static string Contains(string term) =>
        "%" + term.Trim().Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
}
