using System.Text.Json;
using Alba;
using Marten.EventApp.Users;

namespace Marten.EventApp.IntegrationTests.Users;

[Collection(AppCollection.Name)]
public sealed class when_updating_a_profile(AppFixture fixture)
{
    private IAlbaHost Host => fixture.Host;

    private Task<IScenarioResult> Patch(Guid id, object body, int status, string? ifMatch = null) => Host.Scenario(x =>
    {
        x.Patch.Json(body).ToUrl($"/api/users/{id}");
        if (ifMatch is not null) x.WithRequestHeader("If-Match", ifMatch);
        x.StatusCodeShouldBe(status);
    });

    [Fact]
    public async Task changes_are_applied_and_recorded_with_their_previous_values()
    {
        var user = await Host.RegisteredUser(firstName: "Ada", lastName: "Byron");
        var result = await Patch(user.Id, new { lastName = "Lovelace", firstName = "Ada" }, 200, "\"1\"");
        Assert.Equal(new UserVersion(user.Id, 2), await result.ReadAsJsonAsync<UserVersion>());
        Assert.Equal("\"2\"", result.Context.Response.Headers.ETag.ToString());

        var details = await Host.UserDetails(user.Id);
        Assert.Equal("Ada Lovelace", details.FullName);
        Assert.Equal(2, details.Version);
        Assert.True(details.LastUpdated > details.RegistrationDate);

        var updated = (await Host.StoredEvents(user.Id, fromVersion: 1)).Single();
        Assert.Equal("user_profile_updated", updated.EventType);
        var data = (JsonElement)updated.Data;
        Assert.Equal("""{"lastName":"Lovelace"}""", data.GetProperty("updatedFields").GetRawText());
        Assert.Equal("""{"lastName":"Byron"}""", data.GetProperty("previousValues").GetRawText());
    }

    [Fact]
    public async Task nothing_that_changes_appends_no_event_and_answers_the_unchanged_version()
    {
        var user = await Host.RegisteredUser(firstName: "Same", lastName: "Name");
        var result = await Patch(user.Id, new { firstName = "Same", lastName = " Name " }, 200);
        Assert.Equal(1, (await result.ReadAsJsonAsync<UserVersion>())!.Version);
        Assert.Single(await Host.StoredEvents(user.Id));
    }

    [Fact]
    public async Task the_optional_fields_complete_the_profile_and_can_be_cleared()
    {
        var user = await Host.RegisteredUser();
        await Patch(user.Id, new
        {
            phoneNumber = "+44 20 7946 0958", address = "12 St James's Square, London",
            birthDate = "1990-12-10", profilePictureUrl = "https://example.com/ada.png"
        }, 200);
        var complete = await Host.UserDetails(user.Id);
        Assert.Equal(100, complete.ProfileCompleteness);
        Assert.Equal(new DateOnly(1990, 12, 10), complete.BirthDate);

        await Patch(user.Id, new { clear = new[] { "phoneNumber", "birthDate" } }, 200);
        var cleared = await Host.UserDetails(user.Id);
        Assert.Null(cleared.PhoneNumber);
        Assert.Null(cleared.BirthDate);
        Assert.Equal(80, cleared.ProfileCompleteness);
        Assert.Equal(3, cleared.Version);
    }

    [Fact]
    public async Task invalid_fields_are_400_with_an_error_per_field()
    {
        var user = await Host.RegisteredUser();
        var result = await Patch(user.Id, new
        {
            email = "nope", firstName = "", phoneNumber = "call me", birthDate = "2999-01-01",
            profilePictureUrl = "ftp://example.com/x.png", clear = new[] { "email" }
        }, 400);
        var problem = await result.ProblemShouldBe(400);
        Assert.Equal(["birthDate", "clear", "email", "firstName", "phoneNumber", "profilePictureUrl"],
            problem.Errors!.Keys.Order());
        Assert.Single(await Host.StoredEvents(user.Id));
    }

    [Fact]
    public async Task an_unknown_user_is_404()
    {
        var result = await Patch(Guid.NewGuid(), new { firstName = "Nobody" }, 404);
        await result.ProblemShouldBe(404);
    }

    [Fact]
    public async Task a_deactivated_user_is_409()
    {
        var user = await Host.RegisteredUser();
        await Host.Deactivated(user.Id);
        var problem = await (await Patch(user.Id, new { firstName = "Late" }, 409)).ProblemShouldBe(409);
        Assert.Equal("User is deactivated", problem.Title);
    }

    [Fact]
    public async Task a_stale_if_match_is_412_with_the_current_version()
    {
        var user = await Host.RegisteredUser();
        await Patch(user.Id, new { firstName = "Second" }, 200, "\"1\"");
        var problem = await (await Patch(user.Id, new { firstName = "Third" }, 412, "\"1\"")).ProblemShouldBe(412);
        Assert.Equal(2, problem.CurrentVersion);
    }

    [Fact]
    public async Task a_stale_expected_version_in_the_body_is_409_with_the_current_version()
    {
        var user = await Host.RegisteredUser();
        await Patch(user.Id, new { firstName = "Second" }, 200);
        var problem = await (await Patch(user.Id, new { firstName = "Third", expectedVersion = 1 }, 409))
            .ProblemShouldBe(409);
        Assert.Equal(2, problem.CurrentVersion);
    }

    [Theory]
    [InlineData("W/\"1\"")]
    [InlineData("1")]
    [InlineData("\"a\"")]
    public async Task a_malformed_if_match_is_400(string ifMatch)
    {
        var user = await Host.RegisteredUser();
        await (await Patch(user.Id, new { firstName = "X" }, 400, ifMatch)).ProblemShouldBe(400);
    }

    [Fact]
    public async Task without_a_version_the_command_applies_to_the_stream_as_it_is()
    {
        var user = await Host.RegisteredUser();
        await Patch(user.Id, new { firstName = "One" }, 200);
        var result = await Patch(user.Id, new { firstName = "Two" }, 200);
        Assert.Equal(3, (await result.ReadAsJsonAsync<UserVersion>())!.Version);
    }

    [Fact]
    public async Task an_email_of_another_active_user_is_409()
    {
        var taken = UserScenarios.UniqueEmail("taken");
        await Host.RegisteredUser(taken);
        var user = await Host.RegisteredUser();
        var problem = await (await Patch(user.Id, new { email = taken.ToUpperInvariant() }, 409)).ProblemShouldBe(409);
        Assert.Equal("Email is already in use", problem.Title);
        Assert.Single(await Host.StoredEvents(user.Id));
    }

    [Fact]
    public async Task of_concurrent_patches_with_the_same_if_match_exactly_one_succeeds()
    {
        var user = await Host.RegisteredUser();
        var client = Host.AdminClient();
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            client.Patch(user.Id, new { firstName = $"Writer{i}" }, ifMatch: 1)));

        Assert.Single(responses, r => (int)r.StatusCode == 200);
        Assert.All(responses.Where(r => (int)r.StatusCode != 200), r => Assert.Equal(412, (int)r.StatusCode));
        var events = await Host.StoredEvents(user.Id);
        Assert.Equal(2, events.Count);
        Assert.Equal(2, (await Host.UserDetails(user.Id)).Version);
    }
}
