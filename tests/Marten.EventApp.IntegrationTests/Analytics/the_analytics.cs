using System.Text.Json;
using Alba;
using JasperFx.Core;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten.Events;
using Marten.EventApp.Analytics;
using Marten.EventApp.IntegrationTests.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Marten.EventApp.IntegrationTests.Analytics;

[Collection(MessagingCollection.Name)]
public sealed class the_analytics(MessagingFixture fixture) : MessagingTest(fixture)
{
    private static readonly DateTimeOffset Day1 = new(2020, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private async Task<(Guid A, Guid B)> WriteFourDaysAsync()
    {
        Clock.Set(Day1.AddHours(23.5));
        var a = await Host.RegisteredUser();
        var b = await Host.RegisteredUser();
        Clock.Set(Day1.AddDays(1).AddMinutes(10));
        await Host.RegisteredUser();
        await Host.Deactivated(a.Id);
        await Host.Scenario(x => x.Patch.Json(new { firstName = "Bea" }).ToUrl($"/api/users/{b.Id}"));
        Clock.Set(Day1.AddDays(3).AddHours(12));
        await Host.Deactivated(b.Id);
        await Host.RegisteredUser();
        Clock.Reset();
        await Host.WaitForNonStaleProjectionDataAsync(30.Seconds());
        return (a.Id, b.Id);
    }

    private Task<DailyMetricsPage> Daily() =>
        Host.GetAsJson<DailyMetricsPage>("/api/analytics/daily?from=2020-03-01&to=2020-03-04")!;

    private static Dictionary<string, long> Metrics(params (string Name, long Value)[] metrics) =>
        metrics.ToDictionary(m => m.Name, m => m.Value);

    [Fact]
    public async Task daily_metrics_count_each_event_in_its_utc_day_with_active_users_running()
    {
        await WriteFourDaysAsync();

        var page = await Daily();

        Assert.Equal([new DateOnly(2020, 3, 1), new(2020, 3, 2), new(2020, 3, 3), new(2020, 3, 4)],
            page.Days.Select(d => d.Date));
        Assert.Equal(Metrics(("UserRegistered_count", 2), ("total_users", 2), ("active_users", 2)),
            page.Days[0].Metrics);
        Assert.Equal(Metrics(("UserRegistered_count", 1), ("UserDeactivated_count", 1), ("UserProfileUpdated_count", 1),
            ("total_users", 1), ("active_users", 2)), page.Days[1].Metrics);
        Assert.Equal(Metrics(("total_users", 0), ("active_users", 2)), page.Days[2].Metrics);
        Assert.Equal(Metrics(("UserRegistered_count", 1), ("UserDeactivated_count", 1), ("total_users", 1),
            ("active_users", 2)),
            page.Days[3].Metrics);
        // a range that starts later carries the users active before it
        var later = await Host.GetAsJson<DailyMetricsPage>("/api/analytics/daily?from=2020-03-03&to=2020-03-03");
        Assert.Equal(2, later!.Days.Single().Metrics["active_users"]);
    }

    [Fact]
    public async Task event_counts_come_per_hour_or_day_and_type_and_can_be_filtered_by_type()
    {
        await WriteFourDaysAsync();

        var hourly = await Host.GetAsJson<EventCounts>(
            "/api/analytics/events?from=2020-03-01&to=2020-03-03&bucket=hour");
        Assert.Equal(
            [(Day1.AddHours(23), "UserRegistered", 2L), (Day1.AddDays(1), "UserDeactivated", 1L),
             (Day1.AddDays(1), "UserProfileUpdated", 1L), (Day1.AddDays(1), "UserRegistered", 1L)],
            hourly!.Counts.Select(c => (c.Start, c.EventType, c.Count)));
        var daily = await Host.GetAsJson<EventCounts>(
            "/api/analytics/events?from=2020-03-01&to=2020-03-05&bucket=day&type=UserRegistered");
        Assert.Equal([(Day1, 2L), (Day1.AddDays(1), 1L), (Day1.AddDays(3), 1L)],
            daily!.Counts.Select(c => (c.Start, c.Count)));
        Assert.All(daily.Counts, c => Assert.Equal("UserRegistered", c.EventType));
    }

    [Fact]
    public async Task a_rebuild_gives_the_numbers_of_the_live_run_and_a_page_applied_again_counts_nothing()
    {
        var (a, _) = await WriteFourDaysAsync();
        var live = JsonSerializer.Serialize(await Daily());
        var store = Host.Services.GetRequiredService<IDocumentStore>();

        var daemon = Host.Services.GetRequiredService<IProjectionCoordinator>().DaemonForMainDatabase();
        await daemon.RebuildProjectionAsync(AnalyticsProjection.ProjectionName, CancellationToken.None);
        await daemon.StartAgentAsync($"{AnalyticsProjection.ProjectionName}:All", CancellationToken.None);
        Assert.Equal(live, JsonSerializer.Serialize(await Daily()));

        // the same events through the projection again, as a retried page or a replay would
        var projection = (IJasperFxProjection<IDocumentOperations>)((StoreOptions)store.Options)
            .Projections.All.OfType<AnalyticsProjection>().Single();
        await using (var session = store.LightweightSession())
        {
            var events = await session.Events.FetchStreamAsync(a);
            await projection.ApplyAsync(session, events, CancellationToken.None);
            await session.SaveChangesAsync();
        }

        Assert.Equal(live, JsonSerializer.Serialize(await Daily()));
    }

    [Theory]
    [InlineData("/api/analytics/daily?from=2020-13-01")]
    [InlineData("/api/analytics/daily?to=yesterday")]
    [InlineData("/api/analytics/daily?from=2020-03-05&to=2020-03-01")]
    [InlineData("/api/analytics/daily?from=2020-01-01&to=2021-01-02")]
    [InlineData("/api/analytics/events?bucket=week")]
    [InlineData("/api/analytics/events?from=2020-03-01&to=2020-04-02&bucket=hour")]
    [InlineData("/api/analytics/events?from=2020-03-02&to=2020-03-01")]
    [InlineData("/api/analytics/events?from=not-a-time")]
    public async Task a_bad_range_or_date_is_a_400_problem(string url)
    {
        var result = await Host.Scenario(x =>
        {
            x.Get.Url(url);
            x.StatusCodeShouldBe(400);
        });
        Assert.Equal("application/problem+json", result.Context.Response.ContentType);
    }
}
