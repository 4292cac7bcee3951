using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Alba;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.EventBus;
using Marten.EventApp.IntegrationTests.EventBus;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Onboarding;
using Marten.EventApp.Operations;
using Marten.EventApp.Sagas;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Wolverine;

namespace Marten.EventApp.IntegrationTests.Operations;

[Collection(OwnHostsCollection.Name)]
public sealed class when_things_go_wrong
{
    [Fact]
    public async Task readiness_turns_unhealthy_while_postgresql_is_away_and_healthy_when_it_returns()
    {
        // a database of its own: the outage must not reach the other tests' hosts
        var database = "eventapp_outage_" + Guid.NewGuid().ToString("N")[..8];
        var admin = await TestDatabase.ConnectionString();
        await Sql(admin, $"create database {database}");
        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString;
        await Sql(connectionString, "create extension if not exists pg_trgm");
        try
        {
            await using (var host = await TestHost.StartAsync("eventapp", settings: new Dictionary<string, string>
                         {
                             ["ConnectionStrings:Marten"] = connectionString,
                             ["EventApp:Monitoring:PollInterval"] = "00:00:01"
                         }))
            {
                Assert.Equal(HttpStatusCode.OK, (await Ready(host)).Status);

                await Sql(admin, $"alter database {database} allow_connections false");
                await Sql(admin,
                    $"select pg_terminate_backend(pid) from pg_stat_activity where datname = '{database}'");
                var down = await Tracking.Eventually(async () =>
                    await Ready(host) is { Status: HttpStatusCode.ServiceUnavailable } r ? r : null);
                Assert.Equal("Unhealthy",
                    down.Body.GetProperty("checks").GetProperty("postgres").GetProperty("status").GetString());
                Assert.Equal("UNHEALTHY", (await Tracking.Eventually(async () =>
                    await host.GetAsJson<EventSystemHealth>("/api/monitoring/events") is { Status: "UNHEALTHY" } h
                        ? h : null)).Status);

                await Sql(admin, $"alter database {database} allow_connections true");
                var up = await Tracking.Eventually(async () =>
                    await Ready(host) is { Status: HttpStatusCode.OK } r ? r : null, TimeSpan.FromSeconds(60));
                Assert.Equal("Healthy",
                    up.Body.GetProperty("checks").GetProperty("postgres").GetProperty("status").GetString());
                // and it works again without a restart
                await host.RegisteredUser();
            }
        }
        finally
        {
            await Sql(admin, $"drop database if exists {database} with (force)");
        }
    }

    [Fact]
    public async Task a_saga_left_with_nothing_to_move_it_is_listed_counted_alerted_and_degrades_readiness()
    {
        var alerts = new RecordingSink();
        var schema = "eventapp_stuck_" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using var host = await TestHost.StartAsync(schema, settings: new Dictionary<string, string>
            {
                ["EventApp:Monitoring:PollInterval"] = "00:00:01",
                ["EventApp:Onboarding:StepTimeout"] = "00:00:30"
            }, services: s => s.AddSingleton<IAlertSink>(alerts));
            // as a lost timeout would leave them: still Started, a step under way, no timeout pending
            var stuck = new UserOnboardingSaga { Id = Guid.NewGuid(), Status = SagaStatus.Started,
                StartedAt = DateTimeOffset.UtcNow.AddMinutes(-5) };
            stuck.Steps.Add(new SagaStep { Name = OnboardingSteps.WelcomeEmail, Status = StepStatus.Running,
                StartedAt = stuck.StartedAt });
            // the same with its timeout pending, and one that is too young to tell: neither is stuck
            var waiting = new UserOnboardingSaga { Id = Guid.NewGuid(), Status = SagaStatus.Started,
                StartedAt = DateTimeOffset.UtcNow.AddMinutes(-5) };
            waiting.Steps.Add(new SagaStep { Name = OnboardingSteps.WelcomeEmail, Status = StepStatus.Running,
                StartedAt = waiting.StartedAt,
                TimeoutId = Guid.NewGuid(), TimeoutScheduled = true });
            var young = new UserOnboardingSaga { Id = Guid.NewGuid(), Status = SagaStatus.Started,
                StartedAt = DateTimeOffset.UtcNow };
            await using (var session = host.Services.GetRequiredService<IDocumentStore>().LightweightSession())
            {
                session.Store(stuck, waiting, young);
                await session.SaveChangesAsync();
            }

            var page = await host.GetAsJson<JsonElement>("/api/sagas?stuck=true");
            Assert.Equal([stuck.Id.ToString()],
                page.GetProperty("sagas").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
            var ready = await Tracking.Eventually(async () =>
                await Ready(host) is var r && r.Body.GetProperty("checks").GetProperty("sagas").GetProperty("status")
                    .GetString() == "Degraded" ? r : null);
            Assert.Equal(HttpStatusCode.OK, ready.Status);
            Assert.Equal("HIGH", (await Tracking.Eventually(async () =>
            {
                await Task.Yield();
                return alerts.Alerts.FirstOrDefault(a => a is { EventType: "UserOnboarding", Handler: "saga" });
            })).Severity);
            var metrics = await (await host.Server.CreateClient().GetAsync("/metrics")).Content.ReadAsStringAsync();
            Assert.Matches(@"(?m)^eventapp_sagas_stuck\{[^}]*saga_type=""UserOnboarding""[^}]*\} 1( |$)", metrics);
        }
        finally
        {
            await TestDatabase.DropSchemaAsync(schema);
        }
    }

