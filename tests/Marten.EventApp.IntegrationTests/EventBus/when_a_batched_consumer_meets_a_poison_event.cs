using Alba;
using Marten.EventApp.Users;
using Microsoft.Extensions.DependencyInjection;
using Wolverine.Persistence.Durability;
using Wolverine.Persistence.Durability.DeadLetterManagement;

namespace Marten.EventApp.IntegrationTests.EventBus;

// a failed batch is run again one event at a time, so the poison alone goes to the dead letters
[Collection(OwnHostsCollection.Name)]
public sealed class when_a_batched_consumer_meets_a_poison_event : IAsyncLifetime
{
    private readonly string _schema = "eventapp_batch_" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _exchange = "events-" + Guid.NewGuid().ToString("N")[..8];
    private IAlbaHost _service = null!;
    private RawAmqp _amqp = null!;

    public async Task InitializeAsync()
    {
        var broker = await TestBroker.Uri();
        _amqp = await RawAmqp.ConnectAsync(broker);
        _service = await TestHost.StartAsync(_schema, broker: broker, settings: new Dictionary<string, string>
        {
            ["EventApp:EventBus:Exchange"] = _exchange,
            // long enough for the six events below to make one batch
            ["EventApp:EventBus:BatchWait"] = "00:00:02",
            ["EventApp:EventBus:RetryDelays:0"] = "00:00:00.100"
        });
    }

    public async Task DisposeAsync()
    {
        await _service.DisposeAsync();
        await _amqp.DeleteExchangeAsync(_exchange);
        await _amqp.DisposeAsync();
    }

    private static string Envelope(Guid eventId, string type, Guid aggregateId, string data) =>
        $$"""
          {"eventId":"{{eventId}}","eventType":"{{type}}","aggregateId":"{{aggregateId}}","aggregateVersion":1,
           "eventVersion":1,"occurredOn":"2026-12-06T10:00:00Z","eventData":{{data}}}
          """;

    [Fact]
    public async Task the_poison_alone_is_dead_lettered_and_the_rest_of_its_batch_is_recorded()
    {
        var good = Enumerable.Range(0, 5).Select(_ => (EventId: Guid.NewGuid(), UserId: Guid.NewGuid())).ToList();
        var poison = Guid.NewGuid();
        foreach (var (eventId, userId) in good)
            await _amqp.PublishAsync(_exchange, $"UserRegistered.{userId}",
                Envelope(eventId, "UserRegistered", userId, """{"registrationSource":"batch"}"""), "UserRegistered");
        // the log reads the names of the updated fields, which this one lacks
        await _amqp.PublishAsync(_exchange, $"UserProfileUpdated.{poison}",
            Envelope(poison, "UserProfileUpdated", poison, "{}"), "UserProfileUpdated");

        var deadLetters = _service.Services.GetRequiredService<IMessageStore>().DeadLetters;
        var dead = await Tracking.Eventually(async () =>
        {
            var found = (await deadLetters.QueryAsync(new DeadLetterEnvelopeQuery(), CancellationToken.None)).Envelopes;
            return found.Count > 0 ? found : null;
        });
        var entries = await Tracking.Eventually(async () =>
        {
            await using var session = _service.Services.GetRequiredService<IDocumentStore>().QuerySession();
            var stored = await session.Query<ActivityEntry>().ToListAsync();
            return stored.Count == good.Count ? stored : null;
        });

        var letter = Assert.Single(dead);
        Assert.Equal(typeof(ActivityEvent).FullName, letter.MessageType);
        Assert.Equal(typeof(KeyNotFoundException).FullName, letter.ExceptionType);
        // the event as it came off the wire, kept for a replay
        Assert.Contains(poison.ToString(), System.Text.Encoding.UTF8.GetString(letter.Envelope.Data!));
        Assert.Contains(UserActivityHandler.Queue, letter.ReceivedAt);
        Assert.Equal(good.Select(g => g.EventId).Order(), entries.Select(e => e.Id).Order());
        Assert.All(entries, e => Assert.Equal("Registered (source: batch)", e.Summary));
    }
}
