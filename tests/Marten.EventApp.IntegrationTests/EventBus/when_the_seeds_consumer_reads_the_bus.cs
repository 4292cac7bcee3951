using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Alba;
using Marten.EventApp.IntegrationTests.Users;

namespace Marten.EventApp.IntegrationTests.EventBus;

// the seed's own consumer code (tests/seed-consumer, under Node) reads the exchange and rebuilds our events unchanged
[Collection(OwnHostsCollection.Name)]
public sealed class when_the_seeds_consumer_reads_the_bus : IAsyncLifetime
{
    private readonly string _schema = "eventapp_seed_" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _exchange = "events-" + Guid.NewGuid().ToString("N")[..8];
    private readonly NodeTools _node = new("seed-consumer");
    private IAlbaHost _service = null!;
    private Uri _broker = null!;

    public async Task InitializeAsync()
    {
        _broker = await TestBroker.Uri();
        await _node.InstallAsync();
        _service = await TestHost.StartAsync(_schema, broker: _broker, settings: new Dictionary<string, string>
        {
            ["EventApp:EventBus:Exchange"] = _exchange
        });
    }

    [Fact]
    public async Task it_rebuilds_each_user_event_with_the_seeds_event_factory()
    {
        var lines = new BlockingCollection<string>();
        using var consumer = Process.Start(new ProcessStartInfo("node",
            ["consumer.mjs", _broker.ToString(), _exchange, "3"])
        {
            WorkingDirectory = _node.Folder, RedirectStandardOutput = true, RedirectStandardError = true
        })!;
        consumer.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Add(e.Data); };
        consumer.BeginOutputReadLine();
        var errors = consumer.StandardError.ReadToEndAsync();
        try
        {
            Assert.True(lines.TryTake(out var ready, TimeSpan.FromSeconds(30)) && ready == "ready",
                $"the consumer did not start: {ready}");

            var email = UserScenarios.UniqueEmail("seed");
            var user = await _service.RegisteredUser(email, "Ada", "Byron");
            await _service.Scenario(x => x.Patch.Json(new { lastName = "Lovelace" }).ToUrl($"/api/users/{user.Id}"));
            await _service.Deactivated(user.Id, "left");
            var stored = await _service.StoredEvents(user.Id);

            var events = new List<JsonElement>();
            for (var i = 0; i < 3; i++)
            {
                Assert.True(lines.TryTake(out var line, TimeSpan.FromSeconds(60)),
                    $"the consumer saw {i} events; {await Task.WhenAny(errors, Task.Delay(100)) }");
                events.Add(JsonDocument.Parse(line!).RootElement);
            }

            Assert.Equal(["UserRegisteredEvent", "UserProfileUpdatedEvent", "UserDeactivatedEvent"],
                events.Select(e => e.GetProperty("type").GetString()));
            Assert.Equal(stored.Select(s => s.EventId.ToString()),
                events.Select(e => e.GetProperty("eventId").GetString()));
            Assert.All(events, e => Assert.Equal(user.Id.ToString(), e.GetProperty("aggregateId").GetString()));
            Assert.Equal([1, 2, 3], events.Select(e => e.GetProperty("aggregateVersion").GetInt32()));
            Assert.Equal(
                $$"""{"email":"{{email}}","firstName":"Ada","lastName":"Byron","registrationSource":"tests"}""",
                events[0].GetProperty("data").GetRawText());
            Assert.Equal("""{"updatedFields":{"lastName":"Lovelace"},"previousValues":{"lastName":"Byron"}}""",
                events[1].GetProperty("data").GetRawText());
            // who deactivated: the token's subject
            Assert.Equal("""{"reason":"left","deactivatedBy":"tests"}""", events[2].GetProperty("data").GetRawText());
        }
        finally
        {
            if (!consumer.HasExited) consumer.Kill(entireProcessTree: true);
        }
    }

    public async Task DisposeAsync()
    {
        await _service.DisposeAsync();
        await TestDatabase.DropSchemaAsync(_schema);
    }
}
