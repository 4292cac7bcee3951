using Alba;
using JasperFx.Core;
using Marten.EventApp.Users;
using Marten.Events;

namespace Marten.EventApp.IntegrationTests.Users;

[Collection(MessagingCollection.Name)]
public sealed class the_user_statistics(MessagingFixture fixture) : MessagingTest(fixture)
{
    private async Task<UserStatistics> Statistics()
    {
        await Host.WaitForNonStaleProjectionDataAsync(30.Seconds());
        return (await Host.GetAsJson<UserStatistics>("/api/users/statistics"))!;
    }

    [Fact]
    public async Task start_at_zero()
    {
        var stats = (await Host.GetAsJson<UserStatistics>("/api/users/statistics"))!;
        Assert.Equal((0L, 0L, 0L, 0),
            (stats.Registered, stats.Active, stats.Deactivated, stats.RegisteredBySource.Count));
    }

    [Fact]
    public async Task the_async_projection_counts_registrations_and_deactivations()
    {
        await Host.RegisteredUser();
        var leaving = await Host.RegisteredUser();
        await Host.Scenario(x =>
        {
            x.Post.Json(new { email = UserScenarios.UniqueEmail(), firstName = "W", lastName = "Eb",
                registrationSource = "web" }).ToUrl("/api/users");
            x.StatusCodeShouldBe(201);
        });
        await Host.Deactivated(leaving.Id);

        var stats = await Statistics();
        Assert.Equal((3L, 2L, 1L), (stats.Registered, stats.Active, stats.Deactivated));
        Assert.Equal(new Dictionary<string, long> { ["tests"] = 2, ["web"] = 1 }, stats.RegisteredBySource);
        Assert.NotNull(stats.LastChangeAt);
    }
}
