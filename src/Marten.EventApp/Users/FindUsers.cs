using Marten.EventApp.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Marten.EventApp.Users;

// TotalCapped: counting stopped at Total and there are more; TotalEstimated: Total is PostgreSQL's estimate.
public sealed record UserSearchResult(IReadOnlyList<UserDetails> Users, long Total, bool TotalCapped,
    bool TotalEstimated = false);

internal sealed record SearchLimits(int CountLimit = FindUsersEndpoint.CountLimit,
    int BroadTerm = FindUsersEndpoint.BroadTerm,
    int RecentWindow = FindUsersEndpoint.RecentWindow);

// Both searches filter with LIKE on UserDetails.SearchText, which one trigram index covers (UsersConfiguration).
internal static class FindUsersEndpoint
{
    private const int MaxTerm = 254;
    // chr(31) is UserDetails.SearchSeparator: the email is the part after it
    private const string EmailPart = "split_part(search_text, chr(31), 2)";
    // isActive is cast, not compared as text: written like the unique index's predicate, it let the planner walk
    // that partial index and filter every active row instead of taking the trigram index (BENCHMARKS.md, 4c)
    private const string Active = "(data ->> 'isActive')::boolean";

    // Shorter than a trigram, a term has no index and counting reads every document, so its count is capped. Capping
    // longer terms made the planner pick an early-stopping sequential scan (BENCHMARKS.md, "What changes bought").
    public const int CountLimit = 1_000;

    // above this estimate, finding a page among the newest users beats sorting every match (BENCHMARKS.md, 4c)
    public const int BroadTerm = 2_000;

    public const int RecentWindow = 50_000;

    // Candidates: the condition the trigram index serves (and whose matches are estimated); Rest: checked on each.
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
        SearchLimits limits, string? email, int? limit, IQuerySession session, IDocumentStore store,
        CancellationToken ct)
    {
        if (BadTerm(email) is { } bad) return Problems.BadQuery($"email {bad}");
        if (limit is < 1 or > 100) return Problems.BadQuery("limit must be between 1 and 100.");

        var term = email!.Trim().ToLowerInvariant();
        // A domain is shared by many users, so its trigrams would read nearly every row's posting list: the part
        // before the @ picks the candidates, the whole term is checked on each.
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
        SearchLimits limits, string? term, int? limit, int? offset, IQuerySession session, IDocumentStore store,
        CancellationToken ct)
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

        var table = store.Options.Schema.For<UserDetails>(qualified: true);
        var counted = (await session.QueryAsync<long>(
            $"select count(*) from (select 1 from {table} where {filter.Sql} limit ?) as matches", ct,
            [.. filter.Args, limits.CountLimit + 1])).Single();
        var capped = counted > limits.CountLimit;
        return TypedResults.Ok(new UserSearchResult(page.Users, capped ? limits.CountLimit : counted, capped));
    }

    private static string? BadTerm(string? term) =>
        string.IsNullOrWhiteSpace(term) || term.Trim().Length > MaxTerm ? $"is required, at most {MaxTerm} characters."
        : term.Any(char.IsControl) ? "must not contain control characters."
        : null;

    private sealed record MatchPage(long Total, IReadOnlyList<UserDetails> Users);

    private static async Task<(MatchPage Page, long? Estimate)> NewestFirstAsync(SearchLimits limits,
        IDocumentStore store,
        Filter filter, int limit, int offset, bool counted, IQuerySession session, CancellationToken ct)
    {
        var table = store.Options.Schema.For<UserDetails>(qualified: true);
        if (!filter.Trigrams)
        {
            var walked = await session.QueryAsync<UserDetails>(
                $"where {filter.Sql} order by last_updated desc, id limit ? offset ?", ct,
                [.. filter.Args, limit, offset]);
            return (new MatchPage(0, [.. walked]), null);
        }

        if (await EstimateAsync(session, table, filter, ct) is var estimate && estimate > limits.BroadTerm)
        {
            // a filter over a subquery with its own limit cannot use the trigram index, so this plan is the one taken
            var newest = await session.QueryAsync<UserDetails>($"""
                select recent.data from (select id, data, last_updated, search_text from {table}
                  order by last_updated desc, id limit ?) as recent
                where {filter.Sql} order by recent.last_updated desc, recent.id limit ? offset ?
                """, ct, [limits.RecentWindow, .. filter.Args, limit, offset]);
            if (newest.Count == limit) return (new MatchPage(0, [.. newest]), estimate);
        }

        // materialized, so the planner cannot walk the last_updated index instead for a rare term; the count comes from
        // the same matches, so index and heap are read once for both (BENCHMARKS.md, 4c). Building the JSON value costs
        // time, so the lookup, which counts nothing, reads its documents as rows.
        var matches = $"""
            with matches as materialized (select id, last_updated from {table} where {filter.Sql}),
            page as (select id, last_updated from matches order by last_updated desc, id limit ? offset ?)
            """;
        object[] args = [.. filter.Args, limit, offset];
        if (!counted)
            return (new MatchPage(0, await session.QueryAsync<UserDetails>(
                $"{matches} select d.data from page p join {table} d on d.id = p.id " +
                "order by p.last_updated desc, p.id", ct, args)), null);
        var page = await session.QueryAsync<MatchPage>($"""
            {matches}
            select jsonb_build_object('total', (select count(*) from matches), 'users', coalesce(
                (select jsonb_agg(d.data order by p.last_updated desc, p.id)
                  from page p join {table} d on d.id = p.id), '[]'::jsonb))
            """, ct, args);
        return (page.Single(), null);
    }

    private static async Task<long> EstimateAsync(IQuerySession session, string table, Filter filter,
        CancellationToken ct)
    {
        var plan = (await session.AdvancedSql.QueryAsync<string>(
            $"explain (format json) select 1 from {table} where {filter.Candidates}",
            ct, filter.CandidateArgs)).Single();
        using var json = System.Text.Json.JsonDocument.Parse(plan);
        return (long)json.RootElement[0].GetProperty("Plan").GetProperty("Plan Rows").GetDouble();
    }

    internal static string Contains(string term) =>
        "%" + term.Trim().Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
}
