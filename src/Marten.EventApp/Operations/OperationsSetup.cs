using Marten.EventApp.Http;
using Wolverine;

namespace Marten.EventApp.Operations;

/// <summary>Operations: telemetry, the store's gauges, health, the event system's health and its error-rate alert.</summary>
public static class OperationsSetup
{
    public static WebApplicationBuilder AddOperations(this WebApplicationBuilder builder)
    {
        var options = MonitoringOptions.From(builder.Configuration);
        builder.Services.AddSingleton(options);
        builder.AddTelemetry();
        builder.Services.AddSingleton<OperationsSnapshot>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OperationsSnapshot>());
        builder.Services.AddSingleton<EventMonitor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EventMonitor>());
        builder.Services.AddSingleton<IAlertSink, LogAlertSink>();
        if (options.AlertWebhook is not null)
        {
            builder.Services.AddHttpClient(nameof(WebhookAlertSink), c => c.Timeout = TimeSpan.FromSeconds(10));
            builder.Services.AddSingleton<IAlertSink, WebhookAlertSink>();
        }
        builder.AddHealth();
        // the outbox rows get a timestamp (the outbox age gauge and check); a row older than this is released to be
        // sent again by any node, as when its sender died: at-least-once, the consumers' inboxes drop the repeat
        builder.Services.ConfigureWolverine(opts => opts.Durability.OutboxStaleTime = TimeSpan.FromHours(1));
        return builder.AddEndpoints(app =>
        {
            app.ServiceProvider.GetRequiredService<OperationsSnapshot>().PublishGauges();
            app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();  // scrapers come without credentials; no label holds personal data
            app.MapHealth();
            app.MapGet("/api/monitoring/events", Events).WithTags("Monitoring").WithName("GetEventSystemHealth");
        });
    }

    /// <summary>The seed's <c>getHealthStatus()</c>, from the metrics and the latest store reading.</summary>
    internal static EventSystemHealth Events(EventMonitor monitor, OperationsSnapshot snapshot, MonitoringOptions options, TimeProvider clock)
    {
        var recent = monitor.Recent();
        var unhealthy = new List<string>();
        var degraded = new List<string>();
        if (snapshot.Error is { } error) unhealthy.Add($"the store cannot be read: {error.Message}");
        foreach (var r in recent)
            (r.Count > options.ErrorThreshold ? unhealthy : degraded).Add($"{r.EventType}.{r.Handler}: {r.Count} failures within {options.ErrorWindow}");
        if (snapshot.Reading is { } reading)
        {
            foreach (var p in reading.Projections.Where(p => p.Lifecycle == "async" && p.LagSeconds > options.ProjectionLagDegraded.TotalSeconds))
                degraded.Add($"projection {p.Name} is {p.LagSeconds:0} s behind");
            if (reading.DeadLetters > options.DeadLettersDegraded) degraded.Add($"{reading.DeadLetters} dead letters");
            if (reading.OutboxOldestSeconds > options.OutboxAgeDegraded.TotalSeconds)
                degraded.Add($"a message has waited {reading.OutboxOldestSeconds:0} s in the outbox");
        }

        var status = unhealthy.Count > 0 ? "UNHEALTHY" : degraded.Count > 0 ? "DEGRADED" : "HEALTHY";
        return new EventSystemHealth(status, [.. unhealthy, .. degraded], monitor.Processed(), recent, clock.GetUtcNow());
    }
}
