using Alba;
using JasperFx.Core;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Operations;
using Marten.EventApp.Users;
using Marten.Events;
using Npgsql;

namespace Marten.EventApp.IntegrationTests.EventBus;

// The exchange drops an event no queue is bound to; the service's consumers lose none, since their queues and
// bindings are declared at start-up before the forwarder publishes.
[Collection(OwnHostsCollection.Name)]
public sealed class when_the_service_starts_with_events_waiting : IAsyncLifetime
{
    private const int Registrations = 20;
    private readonly string _schema = "eventapp_waiting_" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _exchange = "events-" + Guid.NewGuid().ToString("N")[..8];
    private RawAmqp _amqp = null!;

    public async Task InitializeAsync()
    {
        _amqp = await RawAmqp.ConnectAsync(await TestBroker.Uri());
        await _amqp.DeleteQueueAsync(UserActivityHandler.Queue);
    }

    [Fact]
    public async Task the_consumers_queues_are_bound_before_the_first_event_is_published()
    {
        await using (var offline = await TestHost.StartAsync(_schema))
        {
            for (var i = 0; i < Registrations; i++) await offline.RegisteredUser();
            await offline.WaitForNonStaleProjectionDataAsync(30.Seconds());
        }

        // the forwarder starts again from the first event
        await using (var connection = new NpgsqlConnection(await TestDatabase.ConnectionString()))
        {
            await connection.OpenAsync();
            await new NpgsqlCommand($"delete from {_schema}.mt_event_progression where name like 'EventBus%'",
                connection).ExecuteNonQueryAsync();
        }

        await using var service = await TestHost.StartAsync(_schema, broker: await TestBroker.Uri(),
            settings: new Dictionary<string, string> { ["EventApp:EventBus:Exchange"] = _exchange });

        // every registration reached the activity log's queue, declared and bound by this start
        await Tracking.Eventually(async () =>
            (await service.GetAsJson<EventSystemHealth>("/api/monitoring/events"))!.ProcessedEvents
            .Any(p => p is { EventType: "UserRegistered", Handler: nameof(UserActivityHandler),
                Count: Registrations }) ? "all" : null);
    }

    public async Task DisposeAsync()
    {
        await _amqp.DeleteQueueAsync(UserActivityHandler.Queue);
        await _amqp.DeleteExchangeAsync(_exchange);
        await _amqp.DisposeAsync();
        await TestDatabase.DropSchemaAsync(_schema);
    }
}
