using Alba;
using Marten.EventApp.EventBus;
using Microsoft.Extensions.DependencyInjection;

namespace Marten.EventApp.IntegrationTests.EventBus;

// without a broker, since none can run here
[Collection(OwnHostsCollection.Name)]
public sealed class when_kafka_is_configured : IAsyncLifetime
{
    private readonly string _schema = "eventapp_kafka_" + Guid.NewGuid().ToString("N")[..8];
    private IAlbaHost _service = null!;

    public async Task InitializeAsync() =>
        _service = await TestHost.StartAsync(_schema, settings: new Dictionary<string, string>
    {
        ["EventApp:EventBus:KafkaBootstrapServers"] = "127.0.0.1:9"
    });

    [Fact]
    public void events_are_streamed_by_a_subscription_next_to_the_bus_with_progress_of_its_own()
    {
        var shards = _service.Services.GetRequiredService<StoreOptions>().Projections.AllShards()
            .Select(s => s.Name.Identity).ToList();
        Assert.Contains($"{KafkaEventStream.Name}:All", shards);
        Assert.Contains($"{EventForwarder.Name}:All", shards);
    }

    public async Task DisposeAsync()
    {
        await _service.DisposeAsync();
        await TestDatabase.DropSchemaAsync(_schema);
    }
}
