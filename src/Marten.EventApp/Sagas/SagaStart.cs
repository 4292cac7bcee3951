using Wolverine;

namespace Marten.EventApp.Sagas;

/// <summary>
/// A bus consumer starts its saga in its own transaction instead of sending the saga a start message: one durable hop
/// less for each process (BENCHMARKS.md, "What changes bought", the pipeline's cuts). A redelivered trigger finds the
/// saga and lets it record the duplicate. The document is the one Wolverine loads for the saga's next messages,
/// saved under the same revision rule.
/// </summary>
public static class SagaStart
{
    public static async Task StartAsync<TSaga>(Guid id, Func<(TSaga Saga, SagaEffects Effects)> begin,
        Func<TSaga, SagaEffects> duplicate, IDocumentSession session, IMessageContext context, CancellationToken ct)
        where TSaga : TrackedSaga
    {
        if (await session.LoadAsync<TSaga>(id, ct) is { } existing)
        {
            await duplicate(existing).ApplyAsync(existing, context, session, ct);
            session.UpdateRevision(existing, existing.Version + 1);
            return;
        }

        var (saga, effects) = begin();
        // the effects first: they give the steps their timeouts' ids, which the stored saga keeps
        await effects.ApplyAsync(saga, context, session, ct);
        session.Insert(saga);
    }
}
