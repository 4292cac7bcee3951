using System.Security.Cryptography;
using System.Text;
using Marten.EventApp.Users;

namespace Marten.EventApp.Onboarding;

/// <summary>Whom a step addresses, read from the user's read model when the step runs (so a changed email is used).</summary>
public sealed record OnboardingRecipient(Guid UserId, string Email, string FirstName, string? Locale);

public interface IEmailService
{
    Task SendWelcomeEmailAsync(OnboardingRecipient to, CancellationToken ct);
    /// <summary>A sent email cannot be unsent: the seed records the compensation.</summary>
    Task CompensateWelcomeEmailAsync(Guid userId, CancellationToken ct);
}

public interface IPushNotificationService
{
    Task SendWelcomeNotificationAsync(OnboardingRecipient to, CancellationToken ct);
    Task CompensateWelcomeNotificationAsync(Guid userId, CancellationToken ct);
}

public interface IUserPreferencesService
{
    Task CreateDefaultsAsync(OnboardingRecipient user, CancellationToken ct);
    Task DeleteAsync(Guid userId, CancellationToken ct);
}

public interface IRegistrationAnalyticsService
{
    Task TrackRegistrationAsync(OnboardingRecipient user, CancellationToken ct);
}

/// <summary>A user's preferences, created with defaults by onboarding and deleted by its compensation.</summary>
public sealed record UserPreferences(Guid Id, bool EmailNotifications, bool PushNotifications, string Language, DateTimeOffset CreatedAt);

/// <summary>
/// The in-process stand-ins for the email, push and analytics services the seed names: each records what it did as an
/// entry of the user's activity log (<c>GET /api/users/{id}/activity</c>), under an id derived from the user and the
/// action, so a retried call records nothing twice. Preferences are the service's own documents.
/// </summary>
public sealed class InProcessOnboardingServices(IDocumentStore store, TimeProvider clock)
    : IEmailService, IPushNotificationService, IUserPreferencesService, IRegistrationAnalyticsService
{
    public Task SendWelcomeEmailAsync(OnboardingRecipient to, CancellationToken ct) =>
        RecordAsync(to.UserId, "WelcomeEmailSent", "Welcome email sent", ct);

    public Task CompensateWelcomeEmailAsync(Guid userId, CancellationToken ct) =>
        RecordAsync(userId, "WelcomeEmailCompensated", "Welcome email compensated: onboarding failed", ct);

    public Task SendWelcomeNotificationAsync(OnboardingRecipient to, CancellationToken ct) =>
        RecordAsync(to.UserId, "PushNotificationSent", "Welcome push notification sent", ct);

    public Task CompensateWelcomeNotificationAsync(Guid userId, CancellationToken ct) =>
        RecordAsync(userId, "PushNotificationCompensated", "Welcome push notification compensated: onboarding failed", ct);

    public Task TrackRegistrationAsync(OnboardingRecipient user, CancellationToken ct) =>
        RecordAsync(user.UserId, "RegistrationAnalyticsTracked", "Registration tracked in analytics", ct);

    public async Task CreateDefaultsAsync(OnboardingRecipient user, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        session.Store(new UserPreferences(user.UserId, true, true, user.Locale ?? "en", clock.GetUtcNow()));
        await session.SaveChangesAsync(ct);
    }

    public async Task DeleteAsync(Guid userId, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        session.Delete<UserPreferences>(userId);
        await session.SaveChangesAsync(ct);
    }

    private async Task RecordAsync(Guid userId, string what, string summary, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        session.Store(new ActivityEntry(IdOf(userId, what), userId, what, 0, clock.GetUtcNow(), summary));
        await session.SaveChangesAsync(ct);
    }

    /// <summary>One id per user and action (a name-based id), so that a retried call stores the same entry.</summary>
    internal static Guid IdOf(Guid userId, string what) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"{userId:N}/{what}")).AsSpan(0, 16));
}
