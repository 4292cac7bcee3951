using Marten.EventApp.Contracts.Events;
using Marten.EventApp.Sagas;
using Wolverine;

namespace Marten.EventApp.Onboarding;

/// <summary>
/// The bus consumer that starts onboarding: its own durable queue, bound to registrations only. It starts the saga in
/// its own transaction (the saga's document, its first step and timer) rather than sending the saga a start message
/// (<see cref="SagaStart"/>).
/// </summary>
public static class OnboardingTrigger
{
    public const string Queue = "marten-eventapp.user-onboarding";
    public static readonly string[] BindingKeys = ["UserRegistered.*"];

    public static Task Handle(EventEnvelope e, IDocumentSession session, IMessageContext context, OnboardingOptions options,
        DateTimeOffset now, CancellationToken ct) =>
        e.EventType != "UserRegistered"
            ? Task.CompletedTask
            : SagaStart.StartAsync(e.AggregateId, () => UserOnboardingSaga.Begin(e.AggregateId, options, now),
                saga => saga.OnDuplicateStart(now), session, context, ct);
}
