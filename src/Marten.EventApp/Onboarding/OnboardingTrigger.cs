using Marten.EventApp.Contracts.Events;
using Wolverine;

namespace Marten.EventApp.Onboarding;

/// <summary>
/// The bus consumer that starts onboarding: its own durable queue, bound to registrations only. It starts the saga in
/// its own transaction (the saga's document, its first step and timeout) instead of sending the saga a start message:
/// one durable hop less for every registration (BENCHMARKS.md, "What changes bought", the pipeline's first cuts).
/// The document is the one Wolverine loads for the saga's next messages, under the same revision rule.
/// </summary>
public static class OnboardingTrigger
{
    public const string Queue = "marten-eventapp.user-onboarding";
    public static readonly string[] BindingKeys = ["UserRegistered.*"];

    public static async Task Handle(EventEnvelope e, IDocumentSession session, IMessageContext context, OnboardingOptions options,
        DateTimeOffset now, CancellationToken ct)
    {
        if (e.EventType != "UserRegistered") return;

        // a redelivered registration finds its saga and is recorded as a duplicate
        if (await session.LoadAsync<UserOnboardingSaga>(e.AggregateId, ct) is { } existing)
        {
            await existing.OnDuplicateStart(now).ApplyAsync(existing, context, session, ct);
            session.UpdateRevision(existing, existing.Version + 1);
            return;
        }

        var (saga, effects) = UserOnboardingSaga.Begin(e.AggregateId, options, now);
        // the effects first: they give the steps their timeouts' ids, which the stored saga keeps
        await effects.ApplyAsync(saga, context, session, ct);
        session.Insert(saga);
    }
}
