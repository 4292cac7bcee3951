using System.Text.Json;
using Alba;
using Marten.EventApp.EventBus;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Messaging;
using Marten.EventApp.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Marten.EventApp.IntegrationTests.EventBus;

// the loss of a node of a real three-node cluster under load is the fault suite's F5 (RELIABILITY.md)
[Collection(OwnHostsCollection.Name)]
public sealed class when_the_broker_is_a_cluster : IAsyncLifetime
{
    private static readonly Dictionary<string, object?> Quorum = new()
    {
        ["x-queue-type"] = "quorum",
        ["x-delivery-limit"] = Broker.DeliveryLimit
    };
    private readonly string _schema = "eventapp_cluster_" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _exchange = "events-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _commands = "commands-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<string> _queues = [];
    private Uri _broker = null!;
    private RawAmqp _amqp = null!;

    public async Task InitializeAsync()
    {
        _broker = await TestBroker.Uri();
        _amqp = await RawAmqp.ConnectAsync(_broker);
        await _amqp.DeleteQueueAsync(UserActivityHandler.Queue);
    }

    private async Task<IAlbaHost> Service(params string[] clusterNodes) => await Service(_broker, clusterNodes);

    private async Task<IAlbaHost> Service(Uri broker, params string[] clusterNodes)
    {
        var settings = new Dictionary<string, string>
        {
            ["EventApp:EventBus:Exchange"] = _exchange,
            ["EventApp:EventBus:CommandQueue"] = _commands,
            ["EventApp:EventBus:QuorumQueues"] = "true"
        };
        for (var i = 0; i < clusterNodes.Length; i++) settings[$"EventApp:EventBus:ClusterNodes:{i}"] = clusterNodes[i];
        var host = await TestHost.StartAsync(_schema, broker: broker, settings: settings);
        _queues.AddRange(host.Services.GetServices<ConsumerQueue>().Select(q => q.Name));
        return host;
    }

    [Fact]
    public async Task the_queues_are_quorum_queues_and_an_empty_classic_one_is_replaced()
    {
        Assert.True(await _amqp.DeclareQueueAsync(UserActivityHandler.Queue), "a classic queue, as before the option");

        await using var service = await Service();

        Assert.NotEmpty(_queues);
        foreach (var queue in _queues.Append(_commands))
        {
            Assert.True(await _amqp.DeclareQueueAsync(queue, Quorum), $"{queue} is not a quorum queue");
            Assert.False(await _amqp.DeclareQueueAsync(queue), $"{queue} is still a classic queue");
        }

        var user = await service.RegisteredUser();
        Assert.Equal("UserRegistered", Assert.Single(await service.ActivityOf(user.Id)).EventType);
    }

    [Fact]
    public async Task a_node_of_the_list_that_does_not_answer_is_passed_over()
    {
        // the connection string's node is one nobody listens on: every connection (Wolverine's, the forwarder's, the
        // health probe's) has to find the broker among the other nodes
        var silent = new UriBuilder(_broker) { Port = FreePorts.Next() }.Uri;

        await using var service = await Service(silent, $"{_broker.Host}:{_broker.Port}");

        var user = await service.RegisteredUser();
        Assert.Equal("UserRegistered", Assert.Single(await service.ActivityOf(user.Id)).EventType);
        var health = await service.Scenario(s => s.Get.Url("/health/ready"));
        var checks = (await health.ReadAsJsonAsync<JsonElement>()).GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("rabbitmq").GetProperty("status").GetString());
    }

    [Fact]
    public async Task a_cluster_node_that_is_not_host_and_port_stops_start_up_with_what_is_wrong()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => Service("rabbit2.internal"));

        Assert.Contains("ClusterNodes holds 'rabbit2.internal', which is not host:port", failure.ToString());
    }

    public async Task DisposeAsync()
    {
        // the next host finds the queues as a fresh broker has them: absent
        foreach (var queue in _queues.Append(UserActivityHandler.Queue).Append(_commands).Distinct())
            await _amqp.DeleteQueueAsync(queue);
        await _amqp.DeleteExchangeAsync(_exchange);
        await _amqp.DeleteExchangeAsync(_commands);
        await _amqp.DisposeAsync();
        await TestDatabase.DropSchemaAsync(_schema);
    }
}
