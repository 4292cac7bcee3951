using System.Runtime.CompilerServices;
using Wolverine;
using Wolverine.Runtime;

namespace Marten.EventApp.Messaging;

// Every reach past Wolverine's public API, each filling a gap it leaves (../shared/API-NOTES.md, section 11);
// when_wolverine_internals_are_used checks them all and fails on an upgrade that moves one.
internal static class WolverineInternals
{
    // no public API returns a scheduled message's id (ScheduleAsync returns nothing); a saga cancels by it
    public static Guid ScheduledEnvelopeId(IMessageContext context, object message) =>
        ((MessageBus)context).Outstanding.Last(e => ReferenceEquals(e.Message, message)).Id;

    // in the session's transaction, so a saga's timeouts go with its commit or stay with its rollback; the
    // public IScheduledMessages.CancelAsync runs on a connection of its own
    public static void CancelScheduled(IDocumentSession session, IReadOnlyCollection<Guid> ids)
    {
        if (ids.Count == 0) return;
        session.QueueSqlCommand(
            $"delete from {session.DocumentStore.Options.DatabaseSchemaName}.{IncomingTable} " +
            "where id = ANY(?) and status = 'Scheduled'",
            ids.ToArray());
    }

    public const string IncomingTable = "wolverine_incoming_envelopes";

    // sent by name to a durable local queue inside a transaction, an envelope is stored as Outgoing of no node
    // and never runs again after a requeue or a crash; this gives it the state the router gives
    public static void AsLocalDelivery(Envelope envelope, int nodeNumber)
    {
        if (envelope.Status != EnvelopeStatus.Outgoing) return;
        envelope.Status = EnvelopeStatus.Incoming;
        envelope.OwnerId = nodeNumber;
    }

    // no public read; a retry adds the tags again, so they are cleared first
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_metricHeaders")]
    public static extern ref List<KeyValuePair<string, object?>>? MetricTags(Envelope envelope);

    // the public IBatchContext gives ids only, and not to a failure action; a parked event's dead letter needs
    // each member's type and endpoint
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_Batch")]
    public static extern Envelope[]? BatchMembers(Envelope envelope);
}
