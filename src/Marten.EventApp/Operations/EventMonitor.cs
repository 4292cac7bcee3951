using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Wolverine;
using Wolverine.Runtime;

namespace Marten.EventApp.Operations;

public sealed record EventSystemHealth(
    string Status,
    IReadOnlyList<string> Reasons,
    IReadOnlyList<ProcessedEvents> ProcessedEvents,
    IReadOnlyList<RecentErrors> RecentErrors,
    DateTimeOffset Timestamp);

public sealed record ProcessedEvents(string EventType, string Handler, long Count);

// retries count: each attempt that threw is a failure
public sealed record RecentErrors(string EventType, string Handler, int Count, string? LastExceptionType,
    DateTimeOffset LastFailedAt);

public sealed record Alert(string Severity, string Message, string EventType, string Handler, int ErrorCount,
    TimeSpan Window,
    string? ExceptionType, DateTimeOffset At);

public interface IAlertSink
{
    Task SendAsync(Alert alert, CancellationToken ct);
}

// Counts and alerts come from Wolverine's own metrics, which ConsumerTelemetry tags with the event type and handler.
public sealed class EventMonitor : IHostedService, IDisposable
{
    private readonly MonitoringOptions _options;
    private readonly TimeProvider _clock;
    private readonly IEnumerable<IAlertSink> _sinks;
    private readonly ILogger<EventMonitor> _logger;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string EventType, string Handler), long> _processed = new();
    private readonly ConcurrentDictionary<(string EventType, string Handler), FailureWindow> _failures = new();
    private readonly Channel<Alert> _alerts =
        Channel.CreateUnbounded<Alert>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<string, bool> _batched;
    private Task? _sending;
    private long _raised;

    public long AlertsRaised => Interlocked.Read(ref _raised);

    // this runtime's meter only: other hosts in the same process (tests) are not counted
    public EventMonitor(MonitoringOptions options, TimeProvider clock, IEnumerable<IAlertSink> sinks,
        ILogger<EventMonitor> logger,
        IWolverineRuntime runtime, ConsumerNames consumers)
        : this(options, clock, sinks, logger, meter => meter == runtime.Meter, consumers.IsBatched)
    {
    }

    internal EventMonitor(MonitoringOptions options, TimeProvider clock, IEnumerable<IAlertSink> sinks,
        ILogger<EventMonitor> logger,
        Func<Meter, bool> watched, Func<string, bool>? batched = null)
    {
        (_options, _clock, _sinks, _logger) = (options, clock, sinks, logger);
        _batched = batched ?? (_ => false);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (watched(instrument.Meter)
                && instrument.Name is MetricsConstants.MessagesSucceeded or MetricsConstants.MessagesFailed)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) =>
            OnMeasurement(instrument.Name, value, tags));
    }

    public Task StartAsync(CancellationToken ct)
    {
        _listener.Start();
        _sending = Task.Run(SendAlertsAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken ct)
    {
        _listener.Dispose();
        _alerts.Writer.TryComplete();
        if (_sending is not null) await _sending.WaitAsync(ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(string instrument, int value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? eventType = null, handler = null, exception = null;
        foreach (var (key, tag) in tags)
        {
            if (key == Telemetry.EventTypeTag) eventType = tag as string;
            else if (key == Telemetry.HandlerTag) handler = tag as string;
            else if (key == MetricsConstants.ExceptionType) exception = tag as string;
        }

        if (eventType is null || handler is null) return;  // not a bus consumer's message
        if (instrument != MetricsConstants.MessagesSucceeded) RecordFailure(eventType, handler, exception);
        // a batched consumer's success is a batch: its events are counted by ConsumerBatchTelemetry
        else if (!_batched(handler)) RecordProcessed(eventType, handler, value);
    }

    public void RecordProcessed(string eventType, string handler, long count) =>
        _processed.AddOrUpdate((eventType, handler), count, (_, n) => n + count);

    internal void RecordFailure(string eventType, string handler, string? exceptionType)
    {
        var now = _clock.GetUtcNow();
        var window = _failures.GetOrAdd((eventType, handler), _ => new FailureWindow());
        int count;
        bool raise;
        lock (window)
        {
            window.Drop(now - _options.ErrorWindow);
            // a storm of failures keeps the newest MaxTracked: counts above it read as that many
            if (window.Times.Count >= MaxTracked) window.Times.Dequeue();
            window.Times.Enqueue(now);
            window.LastExceptionType = exceptionType;
            count = window.Times.Count;
            // once per window: a consumer failing for an hour raises one alert every ErrorWindow, not one per failure
            raise = count > _options.ErrorThreshold
                && (window.LastAlertAt is not { } last || now - last >= _options.ErrorWindow);
            if (raise) window.LastAlertAt = now;
        }

        if (!raise) return;
        Raise(new Alert("HIGH", $"High error rate for event processing: {eventType}.{handler}", eventType, handler,
                count, _options.ErrorWindow, exceptionType, now));
    }

    // sent in the background: a slow webhook never holds the caller
    internal void Raise(Alert alert)
    {
        Interlocked.Increment(ref _raised);
        _alerts.Writer.TryWrite(alert);
    }

    private async Task SendAlertsAsync()
    {
        await foreach (var alert in _alerts.Reader.ReadAllAsync())
        foreach (var sink in _sinks)
        {
            try
            {
                await sink.SendAsync(alert, CancellationToken.None);
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Alert sink {Sink} failed to send an alert", sink.GetType().Name);
            }
        }
    }

    public IReadOnlyList<ProcessedEvents> Processed() =>
        _processed.Select(p => new ProcessedEvents(p.Key.EventType, p.Key.Handler, p.Value))
            .OrderBy(p => p.EventType).ThenBy(p => p.Handler).ToList();

    public IReadOnlyList<RecentErrors> Recent()
    {
        var since = _clock.GetUtcNow() - _options.ErrorWindow;
        var recent = new List<RecentErrors>();
        foreach (var ((eventType, handler), window) in _failures)
            lock (window)
            {
                window.Drop(since);
                if (window.Times.Count > 0)
                    recent.Add(new RecentErrors(eventType, handler, window.Times.Count, window.LastExceptionType,
                        window.Times.Last()));
            }

        return recent.OrderByDescending(r => r.Count).ToList();
    }

    public const int MaxTracked = 10_000;

    private sealed class FailureWindow
    {
        public Queue<DateTimeOffset> Times { get; } = new();
        public string? LastExceptionType { get; set; }
        public DateTimeOffset? LastAlertAt { get; set; }

        public void Drop(DateTimeOffset before)
        {
            while (Times.Count > 0 && Times.Peek() < before) Times.Dequeue();
        }
    }
}

public sealed class LogAlertSink(ILogger<LogAlertSink> logger) : IAlertSink
{
    public Task SendAsync(Alert alert, CancellationToken ct)
    {
        logger.LogCritical("ALERT {Severity}: {Message}: {ErrorCount} failures within {Window} (last {ExceptionType})",
            alert.Severity, alert.Message, alert.ErrorCount, alert.Window, alert.ExceptionType);
        return Task.CompletedTask;
    }
}

// a client from the factory for each alert: the factory recycles its handlers
public sealed class WebhookAlertSink(IHttpClientFactory clients, MonitoringOptions options) : IAlertSink
{
    public async Task SendAsync(Alert alert, CancellationToken ct)
    {
        using var http = clients.CreateClient(nameof(WebhookAlertSink));
        using var response = await http.PostAsJsonAsync(options.AlertWebhook, alert, ct);
        response.EnsureSuccessStatusCode();
    }
}
