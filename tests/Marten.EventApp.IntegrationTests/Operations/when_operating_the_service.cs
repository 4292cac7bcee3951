using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Alba;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Operations;
using Marten.EventApp.Users;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Marten.EventApp.IntegrationTests.Operations;

[Collection(AppCollection.Name)]
public sealed class when_operating_the_service(AppFixture fixture)
{
    private IAlbaHost Host => fixture.Host;

    [Fact]
    public async Task metrics_carry_the_event_type_and_handler_and_never_an_email()
    {
        var email = UserScenarios.UniqueEmail("metrics");
        var user = await Host.RegisteredUser(email);
        await Host.ActivityOf(user.Id);

        var scrape = await Tracking.Eventually(async () =>
        {
            var text = await Host.GetAsText("/metrics");
            return text.Contains("eventapp_projection_lag") ? text : null;
        });
        var series = scrape.Split('\n').Where(l => !l.StartsWith('#')).ToList();
        bool Has(string name, params string[] labels) =>
            series.Any(l => l.StartsWith(name + "{") && labels.All(l.Contains));

        Assert.True(Has("marten_event_append_events_total", "event_type=\"user_registered_v2\""),
            "events appended per type");
        Assert.True(Has("eventapp_events_published_total", "event_type=\"UserRegistered\""),
            "events published per type");
        Assert.True(Has("eventapp_events_publish_duration_milliseconds_bucket", "event_type=\"UserRegistered\""),
            "publish duration");
        Assert.True(Has("wolverine_messages_succeeded_Messages_total", "event_type=\"UserRegistered\"",
            "handler=\"UserActivityHandler\""),
            "events processed per (event type, handler)");
        Assert.True(Has("wolverine_execution_time_Milliseconds_bucket", "event_type=\"UserRegistered\"",
            "handler=\"UserActivityHandler\""),
            "processing duration per (event type, handler)");
        Assert.True(Has("eventapp_projection_lag_seconds", "projection=\"Analytics\""), "projection lag");
        Assert.True(Has("eventapp_outbox_oldest_age_seconds"), "outbox age");
        // the counts are Wolverine's own gauges, not counted again
        foreach (var count in new[] { "inbox", "outbox", "scheduled" })
            Assert.True(Has($"wolverine_{count}_count_Messages"), $"{count} count");
        Assert.False(Has("eventapp_outbox_messages"), "the outbox counted twice");
        Assert.True(Has("eventapp_dead_letters"), "dead letters");
        Assert.True(Has("http_server_request_duration_seconds_bucket"), "ASP.NET Core's own");
        Assert.DoesNotContain(email, scrape);
        Assert.DoesNotContain("@", string.Join('\n', series));
    }

