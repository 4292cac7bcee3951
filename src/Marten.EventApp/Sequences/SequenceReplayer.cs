using Marten.EventApp.EventBus;
using Wolverine;
using Wolverine.Persistence.Durability;
using Wolverine.Persistence.Durability.DeadLetterManagement;
using Wolverine.Runtime;

namespace Marten.EventApp.Sequences;

// OneByOne: events after a failure run one per transaction, so that the one at fault is found alone
public sealed record ReplaySequence(string Consumer, Guid Key, bool PassFailedHead = false, int OneByOne = 0);

// each chunk is deleted in the transaction that handles it and the next is a new message through the
// outbox, so a run survives a crash and goes on where it was
public static class SequenceReplayer
{
    public const string Queue = "marten-eventapp.sequences";

    public static async Task Handle(ReplaySequence run, IDocumentSession session, IMessageContext context,
        Envelope envelope,
        IWolverineRuntime runtime, EventBusOptions options, IMessageStore store, TimeProvider clock,
        CancellationToken ct)
    {
        // the consumers' own services are singletons, taken from the root
        var services = runtime.Services;
        var sagas = services.GetRequiredService<SagaSequences>();
        var consumer = SequencedConsumer.Find(services, c => c.Name == run.Consumer);
        if (consumer is null && !sagas.IsSaga(run.Consumer))
            throw new InvalidOperationException($"No consumer keeps sequences under the name '{run.Consumer}'.");
        await session.BeginTransactionAsync(ct);
        // one run of a sequence at a time, across the nodes too
        await session.QueryAsync<int>("select 1 from (select pg_advisory_xact_lock(hashtext(?), hashtext(?))) as l", ct,
            run.Consumer, run.Key.ToString());
        // a saga's messages one by one, each in the saga's own transaction
        var oneByOne = consumer is null || envelope.Attempts > 1 || run.OneByOne > 0;
        var rows = await Sequence(session, run.Consumer, run.Key).Take(oneByOne ? 1 : options.BatchSize)
            .ToListAsync(ct);
        if (rows.Count == 0 || (rows[0].Failed && !run.PassFailedHead)) return;
        if (consumer is null)
        {
            await sagas.ReplayHeadAsync(run, rows[0], session, context, runtime, clock.GetUtcNow(), ct);
            return;
        }

        await consumer.Apply(services, rows.Select(r => r.Event()).ToList(), session, context, ct);
        foreach (var row in rows) session.Delete<ParkedMessage>(row.Id);
        // after a failed chunk, a chunk's worth one by one: the event at fault fails alone
        var next = envelope.Attempts > 1 ? options.BatchSize - 1 : Math.Max(0, run.OneByOne - 1);
        await context.PublishAsync(new ReplaySequence(run.Consumer, run.Key, OneByOne: next));
        // on a connection of its own: should this transaction fail, the sequence still lists the head
        await store.DeadLetters.DiscardAsync([rows[0].DeadLetterId], ct);
    }

    public static IQueryable<ParkedMessage> Sequence(IQuerySession session, string consumer, Guid key) =>
        session.Query<ParkedMessage>().Where(p => p.Consumer == consumer && p.Key == key)
            .OrderBy(p => p.Position).ThenBy(p => p.ParkedAt);

    internal static async ValueTask StopAtHeadAsync(IWolverineRuntime runtime, IEnvelopeLifecycle lifecycle,
        Exception ex)
    {
        var run = (ReplaySequence)lifecycle.Envelope!.Message!;
        var now = runtime.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        ParkedMessage? head;
        Guid? replaced = null;
        await using (var session = runtime.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            head = await Sequence(session, run.Consumer, run.Key).FirstOrDefaultAsync();
            if (head is not null)
            {
                replaced = head.Fail(ex, now);
                session.Store(head);
                await session.SaveChangesAsync();
            }
        }

        if (head is not null) await DeadLetterAsync(runtime, MessageOf(runtime, run.Consumer, head), head, replaced,
            ex);
        await lifecycle.CompleteAsync();
    }

    internal static async Task DeadLetterAsync(IWolverineRuntime runtime, object message, ParkedMessage head,
        Guid? replaces,
        Exception ex)
    {
        await runtime.Storage.DeadLetters.DiscardAsync([replaces], CancellationToken.None);
        // a message invoked in process came in nowhere: its replay goes through the sequences' queue
        var destination = new Uri(head.ReceivedAt ?? $"local://{Queue}/");
        // written as the endpoint reads it: the seed's envelope from the broker, the consumer's own type locally
        var serializer = runtime.Endpoints.EndpointFor(destination)?.DefaultSerializer
                         ?? throw new InvalidOperationException(
                             $"No endpoint at {destination} for the dead letter of {head.Id}.");
        await runtime.Storage.Inbox.MoveToDeadLetterStorageAsync(new Envelope
        {
            Id = head.DeadLetterId!.Value, MessageType = head.MessageType, ContentType = serializer.ContentType,
            Data = serializer.WriteMessage(message), Destination = destination, SentAt = head.ParkedAt
        }, ex);
    }

    private static object MessageOf(IWolverineRuntime runtime, string consumer, ParkedMessage row) =>
        SequencedConsumer.Find(runtime.Services, c => c.Name == consumer) is { } events
            ? events.Wrap(row.Event())
            : runtime.Services.GetRequiredService<SagaSequences>().Read(runtime, row);

    // never an empty query, which Wolverine reads as every dead letter
    internal static async Task DiscardAsync(this IDeadLetters letters, IEnumerable<Guid?> ids, CancellationToken ct)
    {
        var some = ids.OfType<Guid>().ToArray();
        if (some.Length > 0) await letters.DiscardMatchingAsync(new DeadLetterEnvelopeQuery(some), ct);
    }
}
