using System.Security.Cryptography;
using System.Text;

namespace Marten.EventApp.Onboarding;

/// <summary>
/// The onboarding process's own event stream, one per user: its outcome (<c>OnboardingCompleted</c> or
/// <c>OnboardingFailed</c>) goes there, not on the user's stream, so background work never moves the version a client
/// holds for <c>If-Match</c>. On the bus the outcome still names the user as its aggregate.
/// </summary>
public static class OnboardingStream
{
    /// <summary>A name-based id derived from the user's: the same user, the same stream, on every node.</summary>
    public static Guid For(Guid userId) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"onboarding/{userId:N}")).AsSpan(0, 16));
}
