namespace Marten.EventApp.Operations;

/// <summary>The "EventApp:Monitoring" section: what the service watches, how often, and when it calls for
/// attention.</summary>
public sealed class MonitoringOptions
{
    public const string Section = "EventApp:Monitoring";

    /// <summary>How often the store is read for the gauges and readiness: sagas by state, projection lag, outbox, dead
    /// letters.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Readiness is Degraded while an async projection or subscription is further behind than this.</summary>
    public TimeSpan ProjectionLagDegraded { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Readiness is Degraded with more dead letters than this.</summary>
    public long DeadLettersDegraded { get; set; } = 100;

    /// <summary>Readiness is Degraded with more events than this parked in sequences behind dead letters.</summary>
    public long ParkedEventsDegraded { get; set; } = 1_000;

    /// <summary>Readiness is Degraded while a message has waited in the outbox longer than this (a stuck
    /// outbox).</summary>
    public TimeSpan OutboxAgeDegraded { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The sliding window of the error-rate alert and of the recent errors in
    /// <c>/api/monitoring/events</c>.</summary>
    public TimeSpan ErrorWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>More failures than this of one (event type, handler) within <see cref="ErrorWindow"/> raise one alert
    /// for the window.</summary>
    public int ErrorThreshold { get; set; } = 10;

    /// <summary>
    /// How long an answer of <c>/health/ready</c> and <c>/health</c> is served again to callers without a token, so a
    /// flood of probes runs the checks (database and broker round trips) once per this time.
    /// </summary>
    public TimeSpan HealthCache { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>When set, alerts are also POSTed as JSON to this URL (besides the Critical log entry).</summary>
    public Uri? AlertWebhook { get; set; }

    public static MonitoringOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<MonitoringOptions>() ?? new();
}
