using Alba;
using Marten.EventApp.IntegrationTests.Users;

namespace Marten.EventApp.IntegrationTests.EventBus;

// the service stops too before anything could be sent; once both are back every event arrives once, in order
[Collection(OwnHostsCollection.Name)]
public sealed class when_the_broker_goes_away : IAsyncLifetime
{
    private readonly string _schema = "eventapp_outage_" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _exchange = "events-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _queue = "outage-" + Guid.NewGuid().ToString("N")[..8];
    private Uri _broker = null!;
    private IAlbaHost? _service;

    public async Task InitializeAsync() => _broker = await TestBroker.Uri();

    private Task<IAlbaHost> Service() =>
        TestHost.StartAsync(_schema, broker: _broker, settings: new Dictionary<string, string>
    {
        ["EventApp:EventBus:Exchange"] = _exchange
    });

    [Fact]
    public async Task every_event_written_meanwhile_arrives_once_and_in_order()
    {
        await using (var setup = await RawAmqp.ConnectAsync(_broker)) await setup.BindDurableQueueAsync(_exchange,
            _queue, "#");
        _service = await Service();
        var before = await _service.RegisteredUser();

        await TestBroker.StopAsync();
        try
        {
            var during = new List<Guid>();
            for (var i = 0; i < 3; i++) during.Add((await _service.RegisteredUser()).Id);
            await _service.Scenario(x => x.Patch.Json(new { firstName = "Out" }).ToUrl($"/api/users/{before.Id}"));
            await _service.Scenario(x => x.Patch.Json(new { firstName = "Age" }).ToUrl($"/api/users/{before.Id}"));
            await _service.Deactivated(during[0]);
            // committed, never sent: the service goes away too
            await _service.DisposeAsync();
            _service = null;

            await TestBroker.StartAsync();
            _service = await Service();

            var expected = new Dictionary<Guid, long> { [before.Id] = 3, [during[0]] = 2, [during[1]] = 1,
                [during[2]] = 1 };
            await using var amqp = await RawAmqp.ConnectAsync(_broker);
            var seen = new Dictionary<Guid, List<long>>();
            var ids = new HashSet<string>();
            while (expected.Sum(e => e.Value) > seen.Values.Sum(v => v.Count))
            {
                var message = await amqp.NextAsync(_queue, TimeSpan.FromSeconds(60));
                Assert.True(ids.Add(message.BasicProperties.MessageId!),
                    $"event {message.BasicProperties.MessageId} arrived twice");
                var aggregate = Guid.Parse(RawAmqp.Text(message.BasicProperties.Headers!["aggregate-id"]));
                var version = long.Parse(RawAmqp.Text(message.BasicProperties.Headers!["aggregate-version"]));
                if (!seen.TryGetValue(aggregate, out var versions)) seen[aggregate] = versions = [];
                versions.Add(version);
            }

            foreach (var (aggregate, last) in expected)
                Assert.Equal(Enumerable.Range(1, (int)last).Select(v => (long)v), seen[aggregate]);
        }
        finally
        {
            await TestBroker.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_service is not null) await _service.DisposeAsync();
        await using (var amqp = await RawAmqp.ConnectAsync(_broker)) await amqp.DeleteQueueAsync(_queue);
        await TestDatabase.DropSchemaAsync(_schema);
    }
}
