using System.Reflection;
using System.Text;
using JasperFx;
using JasperFx.CodeGeneration;
using Marten.EventApp.EventBus;
using Marten.EventApp.Persistence;
using Wolverine;
using Wolverine.Configuration;
using Wolverine.ErrorHandling;
using Wolverine.Marten.Publishing;
using Wolverine.Persistence.Sagas;
using Wolverine.Runtime;
using Wolverine.Runtime.Handlers;
using Wolverine.Util;

namespace Marten.EventApp.Sequences;

// A saga's messages are a sequence per saga id: one that still fails after its retries heads it in the dead
// letters, and later ones (timeouts, operators' actions) wait behind it until it is replayed or discarded.
public sealed class SagaSequences
{
    // on a message the replayer runs: its parked row, deleted in the saga's own transaction
    public const string ReplayedHeader = "eventapp-sequence-replayed";

    private readonly Dictionary<Type, Func<object, Guid?>> _sagaIds = [];
    private readonly Dictionary<Type, string> _sagas = [];
    private readonly Dictionary<string, Type> _types = [];

    internal void Add(Type sagaType, Type messageType, MemberInfo sagaId)
    {
        _sagaIds[messageType] = message => sagaId switch
        {
            PropertyInfo p => p.GetValue(message) as Guid?,
            FieldInfo f => f.GetValue(message) as Guid?,
            _ => null
        };
        _sagas[messageType] = sagaType.Name;
        Add(messageType);
    }

    internal void Add(Type messageType) => _types[messageType.ToMessageTypeName()] = messageType;

    public bool IsSaga(string consumer) => _sagas.ContainsValue(consumer);

    public (string Consumer, Guid Key)? SequenceOf(object? message) => message switch
    {
        IAdvancesSaga advances => (advances.Saga.Name, advances.SagaId),
        not null when _sagaIds.TryGetValue(message.GetType(), out var idOf) && idOf(message) is { } key =>
            (_sagas[message.GetType()], key),
        _ => null
    };

    public ParkedMessage Park(IWolverineRuntime runtime, Envelope envelope, string consumer, Guid key, long position,
        DateTimeOffset now)
    {
        var message = envelope.Message!;
        var body = runtime.Options.DefaultSerializer!.WriteMessage(message);
        return new ParkedMessage
        {
            Id = ParkedMessage.IdOf(consumer, envelope.Id), Consumer = consumer, Key = key, Position = position,
            ParkedAt = now, EventId = envelope.Id, EventType = message.GetType().Name,
            MessageType = message.GetType().ToMessageTypeName(), ReceivedAt = envelope.Destination?.ToString(),
            Body = Encoding.UTF8.GetString(body)
        };
    }

    public object Read(IWolverineRuntime runtime, ParkedMessage parked) =>
        _types.TryGetValue(parked.MessageType, out var type)
            ? runtime.Options.DefaultSerializer!.ReadFromData(type,
                new Envelope { Data = Encoding.UTF8.GetBytes(parked.Body) })
            : throw new InvalidOperationException(
                $"{parked.MessageType} is not a message of the saga {parked.Consumer}.");

    internal async Task ReplayHeadAsync(ReplaySequence run, ParkedMessage head, IDocumentSession session,
        IMessageContext context, IWolverineRuntime runtime, DateTimeOffset now, CancellationToken ct)
    {
        var message = Read(runtime, head);
        try
        {
            await context.InvokeAsync(message, new DeliveryOptions { Headers = { [ReplayedHeader] = head.Id } }, ct);
        }
        catch (Exception ex) when (!ex.IsDatabaseAway())
        {
            var replaced = head.Fail(ex, now);
            session.Store(head);
            await session.SaveChangesAsync(ct);
            await SequenceReplayer.DeadLetterAsync(runtime, message, head, replaced, ex);
            return;
        }

        await context.PublishAsync(run with { PassFailedHead = false, OneByOne = 0 });
        await runtime.Storage.DeadLetters.DiscardAsync([head.DeadLetterId], ct);
    }

    internal static async ValueTask ParkFailedAsync(IWolverineRuntime runtime, IEnvelopeLifecycle lifecycle,
        Exception ex)
    {
        var envelope = lifecycle.Envelope!;
        var sagas = runtime.Services.GetRequiredService<SagaSequences>();
        if (sagas.SequenceOf(envelope.Message) is not var (consumer, key))
        {
            await lifecycle.MoveToDeadLetterQueueAsync(ex);
            return;
        }

        var now = runtime.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        ParkedMessage head;
        var sessions = runtime.Services.GetRequiredService<OutboxedSessionFactory>();
        await using (var session = sessions.OpenSession(new MessageContext(runtime)))
        {
            var hold = await SagaSequenceGate.HoldAsync(session, consumer, key, envelope.Id, CancellationToken.None);
            // a parked message is never handled, so never fails: this one is new to the sequence
            head = sagas.Park(runtime, envelope, consumer, key, hold.Last + 1, now);
            head.Fail(ex, now);
            session.Store(head);
            await session.SaveChangesAsync();
        }

        await SequenceReplayer.DeadLetterAsync(runtime, envelope.Message!, head, null, ex);
        await lifecycle.CompleteAsync();
    }
}

