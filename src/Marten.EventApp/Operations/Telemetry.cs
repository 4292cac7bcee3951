using Marten.EventApp.Messaging;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using JasperFx.OpenTelemetry;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.EventBus;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using JasperFx;
using JasperFx.CodeGeneration;
using JasperFx.CodeGeneration.Frames;
using Wolverine;
using Wolverine.Configuration;
using Wolverine.Runtime.Handlers;

namespace Marten.EventApp.Operations;

// the libraries' own instrumentation, plus only the few instruments they lack
public static class Telemetry
{
    public const string Name = "Marten.EventApp";
    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    // counted once the broker confirms, or once in the outbox when there is no broker
    public static readonly Counter<long> EventsPublished = Meter.CreateCounter<long>("eventapp.events.published",
        "{event}",
        "Events put on the bus, per event type");

    public static readonly Histogram<double> PublishDuration = Meter.CreateHistogram<double>(
        "eventapp.events.publish.duration", "ms",
        "Time to put an event on the bus, per event type");

    public static void RecordPublished(string eventType, long startedTimestamp)
    {
        var tag = new KeyValuePair<string, object?>(EventTypeTag, eventType);
        EventsPublished.Add(1, tag);
        PublishDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalMilliseconds, tag);
    }

    public const string EventTypeTag = "event.type";
    public const string HandlerTag = "handler";

    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        // spans are recorded only when exported: recording them for nobody costs the write path (BENCHMARKS.md)
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("marten-eventapp"))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                // Wolverine's meter is "Wolverine:{service name}"
                .AddMeter(Name, "Marten", "Wolverine*")
                .AddPrometheusExporter());
        if (otlp)
            otel.WithTracing(t => t
                    .AddAspNetCoreInstrumentation(o => o.Filter = http => !IsOperational(http.Request.Path))
                    .AddSource(Name, "Marten", "Wolverine"))
                .UseOtlpExporter();
        else builder.Services.AddHostedService<TraceContextPropagation>();

        builder.Logging.Configure(o =>
            o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId
                                        | ActivityTrackingOptions.ParentId | ActivityTrackingOptions.Tags);
        builder.Services.AddSingleton<ConsumerNames>();
        builder.Services.ConfigureMarten(opts =>
        {
            opts.OpenTelemetry.TrackEventCounters();
            if (otlp) opts.OpenTelemetry.TrackConnections = TrackLevel.Normal;
            opts.Listeners.Add(new TraceContextStamp());
        });
        builder.Services.ConfigureWolverine(opts =>
        {
            opts.Policies.Add<ConsumerTelemetryPolicy>();
            opts.Policies.AddMiddleware(typeof(ConsumerBatchTelemetry),
                chain => BatchedEvents.IsBatch(chain.MessageType));
        });
        return builder;
    }

    public static bool IsOperational(PathString path) => path.StartsWithSegments("/metrics")
        || path.StartsWithSegments("/health");

    public static ActivityContext ParentOf(JasperFx.Events.IEvent e) =>
        e.GetHeader(TraceContextStamp.Header)?.ToString() is { } traceParent
            && ActivityContext.TryParse(traceParent, null, out var context)
            ? context : default;
}

// Without an exporter, spans still exist as propagation data (not recorded): a caller's traceparent is continued,
// the trace id becomes the events' correlation id, and log scopes carry the trace and span ids.
internal sealed class TraceContextPropagation : IHostedService, IDisposable
{
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name is "Microsoft.AspNetCore" or "Wolverine" or Telemetry.Name,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData
    };

    public Task StartAsync(CancellationToken ct)
    {
        ActivitySource.AddActivityListener(_listener);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    public void Dispose() => _listener.Dispose();
}

// The forwarder reads an event later, on another thread or node: the stored traceparent lets it continue the trace.
internal sealed class TraceContextStamp : DocumentSessionListenerBase
{
    public const string Header = "traceparent";

    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
        {
            foreach (var stream in session.PendingChanges.Streams())
            foreach (var e in stream.Events)
                e.SetHeader(Header, activity.Id!);
        }

        return Task.CompletedTask;
    }
}

public sealed class ConsumerNames(IEnumerable<ConsumerQueue> queues)
{
    private readonly Dictionary<string, string> _handlers = queues.ToDictionary(q => q.Name, q => q.Handler);
    private readonly Dictionary<Type, string> _batched = queues.Where(q => q.Batch is not null)
        .ToDictionary(q => q.Batch!.Type, q => q.Handler);
    private readonly HashSet<string> _batchedHandlers =
        queues.Where(q => q.Batch is not null).Select(q => q.Handler).ToHashSet();

    // a batch runs on a queue of Wolverine's, not the consumer's
    public string OfBatch(Type eventType) => _batched.GetValueOrDefault(eventType, eventType.Name);

    public bool IsBatched(string handler) => _batchedHandlers.Contains(handler);

    public string Of(Uri? destination)
    {
        if (destination is null) return "unknown";
        // local://{queue}/ or rabbitmq://queue/{queue}
        var queue = destination.AbsolutePath.Trim('/') is { Length: > 0 } path ? path.Split('/')[^1] : destination.Host;
        return _handlers.GetValueOrDefault(queue, queue);
    }
}