    [Fact]
    public async Task a_consumer_failing_more_than_ten_times_in_the_window_raises_one_alert()
    {
        var alerts = new RecordingSink();
        var schema = "eventapp_alerts_" + Guid.NewGuid().ToString("N")[..8];
        var port = FreePorts.Next();
        using var webhook = new HttpListener { Prefixes = { $"http://127.0.0.1:{port}/alerts/" } };
        webhook.Start();
        var posted = ReceiveOneAsync(webhook);
        var ids = new[] { Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7() };
        PoisonProbe.Poison(ids);
        try
        {
            await using var host = await TestHost.StartAsync(schema, settings: new Dictionary<string, string>
            {
                // three users' registrations fail four times each (one try, three retries): 12 failures in the window
                ["EventApp:EventBus:RetryDelays:0"] = "00:00:00.1",
                ["EventApp:EventBus:RetryDelays:1"] = "00:00:00.1",
                ["EventApp:EventBus:RetryDelays:2"] = "00:00:00.1",
                ["EventApp:Monitoring:AlertWebhook"] = $"http://127.0.0.1:{port}/alerts/"
            }, services: s => s.AddSingleton<IAlertSink>(alerts)
                .ConsumeEvents(MessagingFixture.NoBroker, "", "tests.alerts", typeof(PoisonProbeHandler), ["#"])
                .ConfigureWolverine(o => o.Discovery.IncludeAssembly(typeof(PoisonProbeHandler).Assembly)));

            foreach (var id in ids)
                await host.Scenario(x =>
                {
                    x.Post.Json(new { id, email = UserScenarios.UniqueEmail("alert"), firstName = "Al",
                        lastName = "Ert" }).ToUrl("/api/users");
                    x.StatusCodeShouldBe(201);
                });

            var health = await Tracking.Eventually(async () =>
                await host.GetAsJson<EventSystemHealth>("/api/monitoring/events") is { } h
                && h.RecentErrors.Any(r =>
                    r is { EventType: "UserRegistered", Handler: nameof(PoisonProbeHandler), Count: 12 }) ? h : null);
            Assert.Equal("UNHEALTHY", health.Status);
            // raised once, when the count went over ten; the sinks get it in the background
            Assert.Equal(1, host.Services.GetRequiredService<EventMonitor>().AlertsRaised);
            var alert = (await Tracking.Eventually(async () =>
            {
                await Task.Yield();
                return alerts.Alerts.TryPeek(out var a) ? a : null;
            }))!;
            Assert.Single(alerts.Alerts);
            Assert.Equal(("UserRegistered", nameof(PoisonProbeHandler), 11),
                (alert.EventType, alert.Handler, alert.ErrorCount));
            Assert.Equal("InvalidOperationException", alert.ExceptionType);
            var body = await posted.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(("UserRegistered", nameof(PoisonProbeHandler), 11),
                (body.GetProperty("eventType").GetString(), body.GetProperty("handler").GetString(),
                    body.GetProperty("errorCount").GetInt32()));

            var failure = LogCapture.Entries.FirstOrDefault(e => e.Contains("poisoned by the test")
                && e.Contains(ids[0].ToString()));
            Assert.True(failure is not null, "no failure of the first poisoned user's event in the log");
            foreach (var key in new[] { "TraceId=", "SpanId=", "messaging.message_id=", "event.id=",
                "event.type=UserRegistered" })
                Assert.Contains(key, failure);
        }
        finally
        {
            PoisonProbe.Heal();
            await TestDatabase.DropSchemaAsync(schema);
        }
    }

