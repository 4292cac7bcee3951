using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Onboarding;
using Marten.EventApp.Sagas;

namespace Marten.EventApp.Tests.Onboarding;

// each answer decides again, and what is left is carried out as before
public sealed class when_onboarding_steps_run_in_line
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
    private static readonly OnboardingOptions Options = new() { StepTimeout = TimeSpan.FromMinutes(5) };
    private static readonly Guid User = Guid.NewGuid();

    private static async Task<(UserOnboardingSaga Saga, SagaEffects Effects, List<string> Ran)> RunAsync(
        params string[] declined)
    {
        var (saga, begun) = UserOnboardingSaga.Begin(User, Options, Now);
        var ran = new List<string>();
        var effects = await InlineSteps.RunAsync(begun, Now, TimeProvider.System, (message, at) =>
        {
            if (message is not IOnboardingStep step
                || declined.Contains(step.Step)) return Task.FromResult<SagaEffects?>(null);
            ran.Add(step.Step);
            return Task.FromResult<SagaEffects?>(saga.On(new OnboardingStepDone(User, step.Step), Options, at));
        });
        return (saga, effects, ran);
    }

    [Fact]
    public async Task every_step_answering_completes_the_saga_with_no_message_and_no_timer_left()
    {
        var (saga, effects, ran) = await RunAsync();

        Assert.Equal(SagaStatus.Completed, saga.Status);
        Assert.Equal([OnboardingSteps.WelcomeEmail, OnboardingSteps.UserPreferences, OnboardingSteps.PushNotification,
            OnboardingSteps.AnalyticsTracked], ran);
        Assert.Empty(effects.Messages);
        // the first step's timer was asked for and cancelled within the same transaction: never written
        Assert.Empty(effects.Timeouts);
        Assert.True(effects.CancelTimeouts);
        Assert.IsType<OnboardingCompleted>(Assert.Single(effects.Events));
        // each step at a time of its own, in the order the steps ran
        var done = saga.Steps.OrderBy(s => s.DoneAt).Select(s => s.Name);
        Assert.Equal(ran, done);
        Assert.Equal(saga.Steps.Count, saga.Steps.Select(s => s.DoneAt).Distinct().Count());
    }

    [Fact]
    public async Task a_step_that_may_not_run_here_stays_a_message_and_the_timer_stays_for_it()
    {
        var (saga, effects, ran) = await RunAsync(OnboardingSteps.UserPreferences);

        Assert.Equal(SagaStatus.Started, saga.Status);
        Assert.Equal([OnboardingSteps.WelcomeEmail, OnboardingSteps.PushNotification,
            OnboardingSteps.AnalyticsTracked], ran);
        Assert.Equal([new CreateDefaultPreferences(User)], effects.Messages);
        Assert.Equal(OnboardingSteps.WelcomeEmail, Assert.Single(effects.Timeouts).Step);
        Assert.False(effects.CancelTimeouts);
        Assert.Empty(effects.Events);
    }

    [Fact]
    public async Task the_first_step_declined_leaves_the_decision_as_it_was()
    {
        var (saga, effects, ran) = await RunAsync(OnboardingSteps.WelcomeEmail);

        Assert.Empty(ran);
        Assert.Equal(StepStatus.Running, saga.Step(OnboardingSteps.WelcomeEmail)!.Status);
        Assert.Equal([new SendWelcomeEmail(User)], effects.Messages);
        Assert.Single(effects.Timeouts);
    }
}
