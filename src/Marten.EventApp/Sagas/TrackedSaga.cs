using JasperFx;
using Wolverine;

namespace Marten.EventApp.Sagas;

public enum SagaStatus { Started, Completed, Failed }

public enum StepStatus { Running, Done, Failed, Compensating, Compensated, CompensationFailed }

public sealed class SagaStep
{
    public string Name { get; set; } = "";
    public StepStatus Status { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    // kept when the step is compensated later
    public DateTimeOffset? DoneAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public string? Error { get; set; }

    // the envelope id of the step's durable timeout while scheduled: a timeout is cancelled by its id
    public Guid? TimeoutId { get; set; }
    public DateTimeOffset? TimeoutDueAt { get; set; }
    public bool TimeoutScheduled { get; set; }
}

public sealed record SagaTimelineEntry(DateTimeOffset At, string Message, string Note);

// Never deleted (no MarkCompleted): a late or duplicate message finds the finished saga and is recorded instead of
// starting anything. IRevisioned makes Marten check the version on update, so of two messages racing on one saga the
// second is retried on the new state instead of one update being lost.
public abstract class TrackedSaga : Saga, IRevisioned
{
    // a saga flooded with duplicates must not grow without bound: the timeline keeps the newest entries
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

    // An erasure: failure texts may quote the person's data, so they go wherever the timeline repeats them, as do
    // operators' notes.
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

    protected static TimeoutRequest TimeoutFor(SagaStep step, object message, TimeSpan after, DateTimeOffset now)
    {
        step.TimeoutDueAt = now + after;
        step.TimeoutScheduled = true;
        return new TimeoutRequest(step.Name, message, after, now + after);
    }

    protected static void TimeoutDone(SagaStep step)
    {
        step.TimeoutId = null;
        step.TimeoutScheduled = false;
    }

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

