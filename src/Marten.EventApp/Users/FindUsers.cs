using Marten.EventApp.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Marten.EventApp.Users;

/// <summary>A page of matches and their count; <c>TotalCapped</c>: counting stopped at <c>Total</c> and there are more.</summary>
public sealed record UserSearchResult(IReadOnlyList<UserDetails> Users, long Total, bool TotalCapped);

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
        SearchCountingUpTo(CountLimit, term, limit, offset, session, store, ct);

    internal static async Task<Results<Ok<UserSearchResult>, ProblemHttpResult>> SearchCountingUpTo(
        int countLimit, string? term, int? limit, int? offset, IQuerySession session, IDocumentStore store, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(term) || term.Trim().Length > MaxTerm)
            return Problems.BadQuery($"term is required, at most {MaxTerm} characters.");
        if (limit is < 1 or > 100) return Problems.BadQuery("limit must be between 1 and 100.");
        if (offset is < 0) return Problems.BadQuery("offset must be 0 or more.");

        var pattern = Contains(term);
        var table = store.Options.Schema.For<UserDetails>(qualified: true);
        var trigrams = term.Trim().Length >= 3;
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
                ct, pattern, pattern, countLimit + 1)).Single();
        // only the short-term count stops early; an exact count is reported as it is
        var capped = !trigrams && counted > countLimit;
        return TypedResults.Ok(new UserSearchResult(users, capped ? countLimit : counted, capped));
    }

    /// <summary>A LIKE pattern matching the term anywhere, with the term's own wildcards escaped.</summary>
    internal static string Contains(string term) =>
        "%" + term.Trim().Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
}
