using System.Security.Cryptography;
using System.Text;
using Marten.EventApp.Users;

namespace Marten.EventApp.Onboarding;

// read from the read model when the step runs, so a changed email is used
public sealed record OnboardingRecipient(Guid UserId, string Email, string FirstName, string? Locale);

public interface IEmailService
{
    Task SendWelcomeEmailAsync(OnboardingRecipient to, CancellationToken ct);
    // a sent email cannot be unsent: the seed records the compensation
    Task CompensateWelcomeEmailAsync(Guid userId, CancellationToken ct);
}

public interface IPushNotificationService
{
    Task SendWelcomeNotificationAsync(OnboardingRecipient to, CancellationToken ct);
    Task CompensateWelcomeNotificationAsync(Guid userId, CancellationToken ct);
}

public interface IRegistrationAnalyticsService
{
    Task TrackRegistrationAsync(OnboardingRecipient user, CancellationToken ct);
}

public sealed record UserPreferences(Guid Id, bool EmailNotifications, bool PushNotifications, string Language,
    DateTimeOffset CreatedAt);

// Stand-ins for the seed's external services, used unless the host registers real ones; faults come from configuration.
public sealed class InProcessOnboardingServices : IEmailService, IPushNotificationService, IRegistrationAnalyticsService
{
    public Task SendWelcomeEmailAsync(OnboardingRecipient to, CancellationToken ct) => Task.CompletedTask;
    public Task CompensateWelcomeEmailAsync(Guid userId, CancellationToken ct) => Task.CompletedTask;
    public Task SendWelcomeNotificationAsync(OnboardingRecipient to, CancellationToken ct) => Task.CompletedTask;
    public Task CompensateWelcomeNotificationAsync(Guid userId, CancellationToken ct) => Task.CompletedTask;
    public Task TrackRegistrationAsync(OnboardingRecipient user, CancellationToken ct) => Task.CompletedTask;
}

// written in the step's own transaction under an id from the user and the action: a retried step records nothing twice
public static class OnboardingActivity
{
    public static void Record(IDocumentSession session, Guid userId, string what, string summary, DateTimeOffset now,
        long version = 0) =>
        session.Store(new ActivityEntry(IdOf(userId, what), userId, what, version, now, summary));

    internal static Guid IdOf(Guid userId, string what) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"{userId:N}/{what}")).AsSpan(0, 16));
}