// advances a saga from a handler of its own, and still waits in the saga's sequence
public interface IAdvancesSaga
{
    Type Saga { get; }
    Guid SagaId { get; }
}

// runs first in every saga's handlers: a message whose saga's sequence holds messages is parked at its end
public static class SagaSequenceGate
{
    public static async Task<HandlerContinuation> BeforeAsync(Envelope envelope, IDocumentSession session,
        IMessageContext context, SagaSequences sagas, SequenceGate gate, IWolverineRuntime runtime, TimeProvider clock,
        CancellationToken ct)
    {
        if (sagas.SequenceOf(envelope.Message) is not var (consumer, key)) return HandlerContinuation.Continue;
        if (envelope.Headers.TryGetValue(SagaSequences.ReplayedHeader, out var replayed) && replayed is not null)
        {
            session.Delete<ParkedMessage>(replayed);
            return HandlerContinuation.Continue;
        }

        var hold = await HoldAsync(session, consumer, key, envelope.Id, ct);
        // nothing held, or a redelivery of one parked already
        if (hold.Size == 0) return HandlerContinuation.Continue;
        if (hold.Mine) return HandlerContinuation.Stop;
        if (envelope.Id == hold.HeadDeadLetter)
            // the head's dead letter replayed through the dead-letter endpoints: the sequence runs from its head
            await context.PublishAsync(new ReplaySequence(consumer, key, PassFailedHead: true));
        else if (hold.Size >= gate.MaxParked)
            await gate.DeadLetterUnparkedAsync(consumer, key, envelope, clock.GetUtcNow());
        else
        {
            session.Store(sagas.Park(runtime, envelope, consumer, key, hold.Last + 1, clock.GetUtcNow()));
            // a sequence being run picks it up; one stopped at a failed head leaves it there
            await context.PublishAsync(new ReplaySequence(consumer, key));
        }

        // parked, and the envelope marked handled, in one transaction: the handler's committing frames do not run
        await session.SaveChangesAsync(ct);
        return HandlerContinuation.Stop;
    }

    internal sealed record Hold(long Size, long Last, Guid? HeadDeadLetter, bool Mine);

    internal static async Task<Hold> HoldAsync(IDocumentSession session, string consumer, Guid key, Guid envelopeId,
        CancellationToken ct)
    {
        // in SQL: every message of every saga asks, and nearly always finds nothing
        var table = await ParkedSequences.TableAsync(session.DocumentStore, ct);
        return (await session.QueryAsync<Hold>(
            $"""
             select json_build_object('size', count(*), 'last', coalesce(max(position), 0),
                    'headDeadLetter', (array_agg(data ->> 'deadLetterId'
                                                 order by position, (data ->> 'parkedAt')::timestamptz))[1],
                    'mine', coalesce(bool_or(id = ?), false))
             from {table} where consumer = ? and key = ?
             """, ct, ParkedMessage.IdOf(consumer, envelopeId), consumer, key)).Single();
    }
}

internal sealed class SagaSequencePolicy(SagaSequences sagas, EventBusOptions options) : IHandlerPolicy
{
    public void Apply(IReadOnlyList<HandlerChain> chains, GenerationRules rules, IServiceContainer container)
    {
        foreach (var chain in chains.OfType<SagaChain>().Where(IsSequenced))
        {
            sagas.Add(chain.SagaType, chain.MessageType, chain.SagaIdMember!);
            chain.PausesOnTransientDatabaseFailures(options.TransientPause);
            chain.OnException<ConcurrencyException>().RetryTimes(3).Then
                .CustomAction(SagaSequences.ParkFailedAsync, "head the saga's sequence");
            chain.OnAnyException().RetryWithCooldown(options.RetryDelays).Then
                .CustomAction(SagaSequences.ParkFailedAsync, "head the saga's sequence");
        }

        // their own failure handling stays: the gate only
        foreach (var chain in chains.Where(c => c is not SagaChain && IsSequenced(c))) sagas.Add(chain.MessageType);
    }

    // through Wolverine's middleware policy, which honours the gate's HandlerContinuation
    public static bool IsSequenced(HandlerChain chain) =>
        chain is SagaChain saga ? saga.SagaIdMember is { } id && MemberType(id) == typeof(Guid)
            : chain.MessageType.IsAssignableTo(typeof(IAdvancesSaga));

    private static Type MemberType(MemberInfo member) => member switch
    {
        PropertyInfo p => p.PropertyType,
        FieldInfo f => f.FieldType,
        _ => typeof(void)
    };
}
