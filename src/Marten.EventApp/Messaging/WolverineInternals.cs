using System.Runtime.CompilerServices;
using Wolverine;
using Wolverine.Runtime;

namespace Marten.EventApp.Messaging;

/// <summary>
/// Every reach-in into Wolverine past its public API, in one place: each fills a gap the public API leaves (kept in
/// <c>../shared/API-NOTES.md</c>, section 11) and each is checked by <c>when_wolverine_internals_are_used</c>, which
/// fails on an upgrade that moves them.
/// </summary>
internal static class WolverineInternals
{
    /// <summary>
    /// The envelope id of a message this context has just scheduled: a saga keeps it to cancel its timeout by id.
    /// No public API returns it (<c>ScheduleAsync</c> returns nothing); the concrete bus lists what it holds.
    /// </summary>
    public static Guid ScheduledEnvelopeId(IMessageContext context, object message) =>
        ((MessageBus)context).Outstanding.Last(e => ReferenceEquals(e.Message, message)).Id;

    /// <summary>
    /// Deletes scheduled envelopes in the session's own transaction, so a saga's timeouts go with the commit that ends
    /// it, or stay with its rollback. The public <c>IScheduledMessages.CancelAsync</c> runs on a connection of its own.
    /// </summary>
    public static void CancelScheduled(IDocumentSession session, IReadOnlyCollection<Guid> ids)
    {
        // an empty list would be no filter to the public API: never sent
        if (ids.Count == 0) return;
        session.QueueSqlCommand(
            $"delete from {session.DocumentStore.Options.DatabaseSchemaName}.{IncomingTable} where id = ANY(?) and status = 'Scheduled'",
            ids.ToArray());
    }

    /// <summary>Wolverine's inbox table, where durable local queues keep scheduled and incoming envelopes.</summary>
    public const string IncomingTable = "wolverine_incoming_envelopes";

    /// <summary>
    /// An envelope sent by name to a durable local queue (<c>EndpointFor(queue).SendAsync</c>) inside a transaction is
    /// stored as Outgoing and owned by no node, unlike one the router sends there: it would never run again after a
    /// requeue or a crash. This gives it the state the router gives.
    /// </summary>
    public static void AsLocalDelivery(Envelope envelope, int nodeNumber)
    {
        if (envelope.Status != EnvelopeStatus.Outgoing) return;
        envelope.Status = EnvelopeStatus.Incoming;
        envelope.OwnerId = nodeNumber;
    }

    /// <summary>The metric tags set on an envelope: no public read (a retry adds them again, so they are cleared
    /// first).</summary>
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_metricHeaders")]
    public static extern ref List<KeyValuePair<string, object?>>? MetricTags(Envelope envelope);

    /// <summary>
    /// A batch's member envelopes (their ids, types and the endpoint each came in on): a sequence parks an event with
    /// what its dead letter needs. The public <c>IBatchContext</c> gives ids only, and not to a failure action.
    /// </summary>
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_Batch")]
    public static extern Envelope[]? BatchMembers(Envelope envelope);
}
