using Marten.EventApp.Contracts.Users;
using Marten.EventApp.Sagas;
using Marten.EventApp.Users;
using Wolverine;

namespace Marten.EventApp.Onboarding;

// The seed's UserOnboardingSaga, one per user (its id is the user's). Decisions (On…) return their effects as values
// (SagaEffects); the Handle methods are Wolverine's entry points and carry them out in the saga's transaction.
public sealed class UserOnboardingSaga : TrackedSaga
{
    public static (UserOnboardingSaga Saga, SagaEffects Effects) Begin(Guid userId, OnboardingOptions options,
        DateTimeOffset now)
    {
        var saga = new UserOnboardingSaga { Id = userId, Status = SagaStatus.Started, StartedAt = now };
        var effects = new SagaEffects();
        saga.Record(now, nameof(StartOnboarding), "onboarding started");
        saga.BeginStep(OnboardingSteps.WelcomeEmail, new SendWelcomeEmail(userId), options, now, effects);
        return (saga, effects);
    }

    // Steps run on the saga's queue, partitioned by user, so none runs beside the saga's own messages: a step may
    // advance the saga itself and save its answer's hop (BENCHMARKS.md, "What changes bought").
    public static async Task AdvanceAsync(Guid userId, Func<UserOnboardingSaga, Task<SagaEffects>> decide,
        IDocumentSession session, IMessageContext context, CancellationToken ct)
    {
        var saga = await session.LoadAsync<UserOnboardingSaga>(userId, ct)
                   ?? throw new InvalidOperationException($"User {userId} has no onboarding saga to advance.");
        await (await decide(saga)).ApplyAsync(saga, context, session, ct);
        session.UpdateRevision(saga, saga.Version + 1);
    }

    public SagaEffects OnDuplicateStart(DateTimeOffset now)
    {
        Record(now, nameof(StartOnboarding), "duplicate start ignored");
        return new SagaEffects();
    }

    public SagaEffects On(OnboardingStepDone done, OnboardingOptions options, DateTimeOffset now)
    {
        var effects = new SagaEffects();
        var step = Step(done.Step);
        if (step is null || step.Status != StepStatus.Running)
        {
            Record(now, done,
                $"{done.Step}: late or duplicate answer ignored ({step?.Status.ToString() ?? "never started"})");
            return effects;
        }

        // its timeout stays scheduled until the saga ends (one cancellation then); should it fire first, it is ignored
        Finish(step, StepStatus.Done, now);
        if (IsFinished)
        {
            Finish(step, StepStatus.Compensating, now);
            Record(now, done, $"{done.Step} done after the saga failed: compensating it");
            return effects.Send(new CompensateOnboarding(Id, [done.Step]));
        }

        Record(now, done, $"{done.Step} done");
        switch (done.Step)
        {
            case OnboardingSteps.WelcomeEmail:
                BeginStep(OnboardingSteps.UserPreferences, new CreateDefaultPreferences(Id), options, now, effects);
                BeginStep(OnboardingSteps.PushNotification, new SendWelcomePush(Id), options, now, effects);
                break;
            case OnboardingSteps.PushNotification:
                BeginStep(OnboardingSteps.AnalyticsTracked, new TrackRegistration(Id), options, now, effects);
                break;
        }

        if (OnboardingSteps.All.All(name => Step(name)?.Status == StepStatus.Done))
        {
            Complete(now);
            Record(now, done, "onboarding completed");
            effects.Append(new OnboardingCompleted(Id, now)).CancelAllTimeouts();
        }

        return effects;
    }

    public SagaEffects On(OnboardingStepFailed failed, DateTimeOffset now) =>
        FailStep(failed, failed.Step, $"{failed.Step} failed: {failed.Error}", now);

    // The saga keeps one timer: when it fires for a step already done, it moves on to the running step due first.
    public SagaEffects On(OnboardingStepTimeout timeout, OnboardingOptions options, DateTimeOffset now)
    {
        if (Step(timeout.Step) is { } step) TimeoutDone(step);
        var next = IsFinished || Step(timeout.Step) is { Status: StepStatus.Running }
            ? null
            : Steps.Where(s => s is { Status: StepStatus.Running, TimeoutDueAt: not null }).MinBy(s => s.TimeoutDueAt);
        if (next is null) return FailStep(timeout, timeout.Step, NoAnswer(timeout.Step, options), now);
        // the store fires a timer at its due time or later: earlier means an operator's "fire now"
        var firedEarly = now < timeout.DueAt;
        if (next.TimeoutDueAt <= now || firedEarly) return FailStep(timeout, next.Name, NoAnswer(next.Name, options),
            now);

        Record(now, timeout, $"{timeout.Step} answered in time: the timer moves on to {next.Name}");
        return new SagaEffects().Schedule(Timer(next, next.TimeoutDueAt!.Value - now, now));
    }

    private static string NoAnswer(string step, OnboardingOptions options) =>
        $"{step}: no answer within {options.StepTimeout}";

    public void On(OnboardingCompensated compensated)
    {
        foreach (var result in compensated.Results)
        {
            if (Step(result.Step) is { } step)
                Finish(step, result.Succeeded ? StepStatus.Compensated : StepStatus.CompensationFailed, result.At,
                    result.Error);
            Record(result.At, compensated, result.Succeeded
                ? $"{result.Step} compensated"
                : $"{result.Step} compensation failed: {result.Error}");
        }
    }

