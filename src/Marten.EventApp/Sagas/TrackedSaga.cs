using JasperFx;
using Wolverine;

namespace Marten.EventApp.Sagas;

public enum SagaStatus { Started, Completed, Failed }

public enum StepStatus { Running, Done, Failed, Compensating, Compensated, CompensationFailed }

/// <summary>One step of a saga: where it stands and since when.</summary>
public sealed class SagaStep
{
    public string Name { get; set; } = "";
    public StepStatus Status { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    /// <summary>When the step's service answered done (kept when the step is compensated later).</summary>
    public DateTimeOffset? DoneAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public string? Error { get; set; }

    /// <summary>
    /// The envelope id of the step's durable timeout while it is scheduled (cancelled by id, see <see
    /// cref="TrackedSaga"/>).
    /// </summary>
    public Guid? TimeoutId { get; set; }
    public DateTimeOffset? TimeoutDueAt { get; set; }
    /// <summary>The saga asked for this step's timeout and it has neither fired nor been cancelled.</summary>
    public bool TimeoutScheduled { get; set; }
}

/// <summary>A message that moved the saga (or was refused by it), and what it did.</summary>
public sealed record SagaTimelineEntry(DateTimeOffset At, string Message, string Note);

/// <summary>
/// A Wolverine saga stored by Marten that keeps its own history for monitoring: status, steps, timeline. It is never
/// deleted (no <c>MarkCompleted</c>): a finished saga stays readable, and a late or duplicate message finds it and is
/// recorded instead of starting anything. <see cref="IRevisioned"/> makes Marten check the version on update, so of two
/// messages racing on one saga one commits and the other is retried on the new state (without it one update is lost).
/// </summary>
public abstract class TrackedSaga : Saga, IRevisioned
{
    /// <summary>
    /// The timeline keeps the newest entries: a saga flooded with duplicates must not grow without bound.
    /// </summary>
    public const int MaxTimeline = 200;

    public Guid Id { get; set; }
    public SagaStatus Status { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public DateTimeOffset? FailedAt { get; set; }
    public string? Error { get; set; }
    public List<SagaStep> Steps { get; set; } = [];
    public List<SagaTimelineEntry> Timeline { get; set; } = [];

    public bool IsFinished => Status != SagaStatus.Started;

    public SagaStep? Step(string name) => Steps.FirstOrDefault(s => s.Name == name);

    /// <summary>
    /// An erasure of the person the saga is about: failure texts (which may quote the person's data) become
    /// <paramref name="placeholder"/>, in the steps and wherever the timeline repeats them, and so do the timeline's
    /// notes an operator wrote. Returns whether anything changed.
    /// </summary>
    public bool EraseFreeTexts(string placeholder, IReadOnlySet<string> operatorMessages)
    {
        var errors = Steps.Select(s => s.Error).Append(Error).OfType<string>().Where(e => e != placeholder).Distinct()
            .ToList();
        var changed = errors.Count > 0;
        foreach (var step in Steps.Where(s => s.Error is not null)) step.Error = placeholder;
        if (Error is not null) Error = placeholder;
        for (var i = 0; i < Timeline.Count; i++)
        {
            var entry = Timeline[i];
            var note = operatorMessages.Contains(entry.Message) ? placeholder
                : errors.Aggregate(entry.Note,
                    (text, error) => text.Replace(error, placeholder, StringComparison.Ordinal));
            if (note == entry.Note) continue;
            Timeline[i] = entry with { Note = note };
            changed = true;
        }

        return changed;
    }

    protected void Record(DateTimeOffset at, object message, string note) => Record(at, message.GetType().Name, note);

    protected void Record(DateTimeOffset at, string messageName, string note)
    {
        Timeline.Add(new SagaTimelineEntry(at, messageName, note));
        if (Timeline.Count > MaxTimeline) Timeline.RemoveAt(0);
    }

    protected SagaStep BeginStep(string name, DateTimeOffset at)
    {
        var step = new SagaStep { Name = name, Status = StepStatus.Running, StartedAt = at };
        Steps.Add(step);
        return step;
    }

    protected static void Finish(SagaStep step, StepStatus status, DateTimeOffset at, string? error = null)
    {
        step.Status = status;
        step.FinishedAt = at;
        if (status == StepStatus.Done) step.DoneAt = at;
        step.Error = error;
    }

    /// <summary>
    /// A step's durable timeout, due <paramref name="after"/> from now (see <see cref="SagaEffects"/>).
    /// </summary>
    protected static TimeoutRequest TimeoutFor(SagaStep step, object message, TimeSpan after, DateTimeOffset now)
    {
        step.TimeoutDueAt = now + after;
        step.TimeoutScheduled = true;
        return new TimeoutRequest(step.Name, message, after, now + after);
    }

    /// <summary>The step's timeout fired or is no longer needed.</summary>
    protected static void TimeoutDone(SagaStep step)
    {
        step.TimeoutId = null;
        step.TimeoutScheduled = false;
    }

    /// <summary>Appends the process's events to the stream it keeps them on, in the saga's transaction.</summary>
    public abstract Task AppendAsync(IDocumentSession session, IReadOnlyList<object> events, CancellationToken ct);

    protected void Complete(DateTimeOffset at)
    {
        Status = SagaStatus.Completed;
        CompletedAt = at;
    }

    protected void Fail(DateTimeOffset at, string error)
    {
        Status = SagaStatus.Failed;
        FailedAt = at;
        Error = error;
    }
}

