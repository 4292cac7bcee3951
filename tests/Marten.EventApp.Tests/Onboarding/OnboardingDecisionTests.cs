using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Onboarding;
using Marten.EventApp.Sagas;

namespace Marten.EventApp.Tests.Onboarding;

public sealed class when_the_onboarding_saga_decides
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
    private static readonly OnboardingOptions Options = new() { StepTimeout = TimeSpan.FromMinutes(5) };
    private static readonly Guid User = Guid.NewGuid();

    private static UserOnboardingSaga Begun(out SagaEffects effects)
    {
        (var saga, effects) = UserOnboardingSaga.Begin(User, Options, Now);
        return saga;
    }

    private static UserOnboardingSaga Done(params string[] steps)
    {
        var saga = Begun(out _);
        foreach (var step in steps) saga.On(new OnboardingStepDone(User, step), Options, Now);
        return saga;
    }

    [Fact]
    public void it_begins_with_the_welcome_email_and_its_timeout()
    {
        var saga = Begun(out var effects);

        Assert.Equal((User, SagaStatus.Started), (saga.Id, saga.Status));
        Assert.Equal([new SendWelcomeEmail(User)], effects.Messages);
        var timeout = Assert.Single(effects.Timeouts);
        Assert.Equal((OnboardingSteps.WelcomeEmail,
            new OnboardingStepTimeout(User, OnboardingSteps.WelcomeEmail, Now.AddMinutes(5)), Now.AddMinutes(5)),
            (timeout.Step, timeout.Message, timeout.DueAt));
        Assert.Empty(effects.Events);
        Assert.False(effects.CancelTimeouts);
    }

    [Fact]
    public void the_sent_email_starts_preferences_and_push_together()
    {
        var saga = Begun(out _);

        var effects = saga.On(new OnboardingStepDone(User, OnboardingSteps.WelcomeEmail), Options, Now.AddSeconds(1));

        Assert.Equal([new CreateDefaultPreferences(User), new SendWelcomePush(User)], effects.Messages);
        // the email's timer is still set: the new steps get their deadlines, not timers of their own
        Assert.Empty(effects.Timeouts);
        Assert.Equal([Now.AddSeconds(1).AddMinutes(5), Now.AddSeconds(1).AddMinutes(5)],
            [saga.Step(OnboardingSteps.UserPreferences)!.TimeoutDueAt,
                saga.Step(OnboardingSteps.PushNotification)!.TimeoutDueAt]);
        Assert.Equal(StepStatus.Done, saga.Step(OnboardingSteps.WelcomeEmail)!.Status);
    }

    [Fact]
    public void the_timer_of_a_step_that_answered_moves_on_to_the_running_step_due_first()
    {
        var saga = Begun(out _);
        saga.On(new OnboardingStepDone(User, OnboardingSteps.WelcomeEmail), Options, Now.AddSeconds(1));
        saga.On(new OnboardingStepDone(User, OnboardingSteps.PushNotification), Options, Now.AddSeconds(2));

        var effects = saga.On(new OnboardingStepTimeout(User, OnboardingSteps.WelcomeEmail, Now.AddMinutes(5)),
            Options, Now.AddMinutes(5));

        // preferences (since 1 s) is due before analytics (since 2 s)
        var timer = Assert.Single(effects.Timeouts);
        Assert.Equal((OnboardingSteps.UserPreferences,
            new OnboardingStepTimeout(User, OnboardingSteps.UserPreferences, Now.AddSeconds(1).AddMinutes(5)),
            TimeSpan.FromSeconds(1), Now.AddSeconds(1)
                .AddMinutes(5)), (timer.Step, timer.Message, timer.After, timer.DueAt));
        Assert.Equal(SagaStatus.Started, saga.Status);
        Assert.Empty(effects.Messages);
    }

    [Fact]
    public void a_timer_an_operator_fired_early_fails_the_running_step_due_first()
    {
        var saga = Begun(out _);
        saga.On(new OnboardingStepDone(User, OnboardingSteps.WelcomeEmail), Options, Now);
        saga.On(new OnboardingStepDone(User, OnboardingSteps.UserPreferences), Options, Now);

        var effects = saga.On(new OnboardingStepTimeout(User, OnboardingSteps.WelcomeEmail, Now.AddMinutes(5)),
            Options, Now.AddMinutes(1));

        Assert.Equal(OnboardingSteps.PushNotification,
            Assert.IsType<OnboardingFailed>(Assert.Single(effects.Events)).Step);
    }

    [Fact]
    public void the_timer_of_a_step_that_answered_fails_a_running_step_whose_time_is_up()
    {
        var saga = Begun(out _);
        saga.On(new OnboardingStepDone(User, OnboardingSteps.WelcomeEmail), Options, Now);

        // the timer was late (the store was busy): the preferences' own deadline has passed too
        var effects = saga.On(new OnboardingStepTimeout(User, OnboardingSteps.WelcomeEmail, Now.AddMinutes(5)),
            Options, Now.AddMinutes(6));

        Assert.Equal(SagaStatus.Failed, saga.Status);
        Assert.Equal(OnboardingSteps.UserPreferences,
            Assert.IsType<OnboardingFailed>(Assert.Single(effects.Events)).Step);
        Assert.Empty(effects.Timeouts);
    }

    [Fact]
    public void the_last_step_done_completes_it_on_its_own_stream_and_cancels_the_timeouts()
    {
        var saga = Done(OnboardingSteps.WelcomeEmail, OnboardingSteps.PushNotification,
            OnboardingSteps.UserPreferences);

        var effects = saga.On(new OnboardingStepDone(User, OnboardingSteps.AnalyticsTracked), Options, Now);

        Assert.Equal(SagaStatus.Completed, saga.Status);
        Assert.Equal([new OnboardingCompleted(User, Now)], effects.Events);
        Assert.True(effects.CancelTimeouts);
        Assert.Empty(effects.Messages);
    }

    [Fact]
    public void a_failed_step_fails_it_and_compensates_the_done_steps_last_done_first()
    {
        var saga = Begun(out _);
        saga.On(new OnboardingStepDone(User, OnboardingSteps.WelcomeEmail), Options, Now);
        saga.On(new OnboardingStepDone(User, OnboardingSteps.PushNotification), Options, Now.AddSeconds(1));

        var effects = saga.On(new OnboardingStepFailed(User, OnboardingSteps.AnalyticsTracked, "down"),
            Now.AddSeconds(2));

        Assert.Equal(SagaStatus.Failed, saga.Status);
        Assert.Equal([new OnboardingFailed(User, OnboardingSteps.AnalyticsTracked, "analytics_tracked failed: down",
            Now.AddSeconds(2))],
            effects.Events);
        var compensate = Assert.IsType<CompensateOnboarding>(Assert.Single(effects.Messages));
        Assert.Equal([OnboardingSteps.PushNotification, OnboardingSteps.WelcomeEmail], compensate.Steps);
        Assert.True(effects.CancelTimeouts);
    }

    [Fact]
    public void a_late_answer_a_late_timeout_and_a_duplicate_start_change_nothing_but_the_timeline()
    {
        var saga = Done(OnboardingSteps.WelcomeEmail, OnboardingSteps.PushNotification, OnboardingSteps.UserPreferences,
            OnboardingSteps.AnalyticsTracked);
        var entries = saga.Timeline.Count;

        var effects = new[]
        {
            saga.On(new OnboardingStepDone(User, OnboardingSteps.PushNotification), Options, Now),
            saga.On(new OnboardingStepTimeout(User, OnboardingSteps.WelcomeEmail), Options, Now),
            saga.OnDuplicateStart(Now)
        };

        Assert.All(effects, e =>
            Assert.True(e.Messages.Count + e.Timeouts.Count + e.Events.Count == 0 && !e.CancelTimeouts));
        Assert.Equal(SagaStatus.Completed, saga.Status);
        Assert.Equal(entries + 3, saga.Timeline.Count);
    }

    [Fact]
    public void an_answer_after_the_saga_failed_is_compensated_too()
    {
        var saga = Begun(out _);
        saga.On(new OnboardingStepDone(User, OnboardingSteps.WelcomeEmail), Options, Now);
        saga.On(new OnboardingStepTimeout(User, OnboardingSteps.UserPreferences), Options, Now);

        var effects = saga.On(new OnboardingStepDone(User, OnboardingSteps.PushNotification), Options, Now);

        Assert.Equal([new CompensateOnboarding(User, [OnboardingSteps.PushNotification])], effects.Messages,
            (a, b) => a is CompensateOnboarding x && b is CompensateOnboarding y && x.UserId == y.UserId
                && x.Steps.SequenceEqual(y.Steps));
        Assert.Equal(StepStatus.Compensating, saga.Step(OnboardingSteps.PushNotification)!.Status);
    }

    [Fact]
    public void an_operator_forcing_compensation_fails_the_running_steps()
    {
        var saga = Begun(out _);

        var effects = saga.On(new ForceOnboardingCompensation(User, "stuck"), Now);

        Assert.Equal(StepStatus.Failed, saga.Step(OnboardingSteps.WelcomeEmail)!.Status);
        var failed = Assert.IsType<OnboardingFailed>(Assert.Single(effects.Events));
        Assert.Equal((OnboardingSteps.WelcomeEmail, "compensation forced by an operator: stuck"),
            (failed.Step, failed.Reason));
        Assert.Empty(effects.Messages);
    }
}
