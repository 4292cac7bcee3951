using System.Text.Json;
using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.EventBus;
using Marten.EventApp.Persistence;
using Wolverine;
using Wolverine.Runtime;

namespace Marten.EventApp.Messaging;

/// <summary>
/// Carries out a decision on an event stream and ends every command the same way, whether it came over HTTP or a
/// broker: a <see cref="CommandOutcome"/>. Rules the store enforces (a taken stream id, a feature's unique index)
/// become refusals here, not exceptions. A redelivered message that already took effect is recognised by its
/// command id, which the events of every command that can arrive again (from a queue, or with a sender's key) carry
/// in the <see cref="CommandIdHeader"/> header: the sender's own
/// <see cref="CommandIdHeader"/> message header when given (an idempotency key kept across resends), else the
/// message id (kept by brokers and outboxes across redeliveries).
/// </summary>
public sealed class StreamCommands(StoreRules rules, IDocumentStore store, EventRoutes routes, TimeProvider clock,
    ILogger<StreamCommands> logger)
{
    public const string CommandIdHeader = "command-id";
    private readonly string _schema = store.Options.Events.DatabaseSchemaName;

    /// <summary>Starts a stream with the decision's events; a taken id is refused (or recognised as this very
    /// message's).</summary>
    public async Task StartAsync<TAggregate>(
        IDocumentSession session, IMessageContext context, Guid id, Decision decision, CancellationToken ct) where TAggregate : class
    {
        if (decision.Rejection is { } rejection)
        {
            await AnswerAsync(context, CommandOutcome.Refused(id, rejection));
            return;
        }

        session.Events.StartStream<TAggregate>(id, decision.Events.ToArray());
        await CommitAsync(session, context, id, decision, decision.Events.Count, ct);
    }

    /// <summary>
    /// Refuses bad input before reading, then decides on the stream as read. FetchForWriting makes the append expect
    /// the version read here, so a concurrent writer fails the save (and Wolverine runs the handler again).
    /// </summary>
    public async Task AppendAsync<TAggregate>(
        IDocumentSession session, IMessageContext context, Guid id, FieldErrors inputErrors,
        Func<TAggregate?, Decision> decide, CancellationToken ct) where TAggregate : class
    {
        if (inputErrors.Any)
        {
            await AnswerAsync(context, CommandOutcome.Refused(id, Rejection.Invalid(inputErrors.ToDictionary())));
            return;
        }

        var stream = await session.Events.FetchForWriting<TAggregate>(id, ct);
        var decision = decide(stream.Aggregate);
        var current = stream.CurrentVersion ?? 0;
        if (decision.Rejection is { } rejection)
            await AnswerAsync(context, await RedeliveredOrRefused(session, context, id, rejection, ct));
        else if (decision.Events.Count == 0 && decision.Messages.Count == 0)
            await AnswerAsync(context, new CommandOutcome(id, current));
        else
        {
            stream.AppendMany(decision.Events);
            await CommitAsync(session, context, id, decision, current + decision.Events.Count, ct);
        }
    }

    /// <summary>
    /// Saves here rather than after the handler, to turn a store-enforced refusal into an outcome. The answer and the
    /// decision's messages are enqueued before the save, so the outbox stores them in the events' transaction and the
    /// flush after the commit sends them; on a refusal they are dropped and the refusal is the answer.
    /// </summary>
    private async Task CommitAsync(
        IDocumentSession session, IMessageContext context, Guid id, Decision decision, long version, CancellationToken ct)
    {
        // only a command that can arrive again needs its id on the events; an in-process invocation's is never asked
        // for
        if (context.Envelope is { } envelope && MayBeRedelivered(envelope) && CommandId(context) is { } commandId)
            session.SetHeader(CommandIdHeader, commandId);
        foreach (var message in decision.Messages)
        {
            if (message is ISendMyself sendsItself) await sendsItself.ApplyAsync(context);
            else await context.PublishAsync(message);
        }

        await AnswerAsync(context, new CommandOutcome(id, version));
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (rules.RefusalFor(e) is { } refusal)
        {
            // nothing of the refused command may be written or sent, by this save or the one Wolverine runs after the
            // handler
            session.EjectAllPendingChanges();
            await Context(context).ClearAllAsync();
            await AnswerAsync(context, await RedeliveredOrRefused(session, context, id, refusal, ct));
        }
    }

    /// <summary>A conflict caused by this very message's earlier delivery is its success, not a refusal.</summary>
    private async Task<CommandOutcome> RedeliveredOrRefused(
        IDocumentSession session, IMessageContext context, Guid id, Rejection rejection, CancellationToken ct)
    {
        if (rejection.Kind is RejectionKind.Conflict or RejectionKind.VersionMismatch
            && context.Envelope is { } envelope && MayBeRedelivered(envelope) && CommandId(context) is { } commandId)
        {
            // the stream's current version, if one of its events was appended by this command
            var current = await session.QueryAsync<long>(
                $"select s.version from {_schema}.mt_streams s where s.id = ? and exists (select 1 from {_schema}.mt_events e " +
                $"where e.stream_id = s.id and e.headers ->> '{CommandIdHeader}' = ?)", ct, id, commandId);
            if (current.Count > 0) return new CommandOutcome(id, current[0], AlreadyApplied: true);
        }

        return CommandOutcome.Refused(id, rejection);
    }

    private static string? CommandId(IMessageContext context) => context.Envelope switch
    {
        { } e when SendersKey(e) is { } key => key,
        { Id: var id } when id != Guid.Empty => id.ToString(),
        _ => null
    };

    private static string? SendersKey(Envelope envelope) =>
        envelope.Headers.TryGetValue(CommandIdHeader, out var key) && key is { Length: > 0 and <= 128 } ? key : null;

    /// <summary>
    /// Only a message that came through a queue (it may be delivered again) or carries the sender's key can have
    /// taken effect before; an in-process invocation (an HTTP request) has a new id, so its refusals skip the lookup.
    /// </summary>
    private static bool MayBeRedelivered(Envelope envelope) => envelope.Destination is not null
        || SendersKey(envelope) is not null;

    /// <summary>
    /// Only a sender waiting for the outcome gets it (HTTP's InvokeAsync, a remote request/reply): enqueued as the
    /// reply, Wolverine hands it to the in-process caller or sends it back through the outbox. A one-way message gets
    /// none, so nothing is published with no route. A refusal nobody waits for is logged at Information, one line; a
    /// waiting sender answers for it, so then it is Debug.
    /// </summary>
    private async Task AnswerAsync(IMessageContext context, CommandOutcome outcome)
    {
        var waiting = context.Envelope?.ReplyRequested is not null;
        if (outcome.Rejection is not null || outcome.AlreadyApplied)
        {
            var level = waiting ? LogLevel.Debug : LogLevel.Information;
            if (logger.IsEnabled(level))
                logger.Log(level, "{Command} {MessageId} on stream {StreamId}: {Result}",
                    context.Envelope?.MessageType, context.Envelope?.Id, outcome.Id,
                    outcome.Rejection is { } rejection ? $"refused, {rejection.Kind}: {rejection.Title}" : "already applied");
        }

        if (waiting) await Context(context).EnqueueCascadingAsync(outcome);
        else if (outcome.Rejection is { } refused && context.Envelope is { Destination: not null } command)
            await routes.PublishAsync(context, Rejected(command, CommandId(context), outcome.Id, refused));
    }

    /// <summary>
    /// A refused command that came through a queue with nobody waiting: its sender learns it from the bus, as a
    /// <see cref="EventBusNames.CommandRejected"/> event with the command's id and what HTTP would have answered.
    /// </summary>
    private EventEnvelope Rejected(Envelope command, string? commandId, Guid aggregateId, Rejection rejection) => new(
        Guid.CreateVersion7(), EventBusNames.CommandRejected, aggregateId, rejection.CurrentVersion ?? 0, 1,
        clock.GetUtcNow(),
        JsonSerializer.SerializeToElement(new
        {
            commandId,
            commandType = command.Message?.GetType().Name ?? command.MessageType,
            rejection.Kind,
            rejection.Title,
            rejection.Detail,
            rejection.Errors,
            rejection.CurrentVersion
        }, WireJson.Options),
        command.CorrelationId, commandId);

    private static MessageContext Context(IMessageContext context) => context as MessageContext
        ?? throw new InvalidOperationException($"{nameof(StreamCommands)} runs inside a Wolverine handler");
}
