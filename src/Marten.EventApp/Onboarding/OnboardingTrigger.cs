using Marten.EventApp.Contracts.Events;
using Marten.EventApp.EventBus;
using Marten.EventApp.Sagas;
using Marten.EventApp.Sequences;
using Wolverine;

namespace Marten.EventApp.Onboarding;

/// <summary>
/// A registration as the onboarding trigger receives it: its own type, so its deliveries are handled in batches.
/// </summary>
public sealed record OnboardingTriggerEvent(EventEnvelope Event, string? TraceParent)
    : IBatchedEvent<OnboardingTriggerEvent>
{
    public static OnboardingTriggerEvent Of(EventEnvelope e, string? traceParent) => new(e, traceParent);
}

/// <summary>
/// The bus consumer that starts onboarding: its own durable queue, bound to registrations only. It starts a batch's
/// sagas in one transaction (each saga's document, its first step and timer) rather than sending each saga a start
/// message (<see cref="SagaStart"/>), and runs in line the steps whose services answer at once
/// (<see cref="OnboardingStepRunner"/>): with the in-process services a registration's onboarding ends in this
/// transaction.
/// </summary>
public static class OnboardingTrigger
{
    public const string Queue = "marten-eventapp.user-onboarding";
    public static readonly string[] BindingKeys = ["UserRegistered.*"];

    public static async Task Handle(OnboardingTriggerEvent[] events, IDocumentSession session, IMessageContext context,
        Envelope envelope, SequenceGate gate, OnboardingStepRunner steps, DateTimeOffset now, CancellationToken ct) =>
        await StartAsync(await gate.AdmitAsync(Queue, events, envelope, session, context, ct), session, context, steps,
            now, ct);

    /// <summary>Parked registrations run again (<see cref="SequenceReplayer"/>).</summary>
    public static Task Replay(IServiceProvider services, IReadOnlyList<EventEnvelope> events, IDocumentSession session,
        IMessageContext context, CancellationToken ct) =>
        StartAsync(events.Select(e => OnboardingTriggerEvent.Of(e, null)).ToArray(), session, context,
            services.GetRequiredService<OnboardingStepRunner>(), services.GetRequiredService<TimeProvider>()
                .GetUtcNow(), ct);

    private static async Task StartAsync(OnboardingTriggerEvent[] events, IDocumentSession session,
        IMessageContext context,
        OnboardingStepRunner steps, DateTimeOffset now, CancellationToken ct)
    {
        var triggers = events.Where(x => x.Event.EventType == "UserRegistered")
            .Select(x => new SagaTrigger(x.Event.AggregateId, x.TraceParent)).ToList();
        var recipients = await OnboardingStepRunner.RecipientsAsync(session, triggers.Select(t => t.Id).Distinct(), ct);
        await SagaStart.StartAllAsync(triggers, async id =>
        {
            var (saga, effects) = UserOnboardingSaga.Begin(id, steps.Options, now);
            var to = recipients.GetValueOrDefault(id);
            return (saga, await steps.RunInlineAsync(saga, effects, to, session, now, ct));
        }, saga => saga.OnDuplicateStart(now), session, context, ct);
    }
}
