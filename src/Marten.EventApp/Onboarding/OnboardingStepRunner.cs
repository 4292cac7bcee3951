using Marten.EventApp.Operations;
using Marten.EventApp.Sagas;
using Marten.EventApp.Users;

namespace Marten.EventApp.Onboarding;

public sealed class OnboardingStepRunner(IEmailService email, IPushNotificationService push,
    IRegistrationAnalyticsService analytics, OnboardingOptions options, TimeProvider clock,
    ILogger<OnboardingStepRunner> logger)
{
    public OnboardingOptions Options => options;

    public static async Task<IReadOnlyDictionary<Guid, OnboardingRecipient>> RecipientsAsync(IQuerySession session,
        IEnumerable<Guid> userIds, CancellationToken ct) =>
        (await session.LoadManyAsync<UserDetails>(ct, userIds)).ToDictionary(u => u.Id, Recipient);

    public static OnboardingRecipient Recipient(UserDetails user) =>
        new(user.Id, user.Email, user.FirstName, user.Locale);

    public async Task CallAsync(IOnboardingStep step, OnboardingRecipient to, IDocumentSession session,
        DateTimeOffset now, CancellationToken ct)
    {
        switch (step)
        {
            case SendWelcomeEmail:
                await email.SendWelcomeEmailAsync(to, ct);
                OnboardingActivity.Record(session, to.UserId, "WelcomeEmailSent", "Welcome email sent", now);
                break;
            case CreateDefaultPreferences:
                session.Store(new UserPreferences(to.UserId, true, true, to.Locale ?? "en", now));
                break;
            case SendWelcomePush:
                await push.SendWelcomeNotificationAsync(to, ct);
                OnboardingActivity.Record(session, to.UserId, "PushNotificationSent", "Welcome push notification sent",
                    now);
                break;
            case TrackRegistration:
                await analytics.TrackRegistrationAsync(to, ct);
                OnboardingActivity.Record(session, to.UserId, "RegistrationAnalyticsTracked",
                    "Registration tracked in analytics", now);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step.GetType().Name, "not an onboarding step");
        }
    }

    // a step stays a durable message when a fault is configured for its user (it plays out there) or its service throws
    public Task<SagaEffects> RunInlineAsync(UserOnboardingSaga saga, SagaEffects effects, OnboardingRecipient? to,
        IDocumentSession session, DateTimeOffset now, CancellationToken ct) =>
        to is null ? Task.FromResult(effects) : InlineSteps.RunAsync(effects, now, clock, async (message, at) =>
        {
            if (message is not IOnboardingStep step || !MayRunInline(step, to)) return null;
            using var span = Telemetry.Source.StartActivity($"{nameof(UserOnboardingSaga)} step {step.Step}");
            try
            {
                await CallAsync(step, to, session, at, ct);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                logger.LogInformation(ex,
                    "Onboarding step {Step} for user {UserId} failed in line: sent as a message to be retried",
                    step.Step, to.UserId);
                return null;
            }

            return saga.On(new OnboardingStepDone(to.UserId, step.Step), options, at);
        });

    // the preferences are this service's own data: always in line, as the seed creates them in the email's answer
    private bool MayRunInline(IOnboardingStep step, OnboardingRecipient to) =>
        (options.InlineSteps || step is CreateDefaultPreferences)
        && !options.Faults.Any(f => f.AppliesTo(step.Step, to.Email));
}
