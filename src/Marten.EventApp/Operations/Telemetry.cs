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

/// <summary>
/// OpenTelemetry: the libraries' own instrumentation (ASP.NET Core, Wolverine, Marten, the runtime) plus the few
/// instruments they lack, <c>/metrics</c> for Prometheus, and OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
public static class Telemetry
{
    public const string Name = "Marten.EventApp";
    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    /// <summary>
    /// Events the forwarder put on the bus (confirmed by the broker, or in the outbox without one), per event type.
    /// </summary>
    public static readonly Counter<long> EventsPublished = Meter.CreateCounter<long>("eventapp.events.published",
        "{event}",
        "Events put on the bus, per event type");

    /// <summary>From the start of a page's publication to the broker's confirm of each event.</summary>
    public static readonly Histogram<double> PublishDuration = Meter.CreateHistogram<double>("eventapp.events.publish.duration", "ms",
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
        // spans are recorded only when they go somewhere: recording them for nobody cost a tenth of bench row 1c
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

        // each log entry's scope: the trace and span ids and the current span's tags (message id, event id and type)
        builder.Logging.Configure(o =>
            o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId
                                                                   | ActivityTrackingOptions.ParentId | ActivityTrackingOptions.Tags);
        builder.Services.AddSingleton<ConsumerNames>();
        builder.Services.ConfigureMarten(opts =>
        {
            // marten.event.append per event type, and a span per connection (the append inside the handler's span)
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

    /// <summary>Scrapes and probes stay out of the traces.</summary>
    public static bool IsOperational(PathString path) => path.StartsWithSegments("/metrics")
        || path.StartsWithSegments("/health");

    /// <summary>The W3C trace context an event was stored under (<see cref="TraceContextStamp"/>), if any.</summary>
    public static ActivityContext ParentOf(JasperFx.Events.IEvent e) =>
        e.GetHeader(TraceContextStamp.Header)?.ToString() is { } traceParent
            && ActivityContext.TryParse(traceParent, null, out var context)
            ? context : default;
}

/// <summary>
/// Without an exporter, spans are still created but not recorded (sampled as propagation data only): a caller's
/// <c>traceparent</c> is continued, the trace id becomes the events' correlation id, Wolverine carries the context from
/// the request to the consumers and sagas, and log scopes carry the trace and span ids. Nothing is collected.
/// </summary>
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

/// <summary>
/// Stores the trace context of the code appending an event on the event (header <c>traceparent</c>), so that the
/// forwarder, which reads the event later on another thread or node, continues the same trace to the consumers.
/// </summary>
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

/// <summary>The consumer (handler type) behind each bus queue, for the <c>handler</c> tag.</summary>
public sealed class ConsumerNames(IEnumerable<ConsumerQueue> queues)
{
    private readonly Dictionary<string, string> _handlers = queues.ToDictionary(q => q.Name, q => q.Handler);
    private readonly Dictionary<Type, string> _batched = queues.Where(q => q.Batch is not null)
        .ToDictionary(q => q.Batch!.Type, q => q.Handler);
    private readonly HashSet<string> _batchedHandlers =
        queues.Where(q => q.Batch is not null).Select(q => q.Handler).ToHashSet();

    /// <summary>
    /// The consumer whose events a batch holds (a batch runs on a queue of Wolverine's, not the consumer's).
    /// </summary>
    public string OfBatch(Type eventType) => _batched.GetValueOrDefault(eventType, eventType.Name);

    /// <summary>
    /// Whether the consumer takes its events in batches: Wolverine then counts a batch, not its events.
    /// </summary>
    public bool IsBatched(string handler) => _batchedHandlers.Contains(handler);

    public string Of(Uri? destination)
    {
        if (destination is null) return "unknown";
        // local://{queue}/ or rabbitmq://queue/{queue}
        var queue = destination.AbsolutePath.Trim('/') is { Length: > 0 } path ? path.Split('/')[^1] : destination.Host;
        return _handlers.GetValueOrDefault(queue, queue);
    }
}
