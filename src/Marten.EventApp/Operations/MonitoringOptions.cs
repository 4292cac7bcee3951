namespace Marten.EventApp.Operations;

public sealed class MonitoringOptions
{
    public const string Section = "EventApp:Monitoring";

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan ProjectionLagDegraded { get; set; } = TimeSpan.FromMinutes(1);

    public long DeadLettersDegraded { get; set; } = 100;

    public long ParkedEventsDegraded { get; set; } = 1_000;

    public TimeSpan OutboxAgeDegraded { get; set; } = TimeSpan.FromMinutes(2);

    public TimeSpan ErrorWindow { get; set; } = TimeSpan.FromMinutes(5);

    public int ErrorThreshold { get; set; } = 10;

    // a flood of anonymous probes runs the checks (database and broker round trips) once per this time
    public TimeSpan HealthCache { get; set; } = TimeSpan.FromSeconds(2);

    public Uri? AlertWebhook { get; set; }

    public static MonitoringOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<MonitoringOptions>() ?? new();
}
