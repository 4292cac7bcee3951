using Marten.EventApp.Sequences;
using Wolverine.Persistence.Sagas;

namespace Marten.EventApp.Onboarding;

// the seed's step names, as they appear in OnboardingFailed.step
public static class OnboardingSteps
{
    public const string WelcomeEmail = "welcome_email";
    public const string UserPreferences = "user_preferences";
    public const string PushNotification = "push_notification";
    public const string AnalyticsTracked = "analytics_tracked";

    public static readonly IReadOnlyList<string> All = [WelcomeEmail, UserPreferences, PushNotification,
        AnalyticsTracked];
}

// one user's messages are handled one at a time: partitioned by user on one queue
public interface IOnboardingSagaMessage
{
    Guid UserId { get; }
}

public sealed record StartOnboarding([property: SagaIdentity] Guid UserId,
    Guid RegisteredEventId) : IOnboardingSagaMessage;

public interface IOnboardingStep : IOnboardingSagaMessage, IAdvancesSaga
{
    string Step { get; }

    Type IAdvancesSaga.Saga => typeof(UserOnboardingSaga);
    Guid IAdvancesSaga.SagaId => UserId;
}

public sealed record SendWelcomeEmail(Guid UserId) : IOnboardingStep
{
    public string Step => OnboardingSteps.WelcomeEmail;
}

public sealed record CreateDefaultPreferences(Guid UserId) : IOnboardingStep
{
    public string Step => OnboardingSteps.UserPreferences;
}

public sealed record SendWelcomePush(Guid UserId) : IOnboardingStep
{
    public string Step => OnboardingSteps.PushNotification;
}

public sealed record TrackRegistration(Guid UserId) : IOnboardingStep
{
    public string Step => OnboardingSteps.AnalyticsTracked;
}

// the seed's WelcomeEmailSent, UserPreferencesCreated, ...: decided by the step itself, or sent by a later answer
public sealed record OnboardingStepDone([property: SagaIdentity] Guid UserId, string Step) : IOnboardingSagaMessage;

public sealed record OnboardingStepFailed([property: SagaIdentity] Guid UserId, string Step,
    string Error) : IOnboardingSagaMessage;

public sealed record OnboardingStepTimeout([property: SagaIdentity] Guid UserId, string Step,
    DateTimeOffset? DueAt = null)
    : IOnboardingSagaMessage;

public sealed record CompensateOnboarding(Guid UserId, IReadOnlyList<string> Steps);

public sealed record StepCompensation(string Step, bool Succeeded, string? Error, DateTimeOffset At);

public sealed record OnboardingCompensated([property: SagaIdentity] Guid UserId,
    IReadOnlyList<StepCompensation> Results) : IOnboardingSagaMessage;

public sealed record OnboardingOperatorNote([property: SagaIdentity] Guid UserId, string Note) : IOnboardingSagaMessage;

public sealed record ForceOnboardingCompensation([property: SagaIdentity] Guid UserId,
    string Reason) : IOnboardingSagaMessage;
