using Alba;
using JasperFx.Core;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Onboarding;
using Marten.EventApp.Sagas;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Marten.EventApp.IntegrationTests.Onboarding;

// a step's timeout is a durable message in PostgreSQL, not a timer in a process
[Collection(OwnHostsCollection.Name)]
public sealed class when_a_saga_timeout_outlives_its_node : IAsyncLifetime
{
    private static readonly TimeSpan StepTimeout = 8.Seconds();
    private readonly string _schema = "eventapp_timeouts_" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<IAlbaHost> _running = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _running) await host.DisposeAsync();
    }

    private async Task<IAlbaHost> Node(bool distributed)
    {
        var connectionString = await TestDatabase.ConnectionString();
        var host = await AlbaHost.For<Program>(b =>
        {
            b.UseTestSigningKey();
            b.UseSetting("ConnectionStrings:Marten", connectionString);
            b.UseSetting("ConnectionStrings:RabbitMq", "");
            b.UseSetting("EventApp:SchemaName", _schema);
            b.UseSetting("EventApp:Nodes", distributed ? "Distributed" : "Solo");
            b.UseSetting("EventApp:NodeHeartbeat", "00:00:01");
            b.UseSetting("EventApp:NodeTimeout", "00:00:03");
            b.UseSetting("EventApp:Onboarding:StepTimeout", StepTimeout.ToString());
            b.UseSetting("EventApp:Onboarding:Faults:0:Step", OnboardingSteps.UserPreferences);
            b.UseSetting("EventApp:Onboarding:Faults:0:Mode", nameof(FaultMode.NoAnswer));
            b.ConfigureServices(s => s.ConfigureWolverine(o => o.Durability.ScheduledJobPollingTime = 1.Seconds()));
        });
        _running.Add(host.AsAdmin());
        return host;
    }

    private static Task<UserOnboardingSaga> SagaWhen(IAlbaHost host, Guid id,
        Func<UserOnboardingSaga, bool> condition) =>
        host.SagaWhen(id, condition, 60.Seconds());

    [Fact]
    public async Task it_fires_once_on_the_node_started_after_its_own_stopped()
    {
        var first = await Node(distributed: false);
        var user = await first.RegisteredUser();
        await SagaWhen(first, user.Id, s => s.Step(OnboardingSteps.AnalyticsTracked)?.Status == StepStatus.Done);
        await first.StopAsync();
        await first.DisposeAsync();
        _running.Remove(first);
        var stoppedAt = DateTimeOffset.UtcNow;

        var next = await Node(distributed: false);
        var saga = await SagaWhen(next, user.Id,
            s => s.Status == SagaStatus.Failed && s.Steps.All(x => x.Status != StepStatus.Compensating));
        Assert.True(saga.Step(OnboardingSteps.UserPreferences)!.FinishedAt > stoppedAt,
            "the timeout fired before its node stopped");

        await AssertFiredOnce(next, saga, user.Id);
    }

    [Fact]
    public async Task with_two_nodes_on_one_database_it_fires_once()
    {
        var nodes = new[] { await Node(distributed: true), await Node(distributed: true) };
        var user = await nodes[0].RegisteredUser();

        var saga = await SagaWhen(nodes[1], user.Id,
            s => s.Status == SagaStatus.Failed && s.Steps.All(x => x.Status != StepStatus.Compensating));

        await AssertFiredOnce(nodes[1], saga, user.Id);
    }

    private static async Task AssertFiredOnce(IAlbaHost host, UserOnboardingSaga saga, Guid userId)
    {
        var preferences = saga.Step(OnboardingSteps.UserPreferences)!;
        Assert.Equal(StepStatus.Failed, preferences.Status);
        Assert.True(preferences.FinishedAt - preferences.StartedAt >= StepTimeout, "the timeout fired early");
        // a second firing would be recorded as ignored (as may the done steps' timeouts, due at about the same time)
        Assert.Single(saga.Timeline,
            t => t.Message == nameof(OnboardingStepTimeout) && t.Note.StartsWith(OnboardingSteps.UserPreferences));
        await using var session = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.Single((await session.Events.FetchStreamAsync(OnboardingStream.For(userId))).Select(e =>
            e.Data).OfType<OnboardingFailed>());
    }
}
