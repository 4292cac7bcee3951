using Alba;
using Marten.EventApp.Users;

namespace Marten.EventApp.IntegrationTests.Users;

[Collection(AppCollection.Name)]
public sealed class when_deactivating_a_user(AppFixture fixture)
{
    private IAlbaHost Host => fixture.Host;

    private Task<IScenarioResult> Deactivate(Guid id, object body, int status, string? ifMatch = null) =>
        Host.Scenario(x =>
    {
        x.Post.Json(body).ToUrl($"/api/users/{id}/deactivate");
        if (ifMatch is not null) x.WithRequestHeader("If-Match", ifMatch);
        x.StatusCodeShouldBe(status);
    });

    [Fact]
    public async Task the_user_becomes_inactive_with_the_reason()
    {
        var user = await Host.RegisteredUser();
        var result = await Deactivate(user.Id, new { reason = "Requested closure", deactivatedBy = "support" }, 200,
            "\"1\"");
        Assert.Equal(new UserVersion(user.Id, 2), await result.ReadAsJsonAsync<UserVersion>());

        var details = await Host.UserDetails(user.Id);
        Assert.False(details.IsActive);
        Assert.Equal("Requested closure", details.DeactivationReason);
        Assert.Equal(details.DeactivatedAt, details.LastUpdated);
        var deactivated = (await Host.StoredEvents(user.Id)).Last();
        Assert.Equal("user_deactivated", deactivated.EventType);
        // who: the token's subject, whatever the body claims
        Assert.Equal("tests",
            ((System.Text.Json.JsonElement)deactivated.Data).GetProperty("deactivatedBy").GetString());
    }

    [Fact]
    public async Task deactivating_again_is_409()
    {
        var user = await Host.RegisteredUser();
        await Deactivate(user.Id, new { reason = "r", deactivatedBy = "a" }, 200);
        var problem = await (await Deactivate(user.Id, new { reason = "r", deactivatedBy = "a" }, 409))
            .ProblemShouldBe(409);
        Assert.Equal("User is already deactivated", problem.Title);
    }

    [Fact]
    public async Task an_unknown_user_is_404() =>
        await (await Deactivate(Guid.NewGuid(), new { reason = "r", deactivatedBy = "a" }, 404)).ProblemShouldBe(404);

    [Fact]
    public async Task a_missing_reason_is_400()
    {
        var user = await Host.RegisteredUser();
        var problem = await (await Deactivate(user.Id, new { deactivatedBy = "a" }, 400)).ProblemShouldBe(400);
        Assert.Equal(["reason"], problem.Errors!.Keys);
    }

    [Fact]
    public async Task a_stale_version_is_412_as_if_match_and_409_in_the_body()
    {
        var user = await Host.RegisteredUser();
        await Host.Scenario(x => x.Patch.Json(new { firstName = "Changed" }).ToUrl($"/api/users/{user.Id}"));

        var viaHeader = await (await Deactivate(user.Id, new { reason = "r", deactivatedBy = "a" }, 412, "\"1\""))
            .ProblemShouldBe(412);
        var viaBody = await (await Deactivate(user.Id, new { reason = "r", deactivatedBy = "a", expectedVersion = 1 },
            409)).ProblemShouldBe(409);
        Assert.Equal(2, viaHeader.CurrentVersion);
        Assert.Equal(2, viaBody.CurrentVersion);
        Assert.True((await Host.UserDetails(user.Id)).IsActive);
    }
}
