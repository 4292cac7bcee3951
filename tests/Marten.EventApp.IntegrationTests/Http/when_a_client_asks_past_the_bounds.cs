using System.Text.Json;
using Alba;
using Marten.EventApp.IntegrationTests.Users;

namespace Marten.EventApp.IntegrationTests.Http;

// past each bound a 400 that says which, never a walk through the whole table or stream
[Collection(AppCollection.Name)]
public sealed class when_a_client_asks_past_the_bounds(AppFixture fixture)
{
    private IAlbaHost Host => fixture.Host;

    public static TheoryData<string> TooDeep() => new()
    {
        "/api/users/search?term=abc&offset=9990&limit=20",
        "/api/users/search?term=abc&offset=2147483647",
        "/api/orders?page=101&pageSize=100",
        "/api/orders?page=2147483647&pageSize=100",
        "/api/admin/dead-letters?page=201&pageSize=50",
        "/api/admin/projections/skipped-events?page=21&pageSize=500",
        "/api/users/00000000-0000-0000-0000-000000000001/events?limit=1001",
        "/api/users/00000000-0000-0000-0000-000000000001?version=10001"
    };

    [Theory]
    [MemberData(nameof(TooDeep))]
    public async Task a_page_past_the_bound_is_a_400_that_names_it(string url)
    {
        var result = await Host.Scenario(x =>
        {
            x.Get.Url(url);
            x.StatusCodeShouldBe(400);
        });

        var problem = await result.ReadAsJsonAsync<JsonElement>();
        Assert.Matches("10000|1000|limit", problem.GetProperty("detail").GetString());
    }

    public static TheoryData<string, string> DeadLetterSelections() => new()
    {
        // a null character PostgreSQL refuses as text (it was a 500, found by the fuzz test), a long name, too many ids
        { "/api/admin/dead-letters/replay", """{"group":"a\u0000b"}""" },
        { "/api/admin/dead-letters/discard", $$"""{"group":"{{new string('g', 501)}}"}""" },
        { "/api/admin/dead-letters/replay",
            $$"""{"ids":[{{string.Join(",", Enumerable.Range(0, 1_001).Select(_ => $"\"{Guid.NewGuid()}\""))}}]}""" }
    };

    [Theory]
    [MemberData(nameof(DeadLetterSelections))]
    public async Task a_dead_letter_selection_past_the_bounds_is_a_400(string url, string body)
    {
        await Host.Scenario(x =>
        {
            x.Post.Text(body).ToUrl(url);
            x.WithRequestHeader("Content-Type", "application/json");
            x.StatusCodeShouldBe(400);
        });
        await Host.Scenario(x =>
        {
            x.Get.Url("/api/admin/dead-letters?messageType=a%00b");
            x.StatusCodeShouldBe(400);
        });
    }

    [Fact]
    public async Task the_last_page_inside_the_bound_is_served()
    {
        foreach (var url in new[] { "/api/users/search?term=abc&offset=9980&limit=20",
            "/api/orders?page=100&pageSize=100" })
            await Host.Scenario(x =>
            {
                x.Get.Url(url);
                x.StatusCodeShouldBeOk();
            });
    }

    [Fact]
    public async Task a_stream_is_read_a_page_at_a_time()
    {
        var user = await Host.RegisteredUser();
        for (var i = 0; i < 3; i++)
            await Host.Scenario(x =>
            {
                x.Patch.Json(new { firstName = $"Name{i}" }).ToUrl($"/api/users/{user.Id}");
                x.StatusCodeShouldBeOk();
            });

        var first = await Host.GetAsJson<List<JsonElement>>($"/api/users/{user.Id}/events?limit=2");
        var rest = await Host.GetAsJson<List<JsonElement>>($"/api/users/{user.Id}/events?fromVersion=2&limit=2");

        Assert.Equal([1L, 2L], first!.Select(e => e.GetProperty("version").GetInt64()));
        Assert.Equal([3L, 4L], rest!.Select(e => e.GetProperty("version").GetInt64()));
    }
}