    [Fact]
    public async Task one_trace_runs_from_the_request_through_the_append_and_the_bus_to_the_consumer()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Wolverine" or "Marten" or Telemetry.Name or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add
        };
        ActivitySource.AddActivityListener(listener);

        var traceId = ActivityTraceId.CreateRandom();
        var result = await Host.Scenario(x =>
        {
            x.WithRequestHeader("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
            x.Post.Json(new { email = UserScenarios.UniqueEmail("trace"), firstName = "Tra", lastName = "Ce" })
                .ToUrl("/api/users");
            x.StatusCodeShouldBe(201);
        });
        var user = (await result.ReadAsJsonAsync<UserVersion>())!;
        await Host.ActivityOf(user.Id);

        List<Activity> Mine() => spans.Where(s => s.TraceId == traceId).ToList();
        List<Activity> trace;
        try
        {
            trace = await Tracking.Eventually(async () =>
            {
                await Task.Yield();
                // the consumer takes its events in batches: the batch's span links to the trace of each, and is tagged
                // with the event type; it is in the trace of Wolverine's span for the consumer's batch
                var batch = spans.FirstOrDefault(s => s.Source.Name == Telemetry.Name
                                                      && s.OperationName == $"{nameof(UserActivityHandler)} batch"
                                                      && Equals(s.GetTagItem(Telemetry.EventTypeTag), "UserRegistered")
                                                      && s.Links.Any(l => l.Context.TraceId == traceId));
                return batch is not null && spans.Any(s => s.TraceId == batch.TraceId && s.Source.Name == "Wolverine"
                                                           && Equals(s.GetTagItem("handler.type"),
                                                               typeof(UserActivityHandler).FullName))
                    ? Mine() : null;
            });
        }
        catch (TimeoutException)
        {
            Assert.Fail("the trace: " + string.Join("\n",
                Mine().Concat(spans.Where(s =>
                s.TagObjects.Any(t => t.Value?.ToString()?.Contains("ActivityEvent") == true)
                && s.TraceId != traceId)).Select(s =>
                $"{s.Source.Name} {s.OperationName} {s.Kind} " +
                $"[{string.Join(", ", s.TagObjects.Select(t => $"{t.Key}={t.Value}"))}] " +
                $"links: {string.Join(", ", s.Links.Select(l => l.Context.TraceId))}")));
            throw;
        }

        Assert.Contains(trace, s => s.Source.Name == "Microsoft.AspNetCore");
        Assert.Contains(trace, s => s.Source.Name == "Wolverine" && s.OperationName.Contains("RegisterUser"));
        Assert.Contains(trace, s => s.Source.Name == "Marten");
        Assert.Contains(trace, s => s.Source.Name == Telemetry.Name && s.Kind == ActivityKind.Producer);

        // the correlation id stored on the event is the trace's
        var stored = Assert.Single(await Host.StoredEvents(user.Id));
        Assert.Equal(traceId.ToString(), stored.CorrelationId);
    }

    [Fact]
    public async Task liveness_and_readiness_answer_with_a_json_body_per_check()
    {
        var live = await Host.Scenario(x => x.Get.Url("/health/live"));
        Assert.Equal("Healthy", (await live.ReadAsJsonAsync<JsonElement>()).GetProperty("status").GetString());

        var ready = await Host.Scenario(x => x.Get.Url("/health/ready"));
        var body = await ready.ReadAsJsonAsync<JsonElement>();
        var checks = body.GetProperty("checks");
        foreach (var check in new[] { "postgres", "projections", "dead-letters", "outbox" })
            Assert.True(checks.TryGetProperty(check, out _), $"readiness has no {check} check: {body}");
        Assert.Equal("Healthy", checks.GetProperty("postgres").GetProperty("status").GetString());
        // the answer is its worst check's (other tests of this host may have left dead letters: Degraded)
        var worst = checks.EnumerateObject()
            .Min(c => Enum.Parse<HealthStatus>(c.Value.GetProperty("status").GetString()!));
        Assert.Equal(worst.ToString(), body.GetProperty("status").GetString());

        await Host.Scenario(x =>
        {
            x.Get.Url("/health");
            x.StatusCodeShouldBeOk();
        });
    }

    [Fact]
    public async Task probes_without_a_token_share_a_cached_answer_and_a_caller_with_one_has_the_checks_run()
    {
        var probe = Host.Server.CreateClient();
        using var first = await probe.GetAsync("/health/ready");
        using var second = await probe.GetAsync("/health/ready");

        // the second probe got the first's answer again (the output cache says how old it is)
        Assert.NotNull(second.Headers.Age);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        using var detailed = await Host.AdminClient().GetAsync("/health/ready");
        Assert.Null(detailed.Headers.Age);
    }

    [Fact]
    public async Task the_event_system_health_counts_what_each_consumer_processed()
    {
        var user = await Host.RegisteredUser();
        await Host.ActivityOf(user.Id);

        var health = await Tracking.Eventually(async () =>
        {
            var h = await Host.GetAsJson<EventSystemHealth>("/api/monitoring/events");
            return h!.ProcessedEvents.Any(p =>
                p is { EventType: "UserRegistered", Handler: "UserActivityHandler", Count: > 0 }) ? h : null;
        });
        Assert.Contains(health.Status, new[] { "HEALTHY", "DEGRADED", "UNHEALTHY" });
        Assert.Equal(health.Status == "HEALTHY", health.Reasons.Count == 0);
    }
}
