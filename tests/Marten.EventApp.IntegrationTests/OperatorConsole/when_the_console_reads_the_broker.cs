using Alba;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.OperatorConsole;
using Marten.EventApp.Users;

namespace Marten.EventApp.IntegrationTests.OperatorConsole;

[Collection(OwnHostsCollection.Name)]
public sealed class when_the_console_reads_the_broker : IAsyncLifetime
{
    private IAlbaHost? _host;

    private async Task<IAlbaHost> HostAsync(string? managementUrl = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["EventApp:EventBus:Exchange"] = "events-" + Guid.NewGuid().ToString("N")[..8],
            // none unless given: the shell's environment may name one
            ["EventApp:Console:BrokerManagementUrl"] = managementUrl ?? ""
        };
        return _host = await TestHost.StartAsync("eventapp_console_bus_" + Guid.NewGuid().ToString("N")[..8],
            broker: await TestBroker.Uri(), settings: settings);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }

    private static BusQueue Activity(BusOverview bus) =>
        Assert.Single(bus.Queues, q => q.Name == UserActivityHandler.Queue);

    [Fact]
    public async Task each_queue_shows_its_depth_and_consumers_as_rabbitmq_reports_them()
    {
        var host = await HostAsync();
        var user = await host.RegisteredUser();
        await host.ActivityOf(user.Id, count: 1);

        var bus = (await host.GetAsJson<BusOverview>("/api/admin/console/bus"))!;

        Assert.Equal(("rabbitmq", "amqp"), (bus.Transport, bus.Source));
        var activity = Activity(bus);
        // this host's listener is on it; the registration's event has been taken off it
        Assert.Null(activity.Error);
        Assert.True(activity.Consumers >= 1, $"{activity.Consumers} consumers");
        Assert.Equal(0, activity.Depth);
        Assert.Null(activity.PublishedPerSecond);
        Assert.Contains("UserRegistered.*", activity.BindingKeys);
        var commands = Assert.Single(bus.Queues, q => q.Kind == "commands");
        Assert.Contains("RegisterUser", commands.BindingKeys);
        Assert.Null(commands.HandledPerSecond);
    }

    [Fact]
    public async Task with_the_management_api_each_queue_shows_the_brokers_depth_consumers_and_rates()
    {
        var host = await HostAsync(await TestBroker.ManagementUrl());

        // the broker samples its figures every few seconds (and the queue is named alike for every test's host, so
        // an earlier host's figures may still show): registrations go on until this host's listener and traffic show
        var bus = await Tracking.Eventually(async () =>
        {
            await host.RegisteredUser();
            var read = (await host.GetAsJson<BusOverview>("/api/admin/console/bus"))!;
            return Activity(read) is { PublishedPerSecond: > 0, HandledPerSecond: > 0, Consumers: >= 1 } ? read : null;
        }, TimeSpan.FromSeconds(60));

        Assert.Equal(("rabbitmq", "management"), (bus.Transport, bus.Source));
        var activity = Activity(bus);
        Assert.Null(activity.Error);
        Assert.NotNull(activity.Depth);
        Assert.Contains("UserRegistered.*", activity.BindingKeys);
        var commands = Assert.Single(bus.Queues, q => q.Kind == "commands");
        Assert.Null(commands.Error);
        Assert.NotNull(commands.Depth);
    }

    [Fact]
    public async Task a_management_api_that_refuses_shows_beside_each_queue_instead_of_failing_the_page()
    {
        var api = new UriBuilder(await TestBroker.ManagementUrl()) { UserName = "nobody", Password = "wrong" };
        var host = await HostAsync(api.Uri.ToString());

        var bus = (await host.GetAsJson<BusOverview>("/api/admin/console/bus"))!;

        Assert.Equal("management", bus.Source);
        Assert.All(bus.Queues, q =>
            Assert.Equal(((long?)null, "not read: the management API answered 401"), (q.Depth, q.Error)));
    }
}
