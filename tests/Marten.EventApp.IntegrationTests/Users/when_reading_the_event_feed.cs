using Alba;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Feeds;
using Marten.EventApp.Users;
using Npgsql;
using Microsoft.Extensions.DependencyInjection;

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

        // the feed reads up to the daemon's high-water mark, which passes the last write within a poll or two
        var last = (await Host.StoredEvents(user.Id)).Last().Sequence;
        await Tracking.Eventually(async () => (await Page(last - 1, 1)).Events.Count == 1 ? "" : null);

        var first = await Page(start, 2);
        Assert.Equal(2, first.Events.Count);
        Assert.True(first.Events[0].Sequence < first.Events[1].Sequence);
        Assert.Equal(first.Events[^1].Sequence, first.NextPosition);
        Assert.All(first.Events, e => Assert.True(e.Sequence > start));

        var mine = new List<StoredEvent>();
        for (var page = first; page.Events.Count > 0; page = await Page(page.NextPosition, 2))
            mine.AddRange(page.Events.Where(e => e.StreamId == user.Id));
        Assert.Equal([1L, 2L, 3L], mine.Select(e => e.Version));
        Assert.Equal(["user_registered", "user_profile_updated", "user_profile_updated"],
            mine.Select(e => e.EventType));
    }

    [Fact]
    public async Task an_event_committed_late_below_one_already_visible_is_not_skipped()
    {
        var store = Host.Services.GetRequiredService<IDocumentStore>();
        var held = new HoldBeforeCommit();
        var early = await Host.RegisteredUser();
        var lateId = Guid.CreateVersion7();
        // a transaction takes its sequence number, then waits before it commits
        await using var slow = store.LightweightSession();
        ((ITransactionParticipantRegistrar)slow).AddTransactionParticipant(held);
        slow.Events.StartStream<UserDetails>(lateId,
            new UserRegistered(lateId, UserScenarios.UniqueEmail(), "Late", "Commit", "test", null, false,
            DateTimeOffset.UtcNow));
        var saving = slow.SaveChangesAsync();
        await held.Reached.Task.WaitAsync(Tracking.Patience);
        // meanwhile a later sequence number commits
        var after = await Host.RegisteredUser();
        var afterSequence = (await Host.StoredEvents(after.Id)).Single().Sequence;
        var lateSequence = (await store.QuerySession().Events.QueryAllRawEvents().Where(e =>
            e.StreamId == lateId).ToListAsync()).Count;
        Assert.Equal(0, lateSequence); // not committed: invisible to anyone

        var from = (await Host.StoredEvents(early.Id)).Single().Sequence;
        var beforeCommit = await Page(from, 1000);
        Assert.DoesNotContain(beforeCommit.Events, e => e.Sequence >= afterSequence);

        held.Release.SetResult();
        await saving;
        var seen = new List<StoredEvent>(beforeCommit.Events);
        await Tracking.Eventually(async () =>
        {
            var page = await Page(seen.Count > 0 ? seen[^1].Sequence : from, 1000);
            seen.AddRange(page.Events);
            return seen.Any(e => e.StreamId == after.Id) ? "" : null;
        });
        var late = seen.Single(e => e.StreamId == lateId);
        Assert.True(late.Sequence < afterSequence, "the held transaction took its sequence number first");
        Assert.Equal(seen.Select(e => e.Sequence).Order(), seen.Select(e => e.Sequence));
    }

    private sealed class HoldBeforeCommit : ITransactionParticipant
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task BeforeCommitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
            CancellationToken token)
        {
            Reached.TrySetResult();
            await Release.Task;
        }
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
