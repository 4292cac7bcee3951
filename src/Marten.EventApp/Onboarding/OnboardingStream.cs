using System.Security.Cryptography;
using System.Text;

namespace Marten.EventApp.Onboarding;

// The outcome goes on the onboarding's own stream, so background work never moves the version a client holds for
// If-Match; on the bus it still names the user as its aggregate.
public static class OnboardingStream
{
    public static Guid For(Guid userId) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"onboarding/{userId:N}")).AsSpan(0, 16));
}
