using Marten.EventApp.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Marten.EventApp.Users;

/// <summary>
/// A page of matches and their count. <c>TotalCapped</c>: counting stopped at <c>Total</c> and there are more.
/// <c>TotalEstimated</c>: <c>Total</c> is PostgreSQL's estimate (a term matching thousands of users is not counted).
/// </summary>
public sealed record UserSearchResult(IReadOnlyList<UserDetails> Users, long Total, bool TotalCapped,
    bool TotalEstimated = false);

/// <summary>
/// Where the search changes plans: <c>CountLimit</c> for terms too short for a trigram; <c>BroadTerm</c>, the estimated
/// matches above which a term's page is found by walking the newest users (at most <c>RecentWindow</c> of them)
/// instead of sorting every match, and its total is the estimate.
/// </summary>
internal sealed record SearchLimits(int CountLimit = FindUsersEndpoint.CountLimit,
    int BroadTerm = FindUsersEndpoint.BroadTerm,
    int RecentWindow = FindUsersEndpoint.RecentWindow);

/// <summary>
/// Email lookup and search. Both filter with LIKE on <see cref="UserDetails.SearchText"/>, the lowercased name and
/// email that one trigram index covers (see <see cref="UsersConfiguration"/>), so PostgreSQL answers from the index,
/// not a scan of every document.
/// </summary>
internal static class FindUsersEndpoint
{
    private const int MaxTerm = 254;
    // the email is the part after the separator (UserDetails.SearchSeparator)
    private const string EmailPart = "split_part(search_text, chr(31), 2)";
    // isActive is cast, not compared as text: written like the unique index's predicate, it let the planner walk
    // that partial index and filter every active row instead of taking the trigram index (BENCHMARKS.md, 4c)
    private const string Active = "(data ->> 'isActive')::boolean";

    /// <summary>
    /// A term shorter than a trigram has no index to use: counting all its matches reads every document, so it
    /// counts up to this many and says "more". Longer terms count exactly from the trigram index; capping those
    /// made the planner pick a sequential scan that stops early, slower when matches spread through the table
    /// (BENCHMARKS.md, "What changes bought").
    /// </summary>
    public const int CountLimit = 1_000;

    /// <summary>
    /// Sorting every match costs in proportion to the matches (a term matching 25,000 of a million users: 100-360 ms),
    /// finding a page among the newest users in proportion to how rare the term is; above this estimate the second
    /// is cheaper. PostgreSQL's estimates for terms of three letters or more were within a factor of two
    /// (BENCHMARKS.md, 4c).
    /// </summary>
    public const int BroadTerm = 2_000;

    /// <summary>How many of the newest users a broad term's page is looked for in before every match is sorted after
    /// all.</summary>
    public const int RecentWindow = 50_000;

    /// <summary>
    /// Which users a term matches: <c>Candidates</c>, the condition the trigram index serves (and whose matches are
    /// estimated), and <c>Rest</c>, checked on each candidate.
    /// </summary>
    private sealed record Filter(string Candidates, object[] CandidateArgs, string Rest, object[] RestArgs,
        bool Trigrams)
    {
        public string Sql => $"{Candidates} and {Rest}";
        public object[] Args => [.. CandidateArgs, .. RestArgs];
    }

    public static Task<Results<Ok<IReadOnlyList<UserDetails>>, ProblemHttpResult>> ByEmail(
        string? email, int? limit, IQuerySession session, IDocumentStore store, CancellationToken ct) =>
        ByEmailWith(new SearchLimits(), email, limit, session, store, ct);

    internal static async Task<Results<Ok<IReadOnlyList<UserDetails>>, ProblemHttpResult>> ByEmailWith(
        SearchLimits limits, string? email, int? limit, IQuerySession session, IDocumentStore store, CancellationToken ct)
    {
        if (BadTerm(email) is { } bad) return Problems.BadQuery($"email {bad}");
        if (limit is < 1 or > 100) return Problems.BadQuery("limit must be between 1 and 100.");

        var term = email!.Trim().ToLowerInvariant();
        // A whole address's domain is shared by many users (every user of a mail provider): its trigrams would make
        // the index read posting lists of nearly every row (57 ms for one address at a million users). The part before
        // the @ picks the candidates; the whole term is checked on each.
        var at = term.IndexOf('@');
        var candidates = at >= 3 ? term[..(at + 1)] : term;
        var filter = new Filter("search_text like ?", [Contains(candidates)],
            $"{EmailPart} like ?", [Contains(term)], candidates.Length >= 3);
        var (users, _) = await NewestFirstAsync(limits, store, filter, limit ?? 100, 0, counted: false, session, ct);
        return TypedResults.Ok<IReadOnlyList<UserDetails>>(users.Users);
    }

    public static Task<Results<Ok<UserSearchResult>, ProblemHttpResult>> Search(
        string? term, int? limit, int? offset, IQuerySession session, IDocumentStore store, CancellationToken ct) =>
        SearchWith(new SearchLimits(), term, limit, offset, session, store, ct);

