using System.Net;
using System.Text.Json;
using Alba;
using JasperFx.Core;
using JasperFx.Events.Daemon;
using Marten.EventApp.Analytics;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Projections;
using Marten.EventApp.Users;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Marten.EventApp.IntegrationTests.Projections;

[Collection(MessagingCollection.Name)]
public sealed class when_operating_projections(MessagingFixture fixture) : MessagingTest(fixture)
{
    private async Task<ProjectionsOverview> Overview()
    {
        var result = await Host.Scenario(x => { x.Get.Url("/api/admin/projections"); x.IgnoreStatusCode(); });
        if (result.Context.Response.StatusCode != 200) throw new Exception(await result.ReadAsTextAsync());
        return (await result.ReadAsJsonAsync<ProjectionsOverview>())!;
    }

    private static ProjectionState Find(ProjectionsOverview overview, string name) =>
        overview.Projections.SingleOrDefault(p => p.Name == name) ?? throw new Xunit.Sdk.XunitException(
            $"no {name} in {JsonSerializer.Serialize(overview)}");

    private IProjectionDaemon Daemon => Host.Services.GetRequiredService<IProjectionCoordinator>()
        .DaemonForMainDatabase();

    private async Task<RebuildStatus> Started(string name)
    {
        var result = await Host.Scenario(x =>
        {
            x.Post.Url($"/api/admin/projections/{name}/rebuild");
            x.StatusCodeShouldBe(HttpStatusCode.Accepted);
        });
        var status = (await result.ReadAsJsonAsync<RebuildStatus>())!;
        Assert.Equal($"/api/admin/projections/{name}/rebuilds/{status.Id}",
            result.Context.Response.Headers.Location.ToString());
        return status;
    }

    private Task<RebuildStatus> Finished(RebuildStatus started) => Tracking.Eventually(async () =>
    {
        var status = await Host.GetAsJson<RebuildStatus>(
            $"/api/admin/projections/{started.Projection}/rebuilds/{started.Id}");
        return status!.State == "running" ? null : status;
    });

    [Fact]
    public async Task every_projection_and_subscription_is_listed_caught_up_with_the_store()
    {
        await Host.RegisteredUser();
        await Host.WaitForNonStaleProjectionDataAsync(30.Seconds());

        var overview = await Overview();

        await using (var session = Host.Services.GetRequiredService<IDocumentStore>().QuerySession())
            Assert.Equal(await session.Events.QueryAllRawEvents().MaxAsync(e => e.Sequence), overview.HighWaterMark);
        Assert.Equal(("inline", "inline"),
            (Find(overview, "UserDetails").Lifecycle, Find(overview, "UserDetails").State));
        foreach (var name in new[] { AnalyticsProjection.ProjectionName, "UserStatistics", "EventBus" })
        {
            var shard = Find(overview, name);
            Assert.Equal(("async", "running", overview.HighWaterMark, 0L),
                (shard.Lifecycle, shard.State, shard.Position, shard.LagEvents));
            Assert.Null(shard.Error);
        }

        Assert.Equal("subscription", Find(overview, "EventBus").Kind);
    }

    [Fact]
    public async Task a_stopped_shard_shows_its_lag_in_events_and_seconds_and_drains_once_started()
    {
        var statistics = Find(await Overview(), "UserStatistics").Shard!;
        await Daemon.StopAgentAsync(statistics);
        await Host.RegisteredUser();
        await Host.RegisteredUser();

        var behind = await Tracking.Eventually(async () =>
        {
            var overview = await Overview();
            var shard = Find(overview, "UserStatistics");
            // the high-water mark passes both registrations (two events) within a poll or two
            return shard.LagEvents == 2 ? shard : null;
        });
        Assert.Equal("stopped", behind.State);
        Assert.True(behind.LagSeconds > 0, $"lag {behind.LagSeconds} s");

        await Daemon.StartAgentAsync(statistics, CancellationToken.None);
        await Tracking.Eventually(async () =>
            Find(await Overview(), "UserStatistics") is { LagEvents: 0, State: "running" } s ? s : null);
    }

