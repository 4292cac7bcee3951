using Marten.EventApp.Http;
using Marten.EventApp.Security;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Wolverine;

namespace Marten.EventApp.Operations;

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
        // outbox rows get a timestamp (for the age gauge); an older row is sent again by any node, as when its sender
        // died: at-least-once, and the consumers' inboxes drop the repeat
        builder.Services.ConfigureWolverine(opts => opts.Durability.OutboxStaleTime = TimeSpan.FromHours(1));
        return builder.AddEndpoints(app =>
        {
            app.ServiceProvider.GetRequiredService<OperationsSnapshot>().PublishGauges();
            app.MapPrometheusScrapingEndpoint("/metrics")
                .AllowAnonymous();  // scrapers come without credentials; no label holds personal data
            app.MapHealth();
            app.MapGet("/api/monitoring/events", Events).WithTags("Monitoring").WithName("GetEventSystemHealth")
                .RequireScope(Scopes.OperationsRead, anyOwner: true);
        });
    }

    // the readiness checks' own verdicts, so this answer and /health/ready never disagree
    internal static async Task<EventSystemHealth> Events(EventMonitor monitor, HealthCheckService health,
        MonitoringOptions options,
        TimeProvider clock, CancellationToken ct)
    {
        var ready = await health.CheckHealthAsync(c => c.Tags.Contains(Health.Ready), ct);
        var recent = monitor.Recent();
        var unhealthy = new List<string>();
        var degraded = new List<string>();
        foreach (var (name, check) in ready.Entries.Where(e => e.Value.Status != HealthStatus.Healthy))
            (check.Status == HealthStatus.Unhealthy ? unhealthy : degraded)
                .Add($"{name}: {check.Description ?? check.Exception?.Message}");
        foreach (var r in recent)
            (r.Count > options.ErrorThreshold ? unhealthy : degraded)
                .Add($"{r.EventType}.{r.Handler}: {r.Count} failures within {options.ErrorWindow}");

        var status = unhealthy.Count > 0 ? "UNHEALTHY" : degraded.Count > 0 ? "DEGRADED" : "HEALTHY";
        return new EventSystemHealth(status, [.. unhealthy, .. degraded], monitor.Processed(), recent,
            clock.GetUtcNow());
    }
}
