using System.Text.Json;
using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.EventBus;
using Marten.EventApp.Persistence;
using Wolverine;
using Wolverine.Runtime;

namespace Marten.EventApp.Messaging;

// Store-enforced rules become refusals, not exceptions. A redelivery that already took effect is recognised
// by the command-id header on its events: the sender's idempotency key when given, else the message id.
public sealed class StreamCommands(StoreRules rules, IDocumentStore store, EventRoutes routes, TimeProvider clock,
    ILogger<StreamCommands> logger)
{
    public const string CommandIdHeader = "command-id";
    private readonly string _schema = store.Options.Events.DatabaseSchemaName;

    public async Task StartAsync<TAggregate>(
        IDocumentSession session, IMessageContext context, Guid id, Decision decision, CancellationToken ct)
        where TAggregate : class
    {
        if (decision.Rejection is { } rejection)
        {
            await AnswerAsync(context, CommandOutcome.Refused(id, rejection));
            return;
        }

        session.Events.StartStream<TAggregate>(id, decision.Events.ToArray());
        await CommitAsync(session, context, id, decision, decision.Events.Count, ct);
    }

    // FetchForWriting makes the append expect the version read here: a concurrent writer fails the save, and
    // Wolverine runs the handler again
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

    // Saves here, not after the handler, to turn a store-enforced refusal into an outcome. The answer and
    // messages are enqueued first so the outbox stores them in the events' transaction; a refusal drops them.
    private async Task CommitAsync(
        IDocumentSession session, IMessageContext context, Guid id, Decision decision, long version,
        CancellationToken ct)
    {
        // only a command that can arrive again needs its id on the events
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
            // nothing of the refused command may be written or sent, by this save or Wolverine's after the handler
            session.EjectAllPendingChanges();
            await Context(context).ClearAllAsync();
            await AnswerAsync(context, await RedeliveredOrRefused(session, context, id, refusal, ct));
        }
    }

    // a conflict caused by this very message's earlier delivery is its success, not a refusal
    private async Task<CommandOutcome> RedeliveredOrRefused(
        IDocumentSession session, IMessageContext context, Guid id, Rejection rejection, CancellationToken ct)
    {
        if (rejection.Kind is RejectionKind.Conflict or RejectionKind.VersionMismatch
            && context.Envelope is { } envelope && MayBeRedelivered(envelope) && CommandId(context) is { } commandId)
        {
            var current = await session.QueryAsync<long>(
                $"select s.version from {_schema}.mt_streams s where s.id = ? and exists " +
                $"(select 1 from {_schema}.mt_events e " +
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

    // an in-process invocation (an HTTP request) has a new id, so its refusals skip the lookup
    private static bool MayBeRedelivered(Envelope envelope) => envelope.Destination is not null
        || SendersKey(envelope) is not null;

    // only a waiting sender gets the outcome: a one-way message has no route for it. A refusal nobody waits
    // for is logged at Information; a waiting sender answers for it, so then it is Debug.
    private async Task AnswerAsync(IMessageContext context, CommandOutcome outcome)
    {
        var waiting = context.Envelope?.ReplyRequested is not null;
        if (outcome.Rejection is not null || outcome.AlreadyApplied)
        {
            var level = waiting ? LogLevel.Debug : LogLevel.Information;
            if (logger.IsEnabled(level))
                logger.Log(level, "{Command} {MessageId} on stream {StreamId}: {Result}",
                    context.Envelope?.MessageType, context.Envelope?.Id, outcome.Id,
                    outcome.Rejection is { } rejection
                        ? $"refused, {rejection.Kind}: {rejection.Title}"
                        : "already applied");
        }

        if (waiting) await Context(context).EnqueueCascadingAsync(outcome);
        else if (outcome.Rejection is { } refused && context.Envelope is { Destination: not null } command)
            await routes.PublishAsync(context, Rejected(command, CommandId(context), outcome.Id, refused));
    }

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