    [Fact]
    public async Task an_async_rebuild_reports_progress_and_gives_the_numbers_of_the_live_run_then_runs_on()
    {
        Clock.Set(new DateTimeOffset(2021, 6, 1, 12, 0, 0, TimeSpan.Zero));
        for (var i = 0; i < 5; i++) await Host.RegisteredUser();
        Clock.Reset();
        await Host.WaitForNonStaleProjectionDataAsync(30.Seconds());
        const string day = "/api/analytics/daily?from=2021-06-01&to=2021-06-01";
        var live = JsonSerializer.Serialize(await Host.GetAsJson<DailyMetricsPage>(day));
        var highWater = (await Overview()).HighWaterMark;

        var started = await Started(AnalyticsProjection.ProjectionName);
        var finished = await Finished(started);

        Assert.Equal(("completed", "events", highWater), (finished.State, finished.Unit, finished.Total));
        Assert.Equal(finished.Total, finished.Done);
        Assert.Null(finished.Error);
        Assert.Equal(live, JsonSerializer.Serialize(await Host.GetAsJson<DailyMetricsPage>(day)));
        // the rebuilt shard projects what comes next
        Clock.Set(new DateTimeOffset(2021, 6, 1, 13, 0, 0, TimeSpan.Zero));
        await Host.RegisteredUser();
        Clock.Reset();
        await Host.WaitForNonStaleProjectionDataAsync(30.Seconds());
        Assert.Equal(6, (await Host.GetAsJson<DailyMetricsPage>(day))!.Days.Single().Metrics["total_users"]);
    }

    [Fact]
    public async Task the_inline_read_model_is_rebuilt_in_place_readers_keep_their_answers_and_a_second_request_is_409()
    {
        var first = await Host.RegisteredUser(firstName: "Ann");
        var second = await Host.RegisteredUser(firstName: "Bob");
        var store = Host.Services.GetRequiredService<IDocumentStore>();
        var schema = store.Options.DatabaseSchemaName;
        await using var connection = new NpgsqlConnection(await TestDatabase.ConnectionString());
        await connection.OpenAsync();
        // a read model gone wrong (as after a projection bug): the rebuild must put it right
        await using (var spoil = new NpgsqlCommand(
                         $"update {schema}.mt_doc_userdetails " +
                         $"set data = jsonb_set(data, '{{firstName}}', '\"Wrong\"') where id = @id", connection))
        {
            spoil.Parameters.AddWithValue("id", second.Id);
            Assert.Equal(1, await spoil.ExecuteNonQueryAsync());
        }

        // an append in flight on the first stream (its row locked): the rebuild waits for it
        var lockFirst = await connection.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand($"select id from {schema}.mt_streams where id = @id for update",
            connection, lockFirst))
        {
            hold.Parameters.AddWithValue("id", first.Id);
            await hold.ExecuteScalarAsync();
        }

        var started = await Started("UserDetails");
        Assert.Equal(("running", "streams"), (started.State, started.Unit));
        // meanwhile readers get the documents, and a second rebuild is refused
        Assert.Equal("Ann", (await Host.UserDetails(first.Id)).FirstName);
        var again = await Host.Scenario(x =>
        {
            x.Post.Url("/api/admin/projections/UserDetails/rebuild");
            x.StatusCodeShouldBe(409);
        });
        Assert.Contains(started.Id.ToString(), (await again.ReadAsJsonAsync<UserScenarios.Problem>())!.Detail);

        await lockFirst.RollbackAsync();
        var finished = await Finished(started);
        Assert.Equal(("completed", 2L, 2L), (finished.State, finished.Done, finished.Total));
        Assert.Equal("Bob", (await Host.UserDetails(second.Id)).FirstName);
    }

    [Fact]
    public async Task an_unknown_projection_is_404()
    {
        var result = await Host.Scenario(x =>
        {
            x.Post.Url("/api/admin/projections/NoSuchThing/rebuild");
            x.StatusCodeShouldBe(404);
        });
        Assert.Equal("application/problem+json", result.Context.Response.ContentType);
        await Host.Scenario(x =>
        {
            x.Get.Url($"/api/admin/projections/UserDetails/rebuilds/{Guid.NewGuid()}");
            x.StatusCodeShouldBe(404);
        });
    }
}
