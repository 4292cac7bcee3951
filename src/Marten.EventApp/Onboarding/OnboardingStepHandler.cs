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

/// <summary>
/// One handler per step: it calls the step's service, records what it did, and advances the saga with the answer
/// (<see cref="OnboardingStepDone"/>), all in one transaction, the next steps' messages leaving through the outbox with
/// it. A step that keeps failing advances it with <see cref="OnboardingStepFailed"/> instead (its retries:
/// <see cref="OnboardingStepFailures"/>).
/// </summary>
public static class OnboardingStepHandler
{
    public static Task Handle(SendWelcomeEmail cmd, IDocumentSession session, IEmailService email, OnboardingOptions options,
        IMessageContext context, ILogger<IOnboardingStep> logger, DateTimeOffset now, CancellationToken ct) =>
        RunAsync(cmd, session, options, context, logger, now, to => email.SendWelcomeEmailAsync(to, ct),
            ("WelcomeEmailSent", "Welcome email sent"), ct);

    public static Task Handle(CreateDefaultPreferences cmd, IDocumentSession session, OnboardingOptions options,
        IMessageContext context, ILogger<IOnboardingStep> logger, DateTimeOffset now, CancellationToken ct) =>
        RunAsync(cmd, session, options, context, logger, now, to =>
        {
            StorePreferences(session, to, now);
            return Task.CompletedTask;
        }, null, ct);

    /// <summary>The service's own data: written in the transaction of the step that creates them.</summary>
    private static void StorePreferences(IDocumentSession session, OnboardingRecipient to, DateTimeOffset now) =>
        session.Store(new UserPreferences(to.UserId, true, true, to.Locale ?? "en", now));

    /// <summary>
    /// The preferences are the service's own data, not another service's: when a step's answer begins theirs, they are
    /// created right there, in the same transaction, as the seed creates them in the handler of the email's answer (a
    /// message, a transaction and a saga update less). A fault configured for them sends them as a message instead,
    /// where that fault plays out.
    /// </summary>
    private static SagaEffects WithPreferencesCreated(SagaEffects effects, UserOnboardingSaga saga, OnboardingRecipient to,
        OnboardingOptions options, IDocumentSession session, DateTimeOffset now)
    {
        if (effects.Messages.OfType<CreateDefaultPreferences>().FirstOrDefault() is not { } preferences
            || options.Faults.Any(f => f.AppliesTo(preferences.Step, to.Email))) return effects;
        effects.Messages.Remove(preferences);
        StorePreferences(session, to, now);
        return effects.And(saga.On(new OnboardingStepDone(to.UserId, preferences.Step), options, now));
    }

    public static Task Handle(SendWelcomePush cmd, IDocumentSession session, IPushNotificationService push, OnboardingOptions options,
        IMessageContext context, ILogger<IOnboardingStep> logger, DateTimeOffset now, CancellationToken ct) =>
        RunAsync(cmd, session, options, context, logger, now, to => push.SendWelcomeNotificationAsync(to, ct),
            ("PushNotificationSent", "Welcome push notification sent"), ct);

    public static Task Handle(TrackRegistration cmd, IDocumentSession session, IRegistrationAnalyticsService analytics,
        OnboardingOptions options, IMessageContext context, ILogger<IOnboardingStep> logger, DateTimeOffset now, CancellationToken ct) =>
        RunAsync(cmd, session, options, context, logger, now, to => analytics.TrackRegistrationAsync(to, ct),
            ("RegistrationAnalyticsTracked", "Registration tracked in analytics"), ct);

