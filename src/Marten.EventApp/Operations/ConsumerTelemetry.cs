using System.Diagnostics;
using JasperFx;
using JasperFx.CodeGeneration;
using JasperFx.CodeGeneration.Frames;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.EventBus;
using Marten.EventApp.Messaging;
using Wolverine;
using Wolverine.Configuration;
using Wolverine.Runtime.Handlers;

namespace Marten.EventApp.Operations;

// on each queue's own (sticky) chain too: that is where the events are handled
internal sealed class ConsumerTelemetryPolicy : IHandlerPolicy
{
    public void Apply(IReadOnlyList<HandlerChain> chains, GenerationRules rules, IServiceContainer container)
    {
        foreach (var chain in chains.Where(c => c.MessageType == typeof(EventEnvelope)))
        foreach (var consumer in chain.ByEndpoint.Append(chain))
            consumer.AddMiddleware(typeof(ConsumerTelemetry), nameof(ConsumerTelemetry.Before));
        foreach (var chain in chains.Where(c => BatchedEvents.IsBatch(c.MessageType)))
        {
            // after the frames that commit: the transaction policy runs first (AddMessaging before AddOperations)
            chain.Postprocessors.Add(new MethodCall(typeof(ConsumerBatchTelemetry),
                nameof(ConsumerBatchTelemetry.Count)));
        }
    }
}

// Wolverine's metrics count a batch, so its events are counted here once it has succeeded.
public static class ConsumerBatchTelemetry
{
    public const string Mixed = "mixed";

    public static Activity? Before(Envelope envelope, ConsumerNames consumers)
    {
        if (envelope.Message is not IBatchedEvent[] { Length: > 0 } batch) return null;
        var first = batch[0].Event.EventType;
        var eventType = batch.All(b => b.Event.EventType == first) ? first : Mixed;
        var handler = consumers.OfBatch(batch[0].GetType());
        if (WolverineInternals.MetricTags(envelope) is not { } tags
            || !tags.Exists(t => t.Key == Telemetry.EventTypeTag))
        {
            envelope.SetMetricsTag(Telemetry.EventTypeTag, eventType);
            envelope.SetMetricsTag(Telemetry.HandlerTag, handler);
        }

        // a span linked to each event's trace (OpenTelemetry's batch receive): Wolverine's span for the batch is not
        // reachable here, as the current span is the session's connection span, which knows only its parent's id
        var links = batch.Select(b =>
            ActivityContext.TryParse(b.TraceParent, null, out var c) ? new ActivityLink(c) : default)
            .Where(l => l.Context != default);
        return Telemetry.Source.StartActivity($"{handler} batch", ActivityKind.Consumer,
            Activity.Current?.Context ?? default,
            [new(Telemetry.EventTypeTag, eventType), new("messaging.batch.message_count", batch.Length)], links);
    }

    public static void Finally(Activity? span) => span?.Dispose();

    public static void Count(Envelope envelope, ConsumerNames consumers, EventMonitor monitor)
    {
        if (envelope.Message is not IBatchedEvent[] { Length: > 0 } batch) return;
        var handler = consumers.OfBatch(batch[0].GetType());
        foreach (var group in batch.GroupBy(b => b.Event.EventType)) monitor.RecordProcessed(group.Key, handler,
            group.Count());
    }
}

public static class ConsumerTelemetry
{
    public static void Before(Envelope envelope, EventEnvelope e, ConsumerNames consumers)
    {
        // a retry runs this again on the same envelope: one tag each, or the series would carry a label twice
        if (WolverineInternals.MetricTags(envelope) is not { } tags
            || !tags.Exists(t => t.Key == Telemetry.EventTypeTag))
        {
            envelope.SetMetricsTag(Telemetry.EventTypeTag, e.EventType);
            envelope.SetMetricsTag(Telemetry.HandlerTag, consumers.Of(envelope.Destination));
        }

        // the current span (Marten's connection span by now) up to the handler's
        for (var span = Activity.Current; span is not null; span = span.Source.Name == "Wolverine" ? null : span.Parent)
            span.SetTag("event.id", e.EventId).SetTag(Telemetry.EventTypeTag, e.EventType)
                .SetTag("event.aggregate_id", e.AggregateId);
    }
}