    public SagaEffects On(ForceOnboardingCompensation force, DateTimeOffset now)
    {
        if (IsFinished)
        {
            Record(now, force, $"operator compensation ignored (saga {Status})");
            return new SagaEffects();
        }

        var error = $"compensation forced by an operator: {force.Reason}";
        var running = Steps.Where(s => s.Status == StepStatus.Running).ToList();
        foreach (var step in running) Finish(step, StepStatus.Failed, now, error);
        return FailAndCompensate(force, running.FirstOrDefault()?.Name ?? "operator", error, now);
    }

    // sent by an operator or a test; registrations start the saga from the bus's consumer (OnboardingTrigger)
    public async Task StartOrHandle(StartOnboarding cmd, IMessageContext context, IDocumentSession session,
        OnboardingStepRunner steps, DateTimeOffset now, CancellationToken ct)
    {
        if (Steps.Count > 0)
        {
            await OnDuplicateStart(now).ApplyAsync(this, context, session, ct);
            return;
        }

        var (begun, effects) = Begin(cmd.UserId, steps.Options, now);
        (Id, Status, StartedAt, Steps, Timeline) = (begun.Id, begun.Status, begun.StartedAt, begun.Steps,
            begun.Timeline);
        var to = await session.LoadAsync<UserDetails>(cmd.UserId, ct) is { } user
            ? OnboardingStepRunner.Recipient(user)
            : null;
        await (await steps.RunInlineAsync(this, effects, to, session, now, ct)).ApplyAsync(this, context, session, ct);
    }

    public Task Handle(OnboardingStepDone done, IMessageContext context, IDocumentSession session,
        OnboardingOptions options,
        DateTimeOffset now, CancellationToken ct) => On(done, options, now).ApplyAsync(this, context, session, ct);

    public Task Handle(OnboardingStepFailed failed, IMessageContext context, IDocumentSession session,
        DateTimeOffset now,
        CancellationToken ct) => On(failed, now).ApplyAsync(this, context, session, ct);

    public Task Handle(OnboardingStepTimeout timeout, IMessageContext context, IDocumentSession session,
        OnboardingOptions options,
        DateTimeOffset now, CancellationToken ct) => On(timeout, options, now).ApplyAsync(this, context, session, ct);

    public void Handle(OnboardingCompensated compensated) => On(compensated);

    public void Handle(OnboardingOperatorNote note, DateTimeOffset now) => Record(now, note, note.Note);

    public Task Handle(ForceOnboardingCompensation force, IMessageContext context, IDocumentSession session,
        DateTimeOffset now,
        CancellationToken ct) => On(force, now).ApplyAsync(this, context, session, ct);

    // The outcome goes on the onboarding's own stream, never the user's, whose version is the client's; the activity
    // log gets it here, in the same transaction, rather than from the bus.
    public override Task AppendAsync(IDocumentSession session, IReadOnlyList<object> events, CancellationToken ct)
    {
        session.Events.Append(OnboardingStream.For(Id), events.ToArray());
        foreach (var e in events)
        {
            switch (e)
            {
                // the outcome is the only event of its stream: its version orders it after the step that ended it
                case OnboardingCompleted completed:
                    OnboardingActivity.Record(session, Id, nameof(OnboardingCompleted), "Onboarding completed",
                        completed.CompletedAt, 1);
                    break;
                case OnboardingFailed failed:
                    OnboardingActivity.Record(session, Id, nameof(OnboardingFailed),
                        $"Onboarding failed at {failed.Step}: {failed.Reason}",
                        failed.FailedAt, 1);
                    break;
            }
        }

        return Task.CompletedTask;
    }

    private SagaEffects FailStep(object message, string stepName, string error, DateTimeOffset now)
    {
        var step = Step(stepName);
        if (IsFinished || step is null || step.Status != StepStatus.Running)
        {
            Record(now, message, $"{stepName}: ignored " +
                $"({(IsFinished ? $"saga {Status}" : step?.Status.ToString() ?? "never started")})");
            return new SagaEffects();
        }

        Finish(step, StepStatus.Failed, now, error);
        return FailAndCompensate(message, stepName, error, now);
    }

    private SagaEffects FailAndCompensate(object message, string stepName, string error, DateTimeOffset now)
    {
        Fail(now, error);
        Record(now, message, error);
        var effects = new SagaEffects().Append(new OnboardingFailed(Id, stepName, error, now)).CancelAllTimeouts();

        var undo = Steps.Where(s => s.Status == StepStatus.Done).OrderByDescending(s => s.DoneAt).ToList();
        if (undo.Count == 0) return effects;
        foreach (var done in undo) Finish(done, StepStatus.Compensating, now);
        Record(now, message, "compensating " + string.Join(", ", undo.Select(s => s.Name)));
        return effects.Send(new CompensateOnboarding(Id, undo.Select(s => s.Name).ToList()));
    }

    // Every step has a deadline but the saga keeps one timer, for the step due first: each timer is a scheduled row
    // and its cancellation (BENCHMARKS.md, "What changes bought").
    private void BeginStep(string name, object command, OnboardingOptions options, DateTimeOffset now,
        SagaEffects effects)
    {
        var step = BeginStep(name, now);
        step.TimeoutDueAt = now + options.StepTimeout;
        effects.Send(command);
        if (!Steps.Any(s => s.TimeoutScheduled)) effects.Schedule(Timer(step, options.StepTimeout, now));
    }

    private TimeoutRequest Timer(SagaStep step, TimeSpan after, DateTimeOffset now) =>
        TimeoutFor(step, new OnboardingStepTimeout(Id, step.Name, now + after), after, now);
}
