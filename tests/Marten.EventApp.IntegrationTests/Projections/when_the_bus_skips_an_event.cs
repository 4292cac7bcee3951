using System.Net;
using Alba;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.EventBus;
using Marten.EventApp.Projections;
using Microsoft.Extensions.DependencyInjection;
using Wolverine.Tracking;

namespace Marten.EventApp.IntegrationTests.Projections;

// its wire mapping throws while Broken is set (registered by the messaging fixture)
public sealed record WireProbe(Guid ProbeId, string Note)
{
    public static volatile bool Broken;

    public static object OnTheWire(WireProbe e) =>
        Broken ? throw new InvalidOperationException("the probe's mapping is broken") : new { e.Note };
}

[Collection(MessagingCollection.Name)]
public sealed class when_the_bus_skips_an_event(MessagingFixture fixture) : MessagingTest(fixture)
{
    private const string Listing = "/api/admin/projections/skipped-events";

    [Fact]
    public async Task it_is_listed_with_its_error_and_a_retry_sends_it_once_the_cause_is_fixed()
    {
        var store = Host.Services.GetRequiredService<IDocumentStore>();
        var probe = Guid.CreateVersion7();
        WireProbe.Broken = true;
        try
        {
            await using (var session = store.LightweightSession())
            {
                session.Events.StartStream(probe, new WireProbe(probe, "hello"));
                await session.SaveChangesAsync();
            }

            var skipped = await Tracking.Eventually(async () =>
                (await Host.GetAsJson<SkippedEventPage>(Listing))!.Events.SingleOrDefault());
            var sequence = (await store.QuerySession().Events.FetchStreamAsync(probe)).Single().Sequence;
            Assert.Equal((EventForwarder.Name, sequence), (skipped.Projection, skipped.EventSequence));
            Assert.Contains("the probe's mapping is broken", skipped.ExceptionMessage);

            // still broken: refused, and still listed
            await Host.Scenario(x =>
            {
                x.Post.Url($"{Listing}/{skipped.Id}/retry");
                x.StatusCodeShouldBe(HttpStatusCode.Conflict);
            });
            Assert.Single((await Host.GetAsJson<SkippedEventPage>(Listing))!.Events);

            WireProbe.Broken = false;
            var (tracked, _) = await Host.TrackedScenario(x =>
            {
                x.Post.Url($"{Listing}/{skipped.Id}/retry");
                x.StatusCodeShouldBeOk();
            });
            // one event, sent to each consumer's queue
            var sent = Assert.Single(tracked.Sent.MessagesOf<EventEnvelope>().DistinctBy(e => e.EventId),
                e => e.AggregateId == probe);
            Assert.Equal(("WireProbe", "hello"), (sent.EventType, sent.EventData.GetProperty("note").GetString()));
            Assert.Empty((await Host.GetAsJson<SkippedEventPage>(Listing))!.Events);
        }
        finally
        {
            WireProbe.Broken = false;
        }
    }

    [Fact]
    public async Task an_unknown_one_is_404_and_a_bad_page_400()
    {
        await Host.Scenario(x =>
        {
            x.Post.Url($"{Listing}/{Guid.NewGuid()}/retry");
            x.StatusCodeShouldBe(HttpStatusCode.NotFound);
        });
        await Host.Scenario(x =>
        {
            x.Get.Url($"{Listing}?pageSize=0");
            x.StatusCodeShouldBe(HttpStatusCode.BadRequest);
        });
    }
}