    internal static async Task<Results<Ok<UserSearchResult>, ProblemHttpResult>> SearchWith(
        SearchLimits limits, string? term, int? limit, int? offset, IQuerySession session, IDocumentStore store, CancellationToken ct)
    {
        if (BadTerm(term) is { } bad) return Problems.BadQuery($"term {bad}");
        if (Paging.CheckOffset(offset, limit, 20, 100) is { } deep) return deep;

        var lowered = term!.Trim().ToLowerInvariant();
        var filter = new Filter("search_text like ?", [Contains(lowered)], Active, [], lowered.Length >= 3);
        var (page, estimate) = await NewestFirstAsync(limits, store, filter, limit ?? 20, offset ?? 0, counted: true,
            session, ct);
        if (estimate is { } broad) return TypedResults.Ok(new UserSearchResult(page.Users, broad, false,
            TotalEstimated: true));
        if (filter.Trigrams) return TypedResults.Ok(new UserSearchResult(page.Users, page.Total, false));

        // shorter than a trigram: count up to the limit
        var table = store.Options.Schema.For<UserDetails>(qualified: true);
        var counted = (await session.QueryAsync<long>(
            $"select count(*) from (select 1 from {table} where {filter.Sql} limit ?) as matches", ct,
            [.. filter.Args, limits.CountLimit + 1])).Single();
        var capped = counted > limits.CountLimit;
        return TypedResults.Ok(new UserSearchResult(page.Users, capped ? limits.CountLimit : counted, capped));
    }

    /// <summary>What is wrong with a term, or null.</summary>
    private static string? BadTerm(string? term) =>
        string.IsNullOrWhiteSpace(term) || term.Trim().Length > MaxTerm ? $"is required, at most {MaxTerm} characters."
        : term.Any(char.IsControl) ? "must not contain control characters."
        : null;

    /// <summary>A page of matches and, when every match was sorted and counted, how many there are (else 0).</summary>
    private sealed record MatchPage(long Total, IReadOnlyList<UserDetails> Users);

    /// <summary>
    /// A page of the users matching <paramref name="filter"/>, newest first, by the plan that suits the term; with
    /// PostgreSQL's estimate of the matches when the page came from the newest users (a broad term, not counted).
    /// </summary>
    private static async Task<(MatchPage Page, long? Estimate)> NewestFirstAsync(SearchLimits limits,
        IDocumentStore store,
        Filter filter, int limit, int offset, bool counted, IQuerySession session, CancellationToken ct)
    {
        var table = store.Options.Schema.For<UserDetails>(qualified: true);
        if (!filter.Trigrams)
        {
            // no index can serve the term: walk the last_updated index and stop after a page
            var walked = await session.QueryAsync<UserDetails>($"where {filter.Sql} order by last_updated desc, id limit ? offset ?", ct,
                [.. filter.Args, limit, offset]);
            return (new MatchPage(0, [.. walked]), null);
        }

        if (await EstimateAsync(session, table, filter, ct) is var estimate && estimate > limits.BroadTerm)
        {
            // the newest users first, stopping after the page: a filter over a subquery with its own limit cannot use
            // the trigram index, so this plan is the one taken
            var newest = await session.QueryAsync<UserDetails>($"""
                select recent.data from (select id, data, last_updated, search_text from {table} order by last_updated desc, id limit ?) as recent
                where {filter.Sql} order by recent.last_updated desc, recent.id limit ? offset ?
                """, ct, [limits.RecentWindow, .. filter.Args, limit, offset]);
            if (newest.Count == limit) return (new MatchPage(0, [.. newest]), estimate);
            // the page is not among the newest: sort every match after all
        }

        // The matches' ids and times from the trigram index (materialized, so the planner cannot walk the last_updated
        // index instead for a rare term), sorted, and the page's documents joined; the search's count from the same
        // matches, so the index and the heap are read once for both (against a page query and a count: 'Sakura Garcia'
        // at a million users 22 → 9 ms). The count comes back in one JSON value with the page, which costs about 5 ms
        // for a page of 100 documents: the lookup, which counts nothing, reads its documents as rows.
        var matches = $"""
            with matches as materialized (select id, last_updated from {table} where {filter.Sql}),
            page as (select id, last_updated from matches order by last_updated desc, id limit ? offset ?)
            """;
        object[] args = [.. filter.Args, limit, offset];
        if (!counted)
            return (new MatchPage(0, await session.QueryAsync<UserDetails>(
                $"{matches} select d.data from page p join {table} d on d.id = p.id order by p.last_updated desc, p.id", ct, args)), null);
        var page = await session.QueryAsync<MatchPage>($"""
            {matches}
            select jsonb_build_object('total', (select count(*) from matches), 'users', coalesce(
                (select jsonb_agg(d.data order by p.last_updated desc, p.id) from page p join {table} d on d.id = p.id), '[]'::jsonb))
            """, ct, args);
        return (page.Single(), null);
    }

    /// <summary>PostgreSQL's estimate of the candidates of a filter: planning only, nothing is read.</summary>
    private static async Task<long> EstimateAsync(IQuerySession session, string table, Filter filter,
        CancellationToken ct)
    {
        var plan = (await session.AdvancedSql.QueryAsync<string>($"explain (format json) select 1 from {table} where {filter.Candidates}",
            ct, filter.CandidateArgs)).Single();
        using var json = System.Text.Json.JsonDocument.Parse(plan);
        return (long)json.RootElement[0].GetProperty("Plan").GetProperty("Plan Rows").GetDouble();
    }

    /// <summary>A LIKE pattern matching the term anywhere, with the term's own wildcards escaped.</summary>
    internal static string Contains(string term) =>
        "%" + term.Trim().Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
}
