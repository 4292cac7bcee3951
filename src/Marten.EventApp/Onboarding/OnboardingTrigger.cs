using Marten.EventApp.Contracts.Events;
using Marten.EventApp.EventBus;
using Marten.EventApp.Sagas;
using Marten.EventApp.Sequences;
using Wolverine;

namespace Marten.EventApp.Onboarding;

// its own type, so that its deliveries are handled in batches
public sealed record OnboardingTriggerEvent(EventEnvelope Event, string? TraceParent)
    : IBatchedEvent<OnboardingTriggerEvent>
{
    public static OnboardingTriggerEvent Of(EventEnvelope e, string? traceParent) => new(e, traceParent);
}

// Starts a batch's sagas in one transaction rather than sending each a start message (SagaStart), and runs in line the
// steps whose services answer at once: with the in-process services an onboarding ends in this transaction.
public static class OnboardingTrigger
{
    public const string Queue = "marten-eventapp.user-onboarding";
    public static readonly string[] BindingKeys = ["UserRegistered.*"];

    public static async Task Handle(OnboardingTriggerEvent[] events, IDocumentSession session, IMessageContext context,
        Envelope envelope, SequenceGate gate, OnboardingStepRunner steps, DateTimeOffset now, CancellationToken ct) =>
        await StartAsync(await gate.AdmitAsync(Queue, events, envelope, session, context, ct), session, context, steps,
            now, ct);

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
