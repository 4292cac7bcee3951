using System.Net.Http.Json;
using Alba;
using Marten.EventApp.Users;

namespace Marten.EventApp.IntegrationTests.Users;

[Collection(AppCollection.Name)]
public sealed class when_registering_a_user(AppFixture fixture)
{
    private IAlbaHost Host => fixture.Host;

    [Fact]
    public async Task it_answers_201_with_location_version_and_etag_and_projects_the_read_model()
    {
        var email = UserScenarios.UniqueEmail("ada");
        var result = await Host.Scenario(x =>
        {
            x.Post.Json(new { email, firstName = "  Ada ", lastName = " Lovelace", registrationSource = "web" })
                .ToUrl("/api/users");
            x.StatusCodeShouldBe(201);
            x.Header("ETag").SingleValueShouldEqual("\"1\"");
        });
        var created = (await result.ReadAsJsonAsync<UserVersion>())!;
        Assert.Equal(1, created.Version);
        Assert.Equal($"/api/users/{created.Id}", result.Context.Response.Headers.Location.ToString());

        var user = await Host.UserDetails(created.Id);
        Assert.Equal(email, user.Email);
        Assert.Equal("Ada", user.FirstName);
        Assert.Equal("Lovelace", user.LastName);
        Assert.Equal("Ada Lovelace", user.FullName);
        Assert.True(user.IsActive);
        Assert.Equal("web", user.RegistrationSource);
        Assert.Equal(60, user.ProfileCompleteness);
        Assert.Equal(1, user.Version);
        Assert.Equal(user.RegistrationDate, user.LastUpdated);
    }

    [Fact]
    public async Task it_keeps_the_id_given_in_the_body()
    {
        var id = Guid.NewGuid();
        await Host.Scenario(x =>
        {
            x.Post.Json(new { id, email = UserScenarios.UniqueEmail(), firstName = "Grace", lastName = "Hopper" })
                .ToUrl("/api/users");
            x.StatusCodeShouldBe(201);
            x.Header("Location").SingleValueShouldEqual($"/api/users/{id}");
        });
        Assert.Equal("api", (await Host.UserDetails(id)).RegistrationSource);
    }

    [Fact]
    public async Task missing_and_malformed_fields_are_400_with_an_error_per_field()
    {
        var result = await Host.Scenario(x =>
        {
            x.Post.Json(new { email = "not-an-email", firstName = "   " }).ToUrl("/api/users");
            x.StatusCodeShouldBe(400);
        });
        var problem = await result.ProblemShouldBe(400);
        Assert.Equal(["email", "firstName", "lastName"], problem.Errors!.Keys.Order());
        Assert.Contains("Invalid email format.", problem.Errors["email"]);
    }

    [Fact]
    public async Task fields_beyond_their_limits_are_400()
    {
        var result = await Host.Scenario(x =>
        {
            x.Post.Json(new
            {
                email = new string('a', 250) + "@example.com", firstName = new string('f', 101), lastName = "ok"
            }).ToUrl("/api/users");
            x.StatusCodeShouldBe(400);
        });
        var problem = await result.ProblemShouldBe(400);
        Assert.Equal(["email", "firstName"], problem.Errors!.Keys.Order());
    }

    [Theory]
    [InlineData("{\"email\":")]
    [InlineData("{\"id\":\"not-a-guid\",\"email\":\"a@b.co\",\"firstName\":\"A\",\"lastName\":\"B\"}")]
    [InlineData("")]
    public async Task a_body_that_is_not_the_expected_json_is_400_problem_details(string body)
    {
        var result = await Host.Scenario(x =>
        {
            x.Post.Text(body).ToUrl("/api/users");
            x.WithRequestHeader("Content-Type", "application/json");
            x.StatusCodeShouldBe(400);
        });
        await result.ProblemShouldBe(400);
    }

    [Fact]
    public async Task an_existing_id_is_409()
    {
        var existing = await Host.RegisteredUser();
        var result = await Host.Scenario(x =>
        {
            x.Post.Json(new { id = existing.Id, email = UserScenarios.UniqueEmail(), firstName = "A", lastName = "B" })
                .ToUrl("/api/users");
            x.StatusCodeShouldBe(409);
        });
        await result.ProblemShouldBe(409);
        Assert.Single(await Host.StoredEvents(existing.Id));
    }

    [Fact]
    public async Task an_email_of_another_active_user_is_409_whatever_its_case()
    {
        var email = UserScenarios.UniqueEmail("taken");
        await Host.RegisteredUser(email);
        var result = await Host.Scenario(x =>
        {
            x.Post.Json(new { email = email.ToUpperInvariant(), firstName = "Other", lastName = "Person" })
                .ToUrl("/api/users");
            x.StatusCodeShouldBe(409);
        });
        var problem = await result.ProblemShouldBe(409);
        Assert.Equal("Email is already in use", problem.Title);
    }

    [Fact]
    public async Task the_email_of_a_deactivated_user_can_be_registered_again()
    {
        var email = UserScenarios.UniqueEmail("returning");
        var first = await Host.RegisteredUser(email);
        await Host.Deactivated(first.Id, "left");

        var second = await Host.RegisteredUser(email);
        var (before, now) = (await Host.UserDetails(first.Id), await Host.UserDetails(second.Id));
        Assert.Equal((email, false), (before.Email, before.IsActive));
        Assert.Equal((email, true, 1L), (now.Email, now.IsActive, now.Version));
        Assert.Single(await Host.StoredEvents(second.Id));
    }

    [Fact]
    public async Task of_concurrent_registrations_with_one_email_exactly_one_succeeds()
    {
        var email = UserScenarios.UniqueEmail("race");
        var client = Host.AdminClient();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            client.PostAsJsonAsync("/api/users", new { email, firstName = "Racer", lastName = $"No{i}" })));

        Assert.Single(responses, r => (int)r.StatusCode == 201);
        Assert.All(responses.Where(r => (int)r.StatusCode != 201), r => Assert.Equal(409, (int)r.StatusCode));
        var listed = await Host.Scenario(x => x.Get.Url($"/api/users?email={Uri.EscapeDataString(email)}"));
        Assert.Single((await listed.ReadAsJsonAsync<List<UserDetails>>())!);
    }

    [Fact]
    public async Task the_stored_event_carries_its_metadata_and_the_request_correlation()
    {
        var email = UserScenarios.UniqueEmail();
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);
        var result = await Host.Scenario(x =>
        {
            x.Post.Json(new { email, firstName = "Meta", lastName = "Data" }).ToUrl("/api/users");
            x.WithRequestHeader("X-Correlation-ID", "corr-42");
            x.WithRequestHeader("X-Causation-ID", "cause-7");
            x.StatusCodeShouldBe(201);
        });
        var id = (await result.ReadAsJsonAsync<UserVersion>())!.Id;

        var stored = Assert.Single(await Host.StoredEvents(id));
        Assert.NotEqual(Guid.Empty, stored.EventId);
        Assert.Equal(id, stored.StreamId);
        Assert.Equal(1, stored.Version);
        Assert.True(stored.Sequence > 0);
        Assert.InRange(stored.Timestamp, before, DateTimeOffset.UtcNow.AddSeconds(5));
        Assert.Equal("user_registered", stored.EventType);
        Assert.Equal(2, stored.SchemaVersion);
        Assert.Equal("corr-42", stored.CorrelationId);
        Assert.Equal("cause-7", stored.CausationId);
        Assert.Contains(email, stored.Data.ToString());
    }
}
