using Marten.EventApp.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace Marten.EventApp.IntegrationTests.Users;

// totals are exact because the storage is emptied before each test
[Collection(MessagingCollection.Name)]
public sealed class when_searching_users_only_this_test_made(MessagingFixture fixture) : MessagingTest(fixture)
{
    [Fact]
    public async Task a_term_shorter_than_a_trigram_counts_up_to_the_limit_and_says_when_there_are_more()
    {
        for (var i = 0; i < 3; i++) await Host.RegisteredUser(firstName: "Zq" + i);
        await Host.RegisteredUser(firstName: "Other");
        var store = Host.Services.GetRequiredService<IDocumentStore>();

        async Task<UserSearchResult> SearchCounting(int countLimit)
        {
            await using var session = store.QuerySession();
            var result = await FindUsersEndpoint.SearchWith(new SearchLimits(CountLimit: countLimit), "zq", 1, 0,
                session, store, CancellationToken.None);
            return Assert.IsType<Ok<UserSearchResult>>(result.Result).Value!;
        }

        Assert.Equal((3L, false), ((await SearchCounting(1_000)).Total, (await SearchCounting(1_000)).TotalCapped));
        var capped = await SearchCounting(2);
        Assert.Equal((2L, true), (capped.Total, capped.TotalCapped));
        Assert.Single(capped.Users);
        var exact = await SearchCounting(3);
        Assert.Equal((3L, false), (exact.Total, exact.TotalCapped));
    }

    [Fact]
    public async Task a_broad_term_finds_its_page_among_the_newest_users_with_an_estimated_total_and_the_same_order()
    {
        for (var i = 0; i < 5; i++) await Host.RegisteredUser(firstName: "Broadterm" + i);
        await Host.RegisteredUser(firstName: "Other");
        var store = Host.Services.GetRequiredService<IDocumentStore>();

        async Task<UserSearchResult> Search(SearchLimits limits, int limit, int offset)
        {
            await using var session = store.QuerySession();
            var result = await FindUsersEndpoint.SearchWith(limits, "broadterm", limit, offset, session, store,
                CancellationToken.None);
            return Assert.IsType<Ok<UserSearchResult>>(result.Result).Value!;
        }

        var exact = new SearchLimits(BroadTerm: int.MaxValue);
        var broad = new SearchLimits(BroadTerm: 0); // every estimate is above it
        foreach (var offset in new[] { 0, 2 })
        {
            var expected = await Search(exact, 2, offset);
            var walked = await Search(broad, 2, offset);
            Assert.Equal((5L, false), (expected.Total, expected.TotalEstimated));
            Assert.True(walked.TotalEstimated);
            Assert.Equal(expected.Users.Select(u => u.Id), walked.Users.Select(u => u.Id));
        }

        // a page the newest users cannot fill (past the matches, or beyond the window) is found by sorting every match
        var last = await Search(broad, 2, 4);
        Assert.Equal((1, 5L, false), (last.Users.Count, last.Total, last.TotalEstimated));
        var narrow = await Search(broad with { RecentWindow = 1 }, 2, 0);
        Assert.Equal((2, 5L, false), (narrow.Users.Count, narrow.Total, narrow.TotalEstimated));
    }

    [Fact]
    public async Task an_email_lookup_lists_the_newest_first_whichever_plan_its_term_takes()
    {
        var marker = Guid.NewGuid().ToString("N")[..8];
        var registered = new List<Guid>();
        for (var i = 0; i < 5; i++) registered.Add((await Host.RegisteredUser($"u{i}.{marker}@Example.org")).Id);
        await Host.RegisteredUser(UserScenarios.UniqueEmail("other"));
        var store = Host.Services.GetRequiredService<IDocumentStore>();

        async Task<IReadOnlyList<Guid>> Lookup(SearchLimits limits, string email, int limit)
        {
            await using var session = store.QuerySession();
            var result = await FindUsersEndpoint.ByEmailWith(limits, email, limit, session, store,
                CancellationToken.None);
            return Assert.IsType<Ok<IReadOnlyList<UserDetails>>>(result.Result).Value!.Select(u => u.Id).ToList();
        }

        var newestFirst = Enumerable.Reverse(registered).ToList();
        foreach (var limits in new[] { new SearchLimits(BroadTerm: int.MaxValue), new SearchLimits(BroadTerm: 0),
            new SearchLimits(BroadTerm: 0, RecentWindow: 1) })
        {
            Assert.Equal(newestFirst, await Lookup(limits, marker.ToUpperInvariant(), 100));
            Assert.Equal(newestFirst.Take(2), await Lookup(limits, "@example.org", 2));
            Assert.Equal([registered[3]], await Lookup(limits, $"u3.{marker}@example.org", 100));
        }
        // shorter than a trigram: the newest users walked until the page is full
        Assert.Equal(newestFirst.Take(2), await Lookup(new SearchLimits(), "u", 2));
    }
}
