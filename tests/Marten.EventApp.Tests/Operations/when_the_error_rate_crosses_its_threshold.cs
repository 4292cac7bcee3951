using Marten.EventApp.Operations;
using Microsoft.Extensions.Logging.Abstractions;

namespace Marten.EventApp.Tests.Operations;

// on a clock the test moves through the sliding window
public sealed class when_the_error_rate_crosses_its_threshold
{
    private readonly Clock _clock = new() { Now = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero) };
    private readonly Sink _sink = new();
    private readonly MonitoringOptions _options = new() { ErrorWindow = TimeSpan.FromMinutes(5), ErrorThreshold = 10 };

    private async Task<IReadOnlyList<Alert>> Failures(Action<EventMonitor> fail)
    {
        var monitor = new EventMonitor(_options, _clock, [_sink], NullLogger<EventMonitor>.Instance, _ => false);
        await monitor.StartAsync(CancellationToken.None);
        fail(monitor);
        await monitor.StopAsync(CancellationToken.None);
        return _sink.Alerts;
    }

    [Fact]
    public async Task ten_failures_raise_nothing_the_eleventh_one_alert_and_the_rest_of_the_window_no_more()
    {
        var alerts = await Failures(m =>
        {
            for (var i = 0; i < 10; i++) m.RecordFailure("UserRegistered", "UserActivityHandler", "TimeoutException");
            Assert.Empty(_sink.Alerts);
            for (var i = 0; i < 30; i++)
            {
                _clock.Now += TimeSpan.FromSeconds(1);
                m.RecordFailure("UserRegistered", "UserActivityHandler", "TimeoutException");
            }
        });

        var alert = Assert.Single(alerts);
        Assert.Equal(("UserRegistered", "UserActivityHandler", 11, "TimeoutException"),
            (alert.EventType, alert.Handler, alert.ErrorCount, alert.ExceptionType));
    }

    [Fact]
    public async Task failures_spread_wider_than_the_window_never_alert()
    {
        var alerts = await Failures(m =>
        {
            for (var i = 0; i < 100; i++)
            {
                _clock.Now += TimeSpan.FromSeconds(31);  // ten within any five minutes
                m.RecordFailure("UserRegistered", "UserActivityHandler", null);
            }
        });

        Assert.Empty(alerts);
    }

    [Fact]
    public async Task a_consumer_that_keeps_failing_alerts_once_per_window_and_each_pair_on_its_own()
    {
        var alerts = await Failures(m =>
        {
            for (var i = 0; i < 120; i++)
            {
                _clock.Now += TimeSpan.FromSeconds(10);  // 20 minutes, 30 failures every window
                m.RecordFailure("UserRegistered", "UserActivityHandler", null);
                m.RecordFailure("OrderCreated", "OrderProcessTrigger", null);
            }
        });

        Assert.Equal(4, alerts.Count(a => a.Handler == "UserActivityHandler"));
        Assert.Equal(4, alerts.Count(a => a.Handler == "OrderProcessTrigger"));
    }

    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class Sink : IAlertSink
    {
        private readonly List<Alert> _alerts = [];
        public IReadOnlyList<Alert> Alerts { get { lock (_alerts) return [.. _alerts]; } }

        public Task SendAsync(Alert alert, CancellationToken ct)
        {
            lock (_alerts) _alerts.Add(alert);
            return Task.CompletedTask;
        }
    }
}
