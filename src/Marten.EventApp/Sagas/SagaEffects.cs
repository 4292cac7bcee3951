using Marten.EventApp.Messaging;
using Wolverine;

namespace Marten.EventApp.Sagas;

public sealed record TimeoutRequest(string Step, object Message, TimeSpan After, DateTimeOffset DueAt);

// Returned as values, so a unit test reads a decision's effects with no host; ApplyAsync carries them out in the
// saga's own transaction (Wolverine commits the saga, the messages and the events together).
public sealed class SagaEffects
{
    public List<object> Messages { get; } = [];
    public List<TimeoutRequest> Timeouts { get; } = [];
    public bool CancelTimeouts { get; private set; }
    public List<object> Events { get; } = [];

    public SagaEffects Send(object message)
    {
        Messages.Add(message);
        return this;
    }

    public SagaEffects Schedule(TimeoutRequest timeout)
    {
        Timeouts.Add(timeout);
        return this;
    }

    // the seed clears its timers when the process ends
    public SagaEffects CancelAllTimeouts()
    {
        CancelTimeouts = true;
        return this;
    }

    public SagaEffects Append(params object[] events)
    {
        Events.AddRange(events);
        return this;
    }

    // a cancellation in next drops the timeouts asked for before it, which are then never written
    public SagaEffects And(SagaEffects next)
    {
        Messages.AddRange(next.Messages);
        if (next.CancelTimeouts) Timeouts.Clear();
        Timeouts.AddRange(next.Timeouts);
        Events.AddRange(next.Events);
        CancelTimeouts |= next.CancelTimeouts;
        return this;
    }

    public async Task ApplyAsync(TrackedSaga saga, IMessageContext context, IDocumentSession session,
        CancellationToken ct)
    {
        // the ids known before this decision's own timeouts are scheduled: only those can be cancelled
        if (CancelTimeouts)
        {
            WolverineInternals.CancelScheduled(session,
                saga.Steps.Where(s => s.TimeoutId is not null).Select(s => s.TimeoutId!.Value).ToList());
            foreach (var step in saga.Steps) (step.TimeoutId, step.TimeoutScheduled) = (null, false);
        }

        foreach (var message in Messages) await context.SendAsync(message);
        foreach (var timeout in Timeouts)
        {
            await context.ScheduleAsync(timeout.Message, timeout.After,
                new DeliveryOptions { SagaId = saga.Id.ToString() });
            if (saga.Step(timeout.Step) is { } step)
            {
                step.TimeoutId = WolverineInternals.ScheduledEnvelopeId(context, timeout.Message);
                (step.TimeoutDueAt, step.TimeoutScheduled) = (timeout.DueAt, true);
            }
        }

        if (Events.Count > 0) await saga.AppendAsync(session, Events, ct);
    }
}
