using Marten.EventApp.Sequences;
using Wolverine.Persistence.Sagas;

namespace Marten.EventApp.Onboarding;

/// <summary>The seed's step names, as they appear in the saga's steps and in <c>OnboardingFailed.step</c>.</summary>
public static class OnboardingSteps
{
    public const string WelcomeEmail = "welcome_email";
    public const string UserPreferences = "user_preferences";
    public const string PushNotification = "push_notification";
    public const string AnalyticsTracked = "analytics_tracked";

    public static readonly IReadOnlyList<string> All = [WelcomeEmail, UserPreferences, PushNotification,
        AnalyticsTracked];
}

/// <summary>A message the saga handles: one user's are handled one at a time (partitioned by user on one
/// queue).</summary>
public interface IOnboardingSagaMessage
{
    Guid UserId { get; }
}

/// <summary>Starts one user's onboarding; sent by the bus consumer for each <c>UserRegistered</c> (again on a
/// redelivery).</summary>
public sealed record StartOnboarding([property: SagaIdentity] Guid UserId,
    Guid RegisteredEventId) : IOnboardingSagaMessage;

/// <summary>
/// A step's command: each has its own handler calling its service. On the saga's queue, partitioned by user, so a
/// step never runs beside its saga's own messages (it advances the saga in its own transaction).
/// </summary>
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

/// <summary>
/// A step's service did its work (the seed's <c>WelcomeEmailSent</c>, <c>UserPreferencesCreated</c>, ...): decided by
/// the step itself when it runs here, or sent by a service that answers later.
/// </summary>
public sealed record OnboardingStepDone([property: SagaIdentity] Guid UserId, string Step) : IOnboardingSagaMessage;

/// <summary>A step still failed after its retries (its command went to the dead letters with the exception).</summary>
public sealed record OnboardingStepFailed([property: SagaIdentity] Guid UserId, string Step,
    string Error) : IOnboardingSagaMessage;

/// <summary>
/// The saga's durable timer, set for a step and due at <see cref="DueAt"/>: sent by the saga to itself, scheduled in
/// PostgreSQL. One that arrives before its due time was fired early by an operator.
/// </summary>
public sealed record OnboardingStepTimeout([property: SagaIdentity] Guid UserId, string Step,
    DateTimeOffset? DueAt = null)
    : IOnboardingSagaMessage;

/// <summary>Undo the completed steps, in this order (the reverse of their completion).</summary>
public sealed record CompensateOnboarding(Guid UserId, IReadOnlyList<string> Steps);

public sealed record StepCompensation(string Step, bool Succeeded, string? Error, DateTimeOffset At);

/// <summary>What compensation did, step by step in the order it ran.</summary>
public sealed record OnboardingCompensated([property: SagaIdentity] Guid UserId,
    IReadOnlyList<StepCompensation> Results) : IOnboardingSagaMessage;

/// <summary>An operator's action on the saga, recorded in its timeline.</summary>
public sealed record OnboardingOperatorNote([property: SagaIdentity] Guid UserId, string Note) : IOnboardingSagaMessage;

/// <summary>An operator's "compensate now" for a stuck onboarding.</summary>
public sealed record ForceOnboardingCompensation([property: SagaIdentity] Guid UserId,
    string Reason) : IOnboardingSagaMessage;
