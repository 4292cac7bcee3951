using JasperFx;
using JasperFx.CodeGeneration;
using Marten.EventApp.EventBus;
using Marten.EventApp.Sagas;
using Marten.EventApp.Users;
using Marten.EventApp.Persistence;
using Wolverine;
using Wolverine.Configuration;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace Marten.EventApp.Onboarding;

// A step's call to its service, its record and the saga's advance with the answer share one transaction.
public static class OnboardingStepHandler
{
    public static Task Handle(SendWelcomeEmail cmd, IDocumentSession session, OnboardingStepRunner steps,
        IMessageContext context, ILogger<IOnboardingStep> logger, DateTimeOffset now, CancellationToken ct) =>
        RunAsync(cmd, session, steps, context, logger, now, ct);

    public static Task Handle(CreateDefaultPreferences cmd, IDocumentSession session, OnboardingStepRunner steps,
        IMessageContext context, ILogger<IOnboardingStep> logger, DateTimeOffset now, CancellationToken ct) =>
        RunAsync(cmd, session, steps, context, logger, now, ct);

    public static Task Handle(SendWelcomePush cmd, IDocumentSession session, OnboardingStepRunner steps,
        IMessageContext context, ILogger<IOnboardingStep> logger, DateTimeOffset now, CancellationToken ct) =>
        RunAsync(cmd, session, steps, context, logger, now, ct);

    public static Task Handle(TrackRegistration cmd, IDocumentSession session, OnboardingStepRunner steps,
        IMessageContext context, ILogger<IOnboardingStep> logger, DateTimeOffset now, CancellationToken ct) =>
        RunAsync(cmd, session, steps, context, logger, now, ct);

    // The last attempt advances the saga with the failure in this transaction, so it fails and compensates at once.
    private static async Task RunAsync(IOnboardingStep cmd, IDocumentSession session, OnboardingStepRunner steps,
        IMessageContext context, ILogger logger, DateTimeOffset now, CancellationToken ct)
    {
        var options = steps.Options;
        try
        {
            var user = await session.LoadAsync<UserDetails>(cmd.UserId, ct)
                       ?? throw new InvalidOperationException(
                           $"User {cmd.UserId} has no read model: the step has no one to address.");
            var fault = options.Faults.FirstOrDefault(f => f.Matches(cmd.Step, user.Email));
            if (fault?.Mode == FaultMode.Fail) throw new SimulatedStepFailure(cmd.Step);
            if (fault?.Mode == FaultMode.NoAnswer) return; // the saga hears nothing; its timeout decides

            var to = OnboardingStepRunner.Recipient(user);
            await steps.CallAsync(cmd, to, session, now, ct);
            await UserOnboardingSaga.AdvanceAsync(cmd.UserId, saga => steps.RunInlineAsync(saga,
                    saga.On(new OnboardingStepDone(cmd.UserId, cmd.Step), options, now), to, session, now, ct),
                session, context, ct);
        }
        catch (Exception ex) when (context.Envelope?.Attempts > options.RetryDelays.Length
            && ex is not ConcurrencyException
                                   && !ex.IsTransientDatabaseFailure())
        {
            logger.LogWarning(ex,
                "Onboarding step {Step} for user {UserId} failed on attempt {Attempt}: the saga is told",
                cmd.Step, cmd.UserId, context.Envelope.Attempts);
            await UserOnboardingSaga.AdvanceAsync(cmd.UserId,
                saga => Task.FromResult(saga.On(new OnboardingStepFailed(cmd.UserId, cmd.Step, ex.Message), now)),
                session, context, ct);
        }
    }

    // In the order given (the saga's reverse order), each on its own: one that throws is reported and the next still
    // runs, as in the seed.
    public static async Task<OnboardingCompensated> Handle(CompensateOnboarding cmd, IDocumentSession session,
        IEmailService email,
        IPushNotificationService push, ILogger<CompensateOnboarding> logger, DateTimeOffset now, CancellationToken ct)
    {
        var results = new List<StepCompensation>();
        foreach (var step in cmd.Steps)
        {
            try
            {
                switch (step)
                {
                    case OnboardingSteps.WelcomeEmail:
                        await email.CompensateWelcomeEmailAsync(cmd.UserId, ct);
                        OnboardingActivity.Record(session, cmd.UserId, "WelcomeEmailCompensated",
                            "Welcome email compensated: onboarding failed", now);
                        break;
                    case OnboardingSteps.UserPreferences:
                        session.Delete<UserPreferences>(cmd.UserId);
                        break;
                    case OnboardingSteps.PushNotification:
                        await push.CompensateWelcomeNotificationAsync(cmd.UserId, ct);
                        OnboardingActivity.Record(session, cmd.UserId, "PushNotificationCompensated",
                            "Welcome push notification compensated: onboarding failed", now);
                        break;
                    // tracked analytics keep the fact that the user registered: nothing to undo
                }

                results.Add(new StepCompensation(step, true, null, now));
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Compensation of onboarding step {Step} for user {UserId} failed", step,
                    cmd.UserId);
                results.Add(new StepCompensation(step, false, ex.Message, now));
            }
        }

        return new OnboardingCompensated(cmd.UserId, results);
    }
}

// The last attempt tells the saga (OnboardingStepHandler): a failure continuation (.And(...) after MoveToErrorQueue)
// was tried, and on a durable local queue the message was then neither dead-lettered nor the saga told.
internal sealed class OnboardingStepFailures(OnboardingOptions options, EventBusOptions bus) : IHandlerPolicy
{
    public void Apply(IReadOnlyList<HandlerChain> chains, GenerationRules rules, IServiceContainer container)
    {
        foreach (var chain in chains.Where(c => c.MessageType.IsAssignableTo(typeof(IOnboardingStep))))
        {
            // a database outage waits, as the bus's consumers do: it does not fail the onboarding
            chain.PausesOnTransientDatabaseFailures(bus.TransientPause);
            if (options.RetryDelays.Length > 0) chain.OnAnyException().RetryWithCooldown(options.RetryDelays)
                .Then.MoveToErrorQueue();
            else chain.OnAnyException().MoveToErrorQueue();
        }
    }
}
