using Alba;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Onboarding;
using Marten.EventApp.Sagas;
using Microsoft.Extensions.DependencyInjection;

namespace Marten.EventApp.IntegrationTests.Onboarding;

// one registration reaches two consumers' queues under the same message id: each handles it in its own inbox
[Collection(OwnHostsCollection.Name)]
public sealed class when_onboarding_runs_over_rabbitmq : IAsyncLifetime
{
    private IAlbaHost _service = null!;

    public async Task InitializeAsync() =>
        _service = await TestHost.StartAsync("eventapp_onboarding_bus_" + Guid.NewGuid().ToString("N")[..8],
            broker: await TestBroker.Uri(),
            settings: new Dictionary<string, string>
            {
                ["EventApp:Onboarding:Enabled"] = "true",
                ["EventApp:EventBus:Exchange"] = "events-" + Guid.NewGuid().ToString("N")[..8]
            });

    public async Task DisposeAsync() => await _service.DisposeAsync();

    [Fact]
    public async Task a_registration_reaches_the_activity_log_and_onboarding_which_completes()
    {
        var user = await _service.RegisteredUser();

        var saga = await Tracking.Eventually(async () =>
        {
            await using var session = _service.Services.GetRequiredService<IDocumentStore>().QuerySession();
            return await session.LoadAsync<UserOnboardingSaga>(user.Id) is { Status: SagaStatus.Completed } done
                ? done : null;
        });
        var activity = await _service.ActivityOf(user.Id, count: 5);

        Assert.All(saga.Steps, s => Assert.Equal(StepStatus.Done, s.Status));
        Assert.Equal("UserRegistered", activity[0].EventType);
        Assert.Equal("OnboardingCompleted", activity[^1].EventType);
    }
}
