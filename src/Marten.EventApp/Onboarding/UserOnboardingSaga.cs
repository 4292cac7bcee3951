using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Sagas;
using Marten.EventApp.Users;
using Wolverine;

namespace Marten.EventApp.Onboarding;

/// <summary>
/// The seed's <c>UserOnboardingSaga</c>, one per user (its id is the user's): the welcome email first; once sent, the
/// default preferences and the push notification in parallel; once the push is sent, registration analytics; when all
/// four are done, <see cref="OnboardingCompleted"/> on the user's stream. A step that fails after its retries, or
/// does not answer within its timeout, fails the saga: the steps done so far are compensated in reverse order and
/// <see cref="OnboardingFailed"/> goes on the user's stream. Anything arriving after the end changes nothing and is
/// recorded in the timeline.
/// </summary>
public sealed class UserOnboardingSaga : TrackedSaga
{
    /// <summary>Starts the saga, or records a duplicate start (a redelivered <c>UserRegistered</c>): Wolverine loads the
    /// saga first and calls this on a new one or on the stored one.</summary>
    public async Task StartOrHandle(StartOnboarding cmd, IMessageContext context, OnboardingOptions options, DateTimeOffset now)
    {
        if (Steps.Count > 0)
        {
            Record(now, cmd, "duplicate start ignored");
            return;
        }

        Id = cmd.UserId; // Wolverine sets it after this call on a new saga
        Status = SagaStatus.Started;
        StartedAt = now;
        Record(now, cmd, "onboarding started");
        await BeginAsync(OnboardingSteps.WelcomeEmail, new SendWelcomeEmail(Id), context, options, now);
    }

    public async Task Handle(OnboardingStepDone done, IMessageContext context, IDocumentSession session, OnboardingOptions options,
        DateTimeOffset now, CancellationToken ct)
    {
        var step = Step(done.Step);
        if (step is null || step.Status != StepStatus.Running)
        {
            Record(now, done, $"{done.Step}: late or duplicate answer ignored ({step?.Status.ToString() ?? "never started"})");
            return;
        }

        // its timeout stays scheduled until the saga ends (one cancellation then); should it fire first, it is ignored
        Finish(step, StepStatus.Done, now);
        if (IsFinished)
        {
            // the saga failed while this step was under way: what it did is undone too
            Finish(step, StepStatus.Compensating, now);
            Record(now, done, $"{done.Step} done after the saga failed: compensating it");
            await context.SendAsync(new CompensateOnboarding(Id, [done.Step]));
            return;
        }

        Record(now, done, $"{done.Step} done");
        switch (done.Step)
        {
            case OnboardingSteps.WelcomeEmail:
                await BeginAsync(OnboardingSteps.UserPreferences, new CreateDefaultPreferences(Id), context, options, now);
                await BeginAsync(OnboardingSteps.PushNotification, new SendWelcomePush(Id), context, options, now);
                break;
            case OnboardingSteps.PushNotification:
                await BeginAsync(OnboardingSteps.AnalyticsTracked, new TrackRegistration(Id), context, options, now);
                break;
        }

        if (OnboardingSteps.All.All(name => Step(name)?.Status == StepStatus.Done))
        {
            Complete(now);
            Record(now, done, "onboarding completed");
            await AppendToStreamAsync<UserDetails>(session, ct, new OnboardingCompleted(Id, now));
            await CancelTimeoutsAsync(context, ct);
        }
    }

    public Task Handle(OnboardingStepFailed failed, IMessageContext context, IDocumentSession session, DateTimeOffset now, CancellationToken ct) =>
        FailAsync(failed, failed.Step, $"{failed.Step} failed: {failed.Error}", context, session, now, ct);

    public Task Handle(OnboardingStepTimeout timeout, IMessageContext context, IDocumentSession session, OnboardingOptions options,
        DateTimeOffset now, CancellationToken ct)
    {
        var step = Step(timeout.Step);
        if (step is not null) TimeoutDone(step);
        return FailAsync(timeout, timeout.Step, $"{timeout.Step}: no answer within {options.StepTimeout}", context, session, now, ct);
    }

    public void Handle(OnboardingCompensated compensated, DateTimeOffset now)
    {
        foreach (var result in compensated.Results)
        {
            if (Step(result.Step) is { } step) Finish(step, result.Succeeded ? StepStatus.Compensated : StepStatus.CompensationFailed, result.At, result.Error);
            Record(result.At, compensated, result.Succeeded ? $"{result.Step} compensated" : $"{result.Step} compensation failed: {result.Error}");
        }
    }

    /// <summary>An operator's note (e.g. a timeout fired early), kept in the timeline.</summary>
    public void Handle(OnboardingOperatorNote note, DateTimeOffset now) => Record(now, note, note.Note);

    /// <summary>An operator ends a stuck onboarding: the steps under way fail, the done ones are compensated.</summary>
    public async Task Handle(ForceOnboardingCompensation force, IMessageContext context, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        if (IsFinished)
        {
            Record(now, force, $"operator compensation ignored (saga {Status})");
            return;
        }

        var error = $"compensation forced by an operator: {force.Reason}";
        var running = Steps.Where(s => s.Status == StepStatus.Running).ToList();
        foreach (var step in running) Finish(step, StepStatus.Failed, now, error);
        await FailAndCompensateAsync(force, running.FirstOrDefault()?.Name ?? "operator", error, context, session, now, ct);
    }

    private async Task FailAsync(object message, string stepName, string error, IMessageContext context, IDocumentSession session,
        DateTimeOffset now, CancellationToken ct)
    {
        var step = Step(stepName);
        if (IsFinished || step is null || step.Status != StepStatus.Running)
        {
            Record(now, message, $"{stepName}: ignored ({(IsFinished ? $"saga {Status}" : step?.Status.ToString() ?? "never started")})");
            return;
        }

        Finish(step, StepStatus.Failed, now, error);
        await FailAndCompensateAsync(message, stepName, error, context, session, now, ct);
    }

    private async Task FailAndCompensateAsync(object message, string stepName, string error, IMessageContext context, IDocumentSession session,
        DateTimeOffset now, CancellationToken ct)
    {
        Fail(now, error);
        Record(now, message, error);
        await AppendToStreamAsync<UserDetails>(session, ct, new OnboardingFailed(Id, stepName, error, now));
        await CancelTimeoutsAsync(context, ct);

        // the completed steps, last done first
        var undo = Steps.Where(s => s.Status == StepStatus.Done).OrderByDescending(s => s.DoneAt).ToList();
        if (undo.Count == 0) return;
        foreach (var done in undo) Finish(done, StepStatus.Compensating, now);
        Record(now, message, "compensating " + string.Join(", ", undo.Select(s => s.Name)));
        await context.SendAsync(new CompensateOnboarding(Id, undo.Select(s => s.Name).ToList()));
    }

    private async Task BeginAsync(string name, object command, IMessageContext context, OnboardingOptions options, DateTimeOffset now)
    {
        var step = BeginStep(name, now);
        await context.SendAsync(command);
        await ScheduleTimeoutAsync(context, step, new OnboardingStepTimeout(Id, name), options.StepTimeout, now);
    }
}
