using Alba;
using JasperFx.Core;
using Marten.EventApp.Users;
using Marten.Events;

namespace Marten.EventApp.IntegrationTests.Users;

[Collection(AppCollection.Name)]
public sealed class the_user_statistics(AppFixture fixture)
{
    private IAlbaHost Host => fixture.Host;

    private async Task<UserStatistics> Statistics()
    {
        await Host.WaitForNonStaleProjectionDataAsync(30.Seconds());
        return (await Host.GetAsJson<UserStatistics>("/api/users/statistics"))!;
    }

    [Fact]
    public async Task the_async_projection_counts_registrations_and_deactivations()
    {
        var before = await Statistics();
        await Host.RegisteredUser();
        var leaving = await Host.RegisteredUser();
        await Host.Scenario(x => x.Post.Json(new { reason = "r", deactivatedBy = "a" }).ToUrl($"/api/users/{leaving.Id}/deactivate"));

        var after = await Statistics();
        Assert.Equal(before.Registered + 2, after.Registered);
        Assert.Equal(before.Active + 1, after.Active);
        Assert.Equal(before.Deactivated + 1, after.Deactivated);
        Assert.Equal(before.RegisteredBySource.GetValueOrDefault("tests") + 2, after.RegisteredBySource["tests"]);
    }
}
