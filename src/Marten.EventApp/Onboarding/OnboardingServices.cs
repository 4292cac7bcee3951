using System.Security.Cryptography;
using System.Text;
using Marten.EventApp.Users;

namespace Marten.EventApp.Onboarding;

/// <summary>Whom a step addresses, read from the user's read model when the step runs (so a changed email is
/// used).</summary>
public sealed record OnboardingRecipient(Guid UserId, string Email, string FirstName, string? Locale);

/// <summary>The email service the seed names (an external service).</summary>
public interface IEmailService
{
    Task SendWelcomeEmailAsync(OnboardingRecipient to, CancellationToken ct);
    /// <summary>A sent email cannot be unsent: the seed records the compensation.</summary>
    Task CompensateWelcomeEmailAsync(Guid userId, CancellationToken ct);
}

/// <summary>The push notification service the seed names (an external service).</summary>
public interface IPushNotificationService
{
    Task SendWelcomeNotificationAsync(OnboardingRecipient to, CancellationToken ct);
    Task CompensateWelcomeNotificationAsync(Guid userId, CancellationToken ct);
}

/// <summary>The analytics service the seed names (an external service).</summary>
public interface IRegistrationAnalyticsService
{
    Task TrackRegistrationAsync(OnboardingRecipient user, CancellationToken ct);
}

/// <summary>A user's preferences: this service's own data, created with defaults by onboarding, deleted by its
/// compensation.</summary>
public sealed record UserPreferences(Guid Id, bool EmailNotifications, bool PushNotifications, string Language,
    DateTimeOffset CreatedAt);

/// <summary>
/// The in-process stand-ins for the external services the seed names (email, push, analytics), used unless the host
/// registers real ones: each accepts the call at once. What a step did is recorded by the step itself, in the user's
/// activity log (<see cref="OnboardingActivity"/>); failures are injected by configuration
/// (<see cref="OnboardingFault"/>).
/// </summary>
public sealed class InProcessOnboardingServices : IEmailService, IPushNotificationService, IRegistrationAnalyticsService
{
    public Task SendWelcomeEmailAsync(OnboardingRecipient to, CancellationToken ct) => Task.CompletedTask;
    public Task CompensateWelcomeEmailAsync(Guid userId, CancellationToken ct) => Task.CompletedTask;
    public Task SendWelcomeNotificationAsync(OnboardingRecipient to, CancellationToken ct) => Task.CompletedTask;
    public Task CompensateWelcomeNotificationAsync(Guid userId, CancellationToken ct) => Task.CompletedTask;
    public Task TrackRegistrationAsync(OnboardingRecipient user, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>
/// What onboarding did, as entries of the user's activity log (<c>GET /api/users/{id}/activity</c>), written in the
/// step's own transaction under an id derived from the user and the action, so a retried step records nothing twice.
/// </summary>
public static class OnboardingActivity
{
    public static void Record(IDocumentSession session, Guid userId, string what, string summary, DateTimeOffset now,
        long version = 0) =>
        session.Store(new ActivityEntry(IdOf(userId, what), userId, what, version, now, summary));

    /// <summary>One id per user and action (a name-based id), so that a retried call stores the same entry.</summary>
    internal static Guid IdOf(Guid userId, string what) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"{userId:N}/{what}")).AsSpan(0, 16));
}
