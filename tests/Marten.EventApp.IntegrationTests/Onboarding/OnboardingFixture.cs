using Alba;
using JasperFx.Core;
using Marten.EventApp.Onboarding;
using Marten.EventApp.Sagas;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.Persistence;
using Wolverine.Persistence.Durability;
using Wolverine.Persistence.Durability.ScheduledMessageManagement;
using Wolverine.Runtime;
using Wolverine.Tracking;

namespace Marten.EventApp.IntegrationTests.Onboarding;

public sealed class OnboardingFixture : IAsyncLifetime
{
    public static readonly TimeSpan StepTimeout = 1.Minutes();

    public IAlbaHost Host { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Host = await TestHost.StartAsync("eventapp_onboarding", settings: new Dictionary<string, string>
    {
        ["EventApp:Onboarding:Enabled"] = "true",
        ["EventApp:Onboarding:StepTimeout"] = StepTimeout.ToString(),
        ["EventApp:Onboarding:RetryDelays:0"] = "00:00:00.100",
        ["EventApp:Onboarding:Faults:0:Step"] = OnboardingSteps.AnalyticsTracked,
        ["EventApp:Onboarding:Faults:0:Emails"] = @"^fail-analytics\.",
        ["EventApp:Onboarding:Faults:1:Step"] = OnboardingSteps.UserPreferences,
        ["EventApp:Onboarding:Faults:1:Emails"] = @"^silent-(prefs|both)\.",
        ["EventApp:Onboarding:Faults:1:Mode"] = nameof(FaultMode.NoAnswer),
        ["EventApp:Onboarding:Faults:2:Step"] = OnboardingSteps.PushNotification,
        ["EventApp:Onboarding:Faults:2:Emails"] = @"^silent-both\.",
        ["EventApp:Onboarding:Faults:2:Mode"] = nameof(FaultMode.NoAnswer),
        // a saga's message that meets the database away waits less here than the default 5 s
        ["EventApp:EventBus:TransientPause"] = "00:00:01"
    }, services: s => s.ConfigureWolverine(o =>
    {
        o.Durability.ScheduledJobPollingTime = 1.Seconds();
        o.Policies.AddMiddleware(typeof(SagaOutageProbe), chain => chain.MessageType == typeof(OnboardingOperatorNote));
    }));

    public Task ResetAsync() => Host.ResetAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class OnboardingCollection : ICollectionFixture<OnboardingFixture>
{
    public const string Name = "onboarding";
}

public abstract class OnboardingTest(OnboardingFixture fixture) : IAsyncLifetime
{
    protected IAlbaHost Host => fixture.Host;
    protected IDocumentStore Store => Host.Services.GetRequiredService<IDocumentStore>();
    protected IMessageStore MessageStore => Host.Services.GetRequiredService<IWolverineRuntime>().Storage;

    public Task InitializeAsync() => fixture.ResetAsync();
    public Task DisposeAsync() => Task.CompletedTask;

    protected Task<UserOnboardingSaga> SagaWhen(Guid userId, Func<UserOnboardingSaga, bool> condition) =>
        Host.SagaWhen(userId, condition);

    protected async Task<IReadOnlyList<object>> StreamEvents(Guid userId)
    {
        await using var session = Store.QuerySession();
        return (await session.Events.FetchStreamAsync(userId)).Select(e => e.Data).ToList();
    }

    protected Task<IReadOnlyList<object>> OnboardingEvents(Guid userId) => StreamEvents(OnboardingStream.For(userId));

    protected async Task<IReadOnlyList<ScheduledMessageSummary>> Scheduled()
    {
        var results = await MessageStore.ScheduledMessages.QueryAsync(new ScheduledMessageQuery { PageSize = 0 },
            CancellationToken.None);
        return results.Messages;
    }

    protected static bool NothingUnderWay(UserOnboardingSaga saga) =>
        saga.IsFinished && saga.Steps.All(s => s.Status is not (StepStatus.Running or StepStatus.Compensating));
}