    /// <summary>
    /// Calls the step's service, records what it did, and advances the saga with its answer. A failure is retried by
    /// Wolverine after the configured delays (<see cref="OnboardingStepFailures"/>); on the last attempt the saga is
    /// advanced with the failure instead, in the handler's transaction, so it fails and compensates at once.
    /// </summary>
    private static async Task RunAsync(IOnboardingStep cmd, IDocumentSession session, OnboardingOptions options,
        IMessageContext context, ILogger logger, DateTimeOffset now, Func<OnboardingRecipient, Task> call,
        (string What, string Summary)? activity, CancellationToken ct)
    {
        try
        {
            var user = await session.LoadAsync<UserDetails>(cmd.UserId, ct)
                       ?? throw new InvalidOperationException($"User {cmd.UserId} has no read model: the step has no one to address.");
            var fault = options.Faults.FirstOrDefault(f => f.Matches(cmd.Step, user.Email));
            if (fault?.Mode == FaultMode.Fail) throw new SimulatedStepFailure(cmd.Step);
            if (fault?.Mode == FaultMode.NoAnswer) return; // the saga hears nothing; its timeout decides

            var recipient = new OnboardingRecipient(user.Id, user.Email, user.FirstName, user.Locale);
            await call(recipient);
            if (activity is var (what, summary)) OnboardingActivity.Record(session, user.Id, what, summary, now);
            await UserOnboardingSaga.AdvanceAsync(cmd.UserId, saga => WithPreferencesCreated(
                saga.On(new OnboardingStepDone(cmd.UserId, cmd.Step), options, now), saga, recipient, options, session, now), session, context, ct);
        }
        catch (Exception ex) when (context.Envelope?.Attempts > options.RetryDelays.Length && ex is not ConcurrencyException
                                   && !ex.IsTransientDatabaseFailure())
        {
            logger.LogWarning(ex, "Onboarding step {Step} for user {UserId} failed on attempt {Attempt}: the saga is told",
                cmd.Step, cmd.UserId, context.Envelope.Attempts);
            await UserOnboardingSaga.AdvanceAsync(cmd.UserId, saga => saga.On(new OnboardingStepFailed(cmd.UserId, cmd.Step, ex.Message), now),
                session, context, ct);
        }
    }

    /// <summary>
    /// Runs the compensations one after another in the order given (the saga's reverse order), each on its own: one
    /// that throws is reported and the next still runs, as in the seed. What each did is recorded in the same
    /// transaction.
    /// </summary>
    public static async Task<OnboardingCompensated> Handle(CompensateOnboarding cmd, IDocumentSession session, IEmailService email,
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
                        OnboardingActivity.Record(session, cmd.UserId, "WelcomeEmailCompensated", "Welcome email compensated: onboarding failed", now);
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
                logger.LogError(ex, "Compensation of onboarding step {Step} for user {UserId} failed", step, cmd.UserId);
                results.Add(new StepCompensation(step, false, ex.Message, now));
            }
        }

        return new OnboardingCompensated(cmd.UserId, results);
    }
}

/// <summary>
/// A step's retries: after the configured delays (the last attempt answers the saga, see
/// <see cref="OnboardingStepHandler"/>). Telling the saga from a failure continuation (<c>.And(...)</c> after
/// <c>MoveToErrorQueue</c>) was tried: on a durable local queue the message was then neither dead-lettered nor the saga
/// told (seen in a run). Should the answer itself fail to be stored, the command goes to the dead letters.
/// </summary>
internal sealed class OnboardingStepFailures(OnboardingOptions options, EventBusOptions bus) : IHandlerPolicy
{
    public void Apply(IReadOnlyList<HandlerChain> chains, GenerationRules rules, IServiceContainer container)
    {
        foreach (var chain in chains.Where(c => c.MessageType.IsAssignableTo(typeof(IOnboardingStep))))
        {
            // a database outage waits, as the bus's consumers do: it does not fail the onboarding
            chain.PausesOnTransientDatabaseFailures(bus.TransientPause);
            if (options.RetryDelays.Length > 0) chain.OnAnyException().RetryWithCooldown(options.RetryDelays).Then.MoveToErrorQueue();
            else chain.OnAnyException().MoveToErrorQueue();
        }
    }
}
