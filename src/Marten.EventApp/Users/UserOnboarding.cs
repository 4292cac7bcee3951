using Marten.EventApp.Contracts.Users;
using Marten.Events.Projections;

namespace Marten.EventApp.Users;

/// <summary>
/// How a user's onboarding ended, by user id: the part of the user's read model that the onboarding process writes,
/// kept apart so that it never moves the user's version (its ETag).
/// </summary>
public sealed record UserOnboarding(Guid Id, string Status, string? Step, DateTimeOffset At);

/// <summary>
/// Projected inline from the outcome events wherever they are: on the onboarding's own stream, or on the user's stream
/// where older versions of the service put them.
/// </summary>
public sealed partial class UserOnboardingProjection : MultiStreamProjection<UserOnboarding, Guid>
{
    public UserOnboardingProjection()
    {
        Identity<OnboardingCompleted>(e => e.UserId);
        Identity<OnboardingFailed>(e => e.UserId);
    }

    public static UserOnboarding Create(OnboardingCompleted e) => new(e.UserId, "Completed", null, e.CompletedAt);

    public static UserOnboarding Create(OnboardingFailed e) => new(e.UserId, "Failed", e.Step, e.FailedAt);

    // one outcome per user: a second one (never written by the saga) changes nothing
    public static UserOnboarding Apply(OnboardingCompleted e, UserOnboarding current) => current;

    public static UserOnboarding Apply(OnboardingFailed e, UserOnboarding current) => current;
}
