using Marten.EventApp.Analytics;
using Marten.EventApp.EventBus;
using Marten.EventApp.Messaging;
using Marten.EventApp.IntegrationTests.EventBus;
using Marten.EventApp.IntegrationTests.Messaging;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.IntegrationTests.Projections;
using Alba;
using JasperFx.CommandLine;
using JasperFx.Core;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.Configuration;
using Wolverine.Persistence;
using Wolverine.Runtime;

namespace Marten.EventApp.IntegrationTests;

// the test database in a schema of its own, Wolverine and the daemon solo, no broker unless given one
public static class TestHost
{
    public static async Task<IAlbaHost> StartAsync(string schema, Action<IServiceCollection>? services = null,
        Uri? broker = null,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        var connectionString = await TestDatabase.ConnectionString();
        JasperFxEnvironment.AutoStartHost = true;
        var host = await AlbaHost.For<Program>(b =>
        {
            b.UseTestSigningKey();
            b.UseSetting("ConnectionStrings:Marten", connectionString);
            b.UseSetting("ConnectionStrings:RabbitMq", broker?.ToString() ?? "");
            b.UseSetting("EventApp:SchemaName", schema);
            // onboarding and the order process append to streams in the background: on only where a test is about them
            b.UseSetting("EventApp:Onboarding:Enabled", "false");
            b.UseSetting("EventApp:Orders:ProcessEnabled", "false");
            foreach (var (key, value) in settings ?? new Dictionary<string, string>()) b.UseSetting(key, value);
            b.ConfigureServices(s =>
            {
                if (broker is null) s.DisableAllExternalWolverineTransports();
                s.RunWolverineInSoloMode();
                s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider, LogCapture>();
                services?.Invoke(s);
            });
        });
        return host.AsAdmin();
    }

    // first lets the previous test's work under way finish (a batch being gathered, a message between retries),
    // which would otherwise land after the reset
    public static async Task ResetAsync(this IAlbaHost host)
    {
        // the events the bus has not sent yet, then the messages they and others became
        try { await host.WaitForNonStaleProjectionDataAsync(15.Seconds()); }
        catch (TimeoutException) { /* a test that stopped the daemon: reset what there is */ }
        var inbox = host.Services.GetRequiredService<IWolverineRuntime>().Storage.Admin;
        var deadline = DateTime.UtcNow + 15.Seconds();
        while ((await inbox.FetchCountsAsync()).Incoming > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);

        await host.ClearAllPersistedWolverineDataAsync();
        await host.ResetAllMartenDataAsync();
        var store = host.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.LightweightSession();
        foreach (var table in ((StoreOptions)store.Options).Projections.All.OfType<AnalyticsProjection>()
            .SelectMany(p => new[] { p.Events, p.Hourly }))
            session.QueueSqlCommand($"truncate {table.Identifier}");
        await session.SaveChangesAsync();
    }
}

// its tests share data, so each makes its own (unique ids and emails)
public sealed class AppFixture : IAsyncLifetime
{
    public IAlbaHost Host { get; private set; } = null!;

    // spans are recorded only when they have somewhere to go: an endpoint nobody listens on, whose exporter drops them
    public async Task InitializeAsync() =>
        Host = await TestHost.StartAsync("eventapp_tests", settings: new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9"
    }, services: s => s.ConfigureWolverine(o =>
        o.Policies.AddMiddleware(typeof(Users.ErasureFaultProbe),
            chain => chain.MessageType == typeof(Marten.EventApp.Users.CompleteErasure))));

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class AppCollection : ICollectionFixture<AppFixture>
{
    public const string Name = "app";
}

// emptied before each test: a message or timeout of one test never reaches another, and counts are absolute
public sealed class MessagingFixture : IAsyncLifetime
{
    public IAlbaHost Host { get; private set; } = null!;

    public TestClock Clock { get; } = new();

    // a shorter transient pause than the default 5 s, so that tests wait less
    public async Task InitializeAsync() =>
        Host = await TestHost.StartAsync("eventapp_messaging", settings: new Dictionary<string, string>
    {
        ["EventApp:EventBus:TransientPause"] = "00:00:01",
        // small bounds for the sequence tests: a full sequence, and readiness Degraded by what one test parks
        ["EventApp:EventBus:MaxParkedPerSequence"] = "6",
        ["EventApp:Monitoring:ParkedEventsDegraded"] = "5",
        ["EventApp:Monitoring:PollInterval"] = "00:00:01"
    }, services: s =>
    {
        s.AddSingleton<TimeProvider>(Clock)
            .Configure<WireFormat>(w => w.Map<WireProbe, object>(nameof(WireProbe), WireProbe.OnTheWire))
            .ConfigureWolverine(o =>
            {
                // scheduled messages are found within a second, not the default five
                o.Durability.ScheduledJobPollingTime = 1.Seconds();
                // the probe commands and handlers of Messaging/when_a_decision_sends_messages
                o.Discovery.IncludeAssembly(typeof(MessagingFixture).Assembly);
                // the probe saga's own queue, partitioned by saga as the onboarding saga's
                o.MessagePartitioning.ByMessage<SagaProbeStep>(m => m.ProbeId.ToString());
                o.PublishMessage<SagaProbeStep>().ToLocalQueue(SequencedSagaProbe.Queue);
                o.LocalQueue(SequencedSagaProbe.Queue).PartitionProcessingByGroupId(PartitionSlots.Five);
            });
        s.ConsumeEvents(NoBroker, "", "tests.poison", typeof(PoisonProbeHandler), ["#"]);
        s.ConsumeEvents(NoBroker, "", "tests.forwarded", typeof(ForwardedProbeHandler), ["#"]);
        s.ConsumeEvents(NoBroker, "", "tests.orders-only", typeof(OrdersOnlyProbeHandler), ["OrderCreated.*"]);
        s.ConsumeEventBatches<SequencedProbeEvent>(NoBroker, new EventBusOptions(), SequencedProbe.Queue,
            typeof(SequencedProbeHandler), [$"{SequencedProbe.EventType}.*"], SequencedProbeHandler.Replay);
    });

    public static readonly Broker NoBroker = Broker.None;

    public async Task ResetAsync()
    {
        Clock.Reset();
        await Host.ResetAsync();
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class MessagingCollection : ICollectionFixture<MessagingFixture>
{
    public const string Name = "messaging";
}

public sealed class TestClock : TimeProvider
{
    private DateTimeOffset? _now;

    public void Set(DateTimeOffset now) => _now = now;
    public void Reset() => _now = null;
    public override DateTimeOffset GetUtcNow() => _now ?? System.GetUtcNow();
}

public abstract class MessagingTest(MessagingFixture fixture) : IAsyncLifetime
{
    protected IAlbaHost Host => fixture.Host;
    protected TestClock Clock => fixture.Clock;

    // IMessageBus is scoped: a bus of its own for each call, as each request or message gets
    protected IMessageBus Bus => new MessageBus(Host.Services.GetRequiredService<IWolverineRuntime>());

    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;
}

// they load the machine, so they run alone, after the parallel collections
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OwnHostsCollection
{
    public const string Name = "own-hosts";
}
