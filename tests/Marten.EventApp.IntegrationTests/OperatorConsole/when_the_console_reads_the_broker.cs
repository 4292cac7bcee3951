using Alba;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.OperatorConsole;
using Marten.EventApp.Users;

namespace Marten.EventApp.IntegrationTests.OperatorConsole;

[Collection(OwnHostsCollection.Name)]
public sealed class when_the_console_reads_the_broker : IAsyncLifetime
{
    private IAlbaHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await TestHost.StartAsync("eventapp_console_bus_" + Guid.NewGuid().ToString("N")[..8],
            broker: await TestBroker.Uri(),
            settings: new Dictionary<string, string>
            {
                ["EventApp:EventBus:Exchange"] = "events-" + Guid.NewGuid().ToString("N")[..8]
            });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task each_queue_shows_its_depth_and_consumers_as_rabbitmq_reports_them()
    {
        var user = await _host.RegisteredUser();
        await _host.ActivityOf(user.Id, count: 1);

        var bus = (await _host.GetAsJson<BusOverview>("/api/admin/console/bus"))!;

        Assert.Equal("rabbitmq", bus.Transport);
        var activity = Assert.Single(bus.Queues, q => q.Name == UserActivityHandler.Queue);
        // this host's listener is on it; the registration's event has been taken off it
        Assert.Null(activity.Error);
        Assert.True(activity.Consumers >= 1, $"{activity.Consumers} consumers");
        Assert.Equal(0, activity.Depth);
        Assert.Contains("UserRegistered.*", activity.BindingKeys);
        var commands = Assert.Single(bus.Queues, q => q.Kind == "commands");
        Assert.Contains("RegisterUser", commands.BindingKeys);
        Assert.Null(commands.HandledPerSecond);
    }
}
