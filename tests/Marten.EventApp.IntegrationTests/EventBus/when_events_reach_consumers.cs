using Alba;
using JasperFx.Core;
using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.IntegrationTests.Messaging;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Messaging;
using Marten.EventApp.Orders;
using Marten.EventApp.Users;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.Persistence.Durability;
using Wolverine.Tracking;

namespace Marten.EventApp.IntegrationTests.EventBus;

[Collection(MessagingCollection.Name)]
public sealed class when_events_reach_consumers(MessagingFixture fixture) : MessagingTest(fixture)
{
    [Fact]
    public async Task an_event_delivered_twice_has_one_effect()
    {
        var user = await Host.RegisteredUser();
        var registered = (await Host.StoredEvents(user.Id)).Single();
        var again = new EventEnvelope(registered.EventId, "UserRegistered", user.Id, 1, 1, registered.Timestamp,
            System.Text.Json.JsonSerializer.SerializeToElement(new { email = "x@example.com", firstName = "A",
                lastName = "B", registrationSource = "tests" }));

        // to the activity log's queue, as the bus delivers it, twice more: every delivery settled, one entry
        await Host.WaitForNonStaleProjectionDataAsync(30.Seconds());
        var bus = Host.MessageBus();
        await bus.EndpointFor(UserActivityHandler.Queue).SendAsync(new ActivityEvent(again, null));
        await bus.EndpointFor(UserActivityHandler.Queue).SendAsync(new ActivityEvent(again, null));
        var admin = Host.Services.GetRequiredService<IMessageStore>().Admin;
        await Tracking.Eventually(async () =>
            (await admin.FetchCountsAsync()) is { Incoming: 0, Handled: >= 3 } ? "settled" : null);

        var entries = await Host.GetAsJson<List<ActivityEntry>>($"/api/users/{user.Id}/activity");
        Assert.Equal(registered.EventId, Assert.Single(entries!).Id);
    }

    [Fact]
    public async Task without_a_broker_a_consumer_gets_only_the_events_its_binding_keys_match()
    {
        var user = await Host.RegisteredUser();
        var placed = await Host.Scenario(x =>
        {
            x.Post.Json(new { customerId = user.Id,
                lines = new[] { new { sku = "BOOK-1", quantity = 1, unitPrice = 5m } } }).ToUrl("/api/orders");
            x.StatusCodeShouldBe(201);
        });
        var order = (await placed.ReadAsJsonAsync<OrderVersion>())!;

        // the consumer bound to "#" has both events and nothing waits in any queue: every delivery has happened
        var admin = Host.Services.GetRequiredService<IMessageStore>().Admin;
        await Tracking.Eventually(async () =>
            ForwardedProbe.Seen.Any(e => e.AggregateId == user.Id)
                && ForwardedProbe.Seen.Any(e => e.AggregateId == order.Id)
            && (await admin.FetchCountsAsync()).Incoming == 0 ? "delivered" : null);

        Assert.Equal("OrderCreated", Assert.Single(OrdersOnlyProbe.Seen, e => e.AggregateId == order.Id).EventType);
        Assert.DoesNotContain(OrdersOnlyProbe.Seen, e => e.AggregateId == user.Id);
    }

    [Fact]
    public async Task events_of_a_transaction_that_rolled_back_are_never_published()
    {
        var id = Guid.CreateVersion7();

        await Assert.ThrowsAnyAsync<Exception>(() => Bus.InvokeAsync<CommandOutcome>(new StartProbeThenFail(id)));
        // a later event that reached the consumers, with nothing waiting in their queues: the bus is past the probe's
        var later = await Host.RegisteredUser();
        await Host.WaitForNonStaleProjectionDataAsync(30.Seconds());
        var admin = Host.Services.GetRequiredService<IMessageStore>().Admin;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!ForwardedProbe.Seen.Any(e => e.AggregateId == later.Id)
            || (await admin.FetchCountsAsync()).Incoming > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the later event did not reach the consumers within 30 s");
            await Task.Delay(100);
        }

        await using var session = Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.Null(await session.Events.FetchStreamStateAsync(id));
        Assert.DoesNotContain(ForwardedProbe.Seen, e => e.AggregateId == id);
    }
}

public sealed record StartProbeThenFail(Guid ProbeId);

public static class StartProbeThenFailHandler
{
    public static async Task Handle(StartProbeThenFail cmd, IDocumentSession session)
    {
        session.Events.StartStream<Probe>(cmd.ProbeId, new ProbeOpened(cmd.ProbeId));
        await Task.Yield();
        throw new InvalidOperationException("fails after appending, before the commit");
    }
}

public static class ForwardedProbe
{
    public static System.Collections.Concurrent.ConcurrentBag<EventEnvelope> Seen { get; } = [];
}

public static class ForwardedProbeHandler
{
    public static void Handle(EventEnvelope e) => ForwardedProbe.Seen.Add(e);
}

public static class OrdersOnlyProbe
{
    public static System.Collections.Concurrent.ConcurrentBag<EventEnvelope> Seen { get; } = [];
}

public static class OrdersOnlyProbeHandler
{
    public static void Handle(EventEnvelope e) => OrdersOnlyProbe.Seen.Add(e);
}
