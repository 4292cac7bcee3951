using Marten.EventApp.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace Marten.EventApp.IntegrationTests.Users;

/// <summary>Searches whose totals are exact because the storage is emptied before each test.</summary>
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
            var result = await FindUsersEndpoint.SearchCountingUpTo(countLimit, "zq", 1, 0, session, store, CancellationToken.None);
            return Assert.IsType<Ok<UserSearchResult>>(result.Result).Value!;
        }

        Assert.Equal((3L, false), ((await SearchCounting(1_000)).Total, (await SearchCounting(1_000)).TotalCapped));
        var capped = await SearchCounting(2);
        Assert.Equal((2L, true), (capped.Total, capped.TotalCapped));
        Assert.Single(capped.Users);
        var exact = await SearchCounting(3);
        Assert.Equal((3L, false), (exact.Total, exact.TotalCapped));
    }
}