    [Fact]
    public async Task a_client_over_its_rate_gets_429_with_retry_after_and_probes_have_a_bucket_of_their_own()
    {
        var schema = "eventapp_limits_" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using var host = await TestHost.StartAsync(schema, settings: new Dictionary<string, string>
            {
                ["EventApp:Limits:PermitsPerSecond"] = "1",
                ["EventApp:Limits:Burst"] = "3",
                ["EventApp:Limits:OperationsPermitsPerSecond"] = "2"
            });
            var statuses = new List<int>();
            IScenarioResult? refused = null;
            for (var i = 0; i < 10; i++)
            {
                var result = await host.Scenario(x =>
                {
                    x.Get.Url("/api/users/search?term=abc");
                    x.IgnoreStatusCode();
                });
                statuses.Add(result.Context.Response.StatusCode);
                if (result.Context.Response.StatusCode == 429) refused ??= result;
            }

            // the bucket starts full: three at once, then one a second
            Assert.Equal([200, 200, 200], statuses.Take(3));
            Assert.NotNull(refused);
            Assert.Equal("application/problem+json", refused.Context.Response.ContentType);
            Assert.True(int.Parse(refused.Context.Response.Headers.RetryAfter.ToString()) >= 1);
            Assert.Equal("Too many requests",
                (await refused.ReadAsJsonAsync<JsonElement>()).GetProperty("title").GetString());
            // probes and scrapes have a bucket of their own, still full, and limited too (twice the rate at once)
            var probes = new List<int>();
            for (var i = 0; i < 8; i++)
                probes.Add((await host.Scenario(x =>
                    { x.Get.Url("/health/live"); x.IgnoreStatusCode(); })).Context.Response.StatusCode);
            Assert.Equal([200, 200, 200, 200], probes.Take(4));
            Assert.Contains(429, probes);
        }
        finally
        {
            await TestDatabase.DropSchemaAsync(schema);
        }
    }

    private static async Task<JsonElement> ReceiveOneAsync(HttpListener listener)
    {
        var context = await listener.GetContextAsync();
        var body = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.InputStream);
        context.Response.StatusCode = 204;
        context.Response.Close();
        return body;
    }


    private sealed class RecordingSink : IAlertSink
    {
        public ConcurrentQueue<Alert> Alerts { get; } = new();

        public Task SendAsync(Alert alert, CancellationToken ct)
        {
            Alerts.Enqueue(alert);
            return Task.CompletedTask;
        }
    }

    private sealed record Readiness(HttpStatusCode Status, JsonElement Body);

    private static async Task<Readiness> Ready(IAlbaHost host)
    {
        var result = await host.Scenario(x =>
        {
            x.Get.Url("/health/ready");
            x.IgnoreStatusCode();
        });
        return new Readiness((HttpStatusCode)result.Context.Response.StatusCode,
            await result.ReadAsJsonAsync<JsonElement>());
    }

    private static async Task Sql(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await new NpgsqlCommand(sql, connection).ExecuteNonQueryAsync();
    }
}
