using Alba;
using Marten.EventApp.EventStore;

namespace Marten.EventApp.IntegrationTests.Users;

[Collection(AppCollection.Name)]
public sealed class when_reading_the_event_feed(AppFixture fixture)
{
    private IAlbaHost Host => fixture.Host;

    private async Task<EventPage> Page(long from, int size)
    {
        var result = await Host.Scenario(x => x.Get.Url($"/api/events?fromPosition={from}&batchSize={size}"));
        return (await result.ReadAsJsonAsync<EventPage>())!;
    }

    [Fact]
    public async Task pages_follow_the_global_sequence_from_a_position()
    {
        var user = await Host.RegisteredUser();
        var start = (await Host.StoredEvents(user.Id)).Single().Sequence - 1;
        await Host.Scenario(x => x.Patch.Json(new { firstName = "Next" }).ToUrl($"/api/users/{user.Id}"));
        await Host.Scenario(x => x.Patch.Json(new { firstName = "Last" }).ToUrl($"/api/users/{user.Id}"));

        var first = await Page(start, 2);
        Assert.Equal(2, first.Events.Count);
        Assert.True(first.Events[0].Sequence < first.Events[1].Sequence);
        Assert.Equal(first.Events[^1].Sequence, first.NextPosition);
        Assert.All(first.Events, e => Assert.True(e.Sequence > start));

        var mine = new List<StoredEvent>();
        for (var page = first; page.Events.Count > 0; page = await Page(page.NextPosition, 2))
            mine.AddRange(page.Events.Where(e => e.StreamId == user.Id));
        Assert.Equal([1L, 2L, 3L], mine.Select(e => e.Version));
        Assert.Equal(["user_registered", "user_profile_updated", "user_profile_updated"], mine.Select(e => e.EventType));
    }

    [Fact]
    public async Task past_the_end_the_page_is_empty_and_keeps_the_position()
    {
        var page = await Page(long.MaxValue - 1, 10);
        Assert.Empty(page.Events);
        Assert.Equal(long.MaxValue - 1, page.NextPosition);
    }

    [Theory]
    [InlineData("/api/events?batchSize=0")]
    [InlineData("/api/events?batchSize=1001")]
    [InlineData("/api/events?fromPosition=-1")]
    [InlineData("/api/events?fromPosition=abc")]
    public async Task a_bad_query_is_400(string url) =>
        await (await Host.Scenario(x =>
        {
            x.Get.Url(url);
            x.StatusCodeShouldBe(400);
        })).ProblemShouldBe(400);

    [Fact]
    public async Task a_stream_lists_its_events_after_a_version()
    {
        var user = await Host.RegisteredUser();
        await Host.Scenario(x => x.Patch.Json(new { firstName = "Two" }).ToUrl($"/api/users/{user.Id}"));
        Assert.Equal([1L, 2L], (await Host.StoredEvents(user.Id)).Select(e => e.Version));
        Assert.Equal([2L], (await Host.StoredEvents(user.Id, fromVersion: 1)).Select(e => e.Version));
        Assert.Empty(await Host.StoredEvents(user.Id, fromVersion: 2));
    }

    [Fact]
    public async Task an_unknown_stream_is_404() =>
        await (await Host.Scenario(x =>
        {
            x.Get.Url($"/api/users/{Guid.NewGuid()}/events");
            x.StatusCodeShouldBe(404);
        })).ProblemShouldBe(404);
}
