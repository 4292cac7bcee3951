using System.Diagnostics;
using Marten.EventApp.Operations;
using Wolverine;

namespace Marten.EventApp.Sagas;

// A bus consumer starts its saga in its own transaction instead of sending it a start message: one durable hop less
// per process (BENCHMARKS.md, "What changes bought"). A redelivered trigger finds the saga, which records it.
public static class SagaStart
{
    public static Task StartAsync<TSaga>(Guid id, Func<Task<(TSaga Saga, SagaEffects Effects)>> begin,
        Func<TSaga, SagaEffects> duplicate, IDocumentSession session, IMessageContext context, CancellationToken ct)
        where TSaga : TrackedSaga =>
        StartAllAsync([new SagaTrigger(id)], _ => begin(), duplicate, session, context, ct);

    // each start in a span of its trigger's trace, so the saga's messages go on in the trace of the starting event
    public static async Task StartAllAsync<TSaga>(IReadOnlyCollection<SagaTrigger> triggers,
        Func<Guid, Task<(TSaga Saga, SagaEffects Effects)>> begin, Func<TSaga, SagaEffects> duplicate,
        IDocumentSession session, IMessageContext context, CancellationToken ct)
        where TSaga : TrackedSaga
    {
        if (triggers.Count == 0) return;
        var ids = triggers.Select(t => t.Id).Distinct();
        var existing = (await session.LoadManyAsync<TSaga>(ct, ids)).ToDictionary(s => s.Id);
        var started = new HashSet<Guid>();
        foreach (var (id, traceParent) in triggers)
        {
            if (!started.Add(id)) continue;
            using var span = traceParent is null ? null : Telemetry.Source.StartActivity($"{typeof(TSaga).Name} start",
                ActivityKind.Internal, ActivityContext.TryParse(traceParent, null, out var parent) ? parent : default);
            if (existing.TryGetValue(id, out var saga))
            {
                await duplicate(saga).ApplyAsync(saga, context, session, ct);
                session.UpdateRevision(saga, saga.Version + 1);
                continue;
            }

            var (fresh, effects) = await begin(id);
            // the effects first: they give the steps their timeouts' ids, which the stored saga keeps
            await effects.ApplyAsync(fresh, context, session, ct);
            session.Insert(fresh);
        }
    }
}

public sealed record SagaTrigger(Guid Id, string? TraceParent = null);
