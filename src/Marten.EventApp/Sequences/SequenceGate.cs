using System.Collections.Concurrent;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.EventBus;
using Marten.EventApp.Messaging;
using Marten.EventApp.Operations;
using Wolverine;
using Wolverine.Marten.Publishing;
using Wolverine.Runtime;

namespace Marten.EventApp.Sequences;

public sealed record SequencedConsumer(string Name, Type EventType, Func<EventEnvelope, object> Wrap, ApplyEvents Apply)
{
    public static SequencedConsumer? Find(IServiceProvider services, Func<SequencedConsumer, bool> match) =>
        services.GetServices<SequencedConsumer>().SingleOrDefault(match);
}

public delegate Task ApplyEvents(IServiceProvider services, IReadOnlyList<EventEnvelope> events,
    IDocumentSession session,
    IMessageContext context, CancellationToken ct);

// An aggregate with a sequence for this consumer has its events parked at its end, in the consumer's
// transaction: never handled out of order or past a hole, while other aggregates go on.
public sealed class SequenceGate(TimeProvider clock, EventBusOptions options, IWolverineRuntime runtime,
    EventMonitor monitor,
    MonitoringOptions monitoring)
{
    private readonly ConcurrentDictionary<(string, Guid), DateTimeOffset> _fullAlerts = new();

    public int MaxParked => options.MaxParkedPerSequence;

    public async Task<TEvent[]> AdmitAsync<TEvent>(string consumer, TEvent[] events, Envelope batch,
        IDocumentSession session,
        IMessageContext context, CancellationToken ct) where TEvent : IBatchedEvent
    {
        var keys = events.Select(e => e.Event.AggregateId).Distinct().ToArray();
        // in SQL rather than LINQ: every batch of every consumer asks, and nearly always finds nothing
        var table = await ParkedSequences.TableAsync(session.DocumentStore, ct);
        var sizes = (await session.QueryAsync<HeldKey>(
                $"select json_build_object('key', key, 'size', count(*)) from {table} " +
                "where consumer = ? and key = any(?) group by key",
                ct, consumer, keys))
            .ToDictionary(h => h.Key, h => h.Size);
        var held = sizes.Keys.ToHashSet();
        if (held.Count == 0) return InOrder(events);

        var ids = events.Where(e => held.Contains(e.Event.AggregateId))
            .Select(e => ParkedMessage.IdOf(consumer, e.Event.EventId)).ToArray();
        var known = (await session.LoadManyAsync<ParkedMessage>(ct, ids)).ToDictionary(p => p.Id);
        var members = WolverineInternals.BatchMembers(batch) ?? [];
        var now = clock.GetUtcNow();
        // per key, whether the run may pass a failed head: a dead letter replayed by Wolverine says it may
        var runs = new Dictionary<Guid, bool>();
        foreach (var e in events.Where(e => held.Contains(e.Event.AggregateId)))
        {
            var key = e.Event.AggregateId;
            if (known.TryGetValue(ParkedMessage.IdOf(consumer, e.Event.EventId), out var parked))
            {
                // the head's dead letter replayed: the sequence runs from its head; otherwise a redelivery
                if (parked.Failed) runs[key] = true;
                continue;
            }

            var member = members.FirstOrDefault(m => ReferenceEquals(m.Message, e));
            if (sizes[key] >= MaxParked && member is not null)
            {
                await DeadLetterUnparkedAsync(consumer, key, member, now);
                continue;
            }

            sizes[key]++;
            session.Store(ParkedMessage.Of(consumer, e.Event, member?.MessageType ?? typeof(TEvent).FullName!,
                member?.Destination?.ToString(), now));
            // a sequence being run again picks it up; one stopped at a failed head leaves it there
            runs.TryAdd(key, false);
        }

        foreach (var (key, passFailedHead) in runs) await context.PublishAsync(new ReplaySequence(consumer, key,
            passFailedHead));
        return InOrder(events.Where(e => !held.Contains(e.Event.AggregateId)));
    }

    private sealed record HeldKey(Guid Key, int Size);

    internal async Task DeadLetterUnparkedAsync(string consumer, Guid key, Envelope member, DateTimeOffset now)
    {
        var full = new SequenceFullException(consumer, key, MaxParked);
        await runtime.Storage.Inbox.MoveToDeadLetterStorageAsync(member, full);
        var last = _fullAlerts.GetValueOrDefault((consumer, key));
        if (now - last < monitoring.ErrorWindow) return;
        _fullAlerts[(consumer, key)] = now;
        monitor.Raise(new Alert("HIGH", full.Message, "", consumer, 1, monitoring.ErrorWindow,
            typeof(SequenceFullException).FullName, now));
    }

    // each aggregate's events by version, whatever order the batch was gathered in (the sort is stable)
    private static TEvent[] InOrder<TEvent>(IEnumerable<TEvent> events) where TEvent : IBatchedEvent =>
        events.OrderBy(e => e.Event.AggregateVersion).ToArray();

    // every event of a batch that still fails is parked and the sequences run again one by one, so the event
    // at fault stops its own sequence alone; a batch of one is that event and heads its sequence at once
    internal static async ValueTask ParkFailedBatchAsync(IWolverineRuntime runtime, IEnvelopeLifecycle lifecycle,
        Exception ex)
    {
        var batch = lifecycle.Envelope!;
        var elementType = batch.Message!.GetType().GetElementType();
        var consumer = SequencedConsumer.Find(runtime.Services, c => c.EventType == elementType)!;
        var members = WolverineInternals.BatchMembers(batch) ?? [];
        var now = runtime.Services.GetRequiredService<TimeProvider>().GetUtcNow();

        var context = new MessageContext(runtime);
        ParkedMessage? head = null;
        await using (var session = runtime.Services.GetRequiredService<OutboxedSessionFactory>().OpenSession(context))
        {
            var parked = members.Select(m => (Member: m, Event: ((IBatchedEvent)m.Message!).Event)).ToList();
            var known = (await session.LoadManyAsync<ParkedMessage>(
                parked.Select(p => ParkedMessage.IdOf(consumer.Name, p.Event.EventId)))).Select(p => p.Id).ToHashSet();
            foreach (var (member, e) in parked.Where(p =>
                !known.Contains(ParkedMessage.IdOf(consumer.Name, p.Event.EventId))))
            {
                var row = ParkedMessage.Of(consumer.Name, e, member.MessageType!, member.Destination?.ToString(), now);
                if (members.Length == 1) (head = row).Fail(ex, now);
                session.Store(row);
            }

            if (members.Length > 1)
                foreach (var key in parked.Select(p => p.Event.AggregateId).Distinct())
                    await context.PublishAsync(new ReplaySequence(consumer.Name, key));
            await session.SaveChangesAsync();
        }

        if (head is not null) await SequenceReplayer.DeadLetterAsync(runtime, consumer, head, null, ex);
        await lifecycle.CompleteAsync();
    }
}

public sealed class SequenceFullException(string consumer, Guid key, int limit) : Exception(
    $"The sequence of {key} for {consumer} holds {limit} events, its limit (EventApp:EventBus:MaxParkedPerSequence): " +
    "this event went to the dead letters without being parked, out of its order.");
