using System.Diagnostics;
using Alba;

namespace Marten.EventApp.IntegrationTests.Users;

// each is refused with a 400 at once, before any pattern or parser spends time on it
[Collection(AppCollection.Name)]
public sealed class when_a_client_sends_pathological_input(AppFixture fixture)
{
    private IAlbaHost Host => fixture.Host;

    // a bound that fails only on a catastrophe (the backtracking email pattern's), not on a slow machine
    private static readonly TimeSpan Catastrophe = TimeSpan.FromSeconds(3);

    public static TheoryData<string, string> Bodies() => new()
    {
        // the email pattern's worst case, over and under the field's length
        { "email", $$"""{"email":"a@{{new string('.', 400_000)}}@","firstName":"A","lastName":"B"}""" },
        { "email", $$"""{"email":"a@{{new string('.', 250)}}@","firstName":"A","lastName":"B"}""" },
        { "firstName", $$"""{"email":"a@example.com","firstName":"{{new string('x', 500_000)}}","lastName":"B"}""" },
        {
            "locale", System.Text.Json.JsonSerializer.Serialize(new
            {
                email = "a@example.com", firstName = "A", lastName = "B",
                locale = string.Concat(Enumerable.Repeat("ab-", 100_000))
            })
        },
        { "firstName", """{"email":"a@example.com","firstName":"A\u0000B","lastName":"B"}""" },
        { "", """{"email":12,"firstName":"A","lastName":"B"}""" },
        { "", new string('[', 100_000) + new string(']', 100_000) },
        { "", "{\"email\":" + string.Concat(Enumerable.Repeat("{\"a\":", 50_000)) + "1" + new string('}',
            50_000) + "}" }
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task a_registration_built_to_cost_is_refused_at_once(string field, string body)
    {
        var clock = Stopwatch.StartNew();
        var result = await Host.Scenario(x =>
        {
            x.Post.Text(body).ToUrl("/api/users");
            x.WithRequestHeader("Content-Type", "application/json");
            x.StatusCodeShouldBe(400);
        });
        clock.Stop();

        var problem = await result.ReadAsTextAsync();
        Assert.Contains(field, problem);
        Assert.True(clock.Elapsed < Catastrophe, $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task a_profile_update_with_a_pathological_email_or_phone_is_refused_at_once()
    {
        var user = await Host.RegisteredUser();
        var clock = Stopwatch.StartNew();
        foreach (var body in new object[]
                 {
                     new { email = "a@" + new string('.', 400_000) + "@" },
                     new { phoneNumber = "+" + string.Concat(Enumerable.Repeat("1 (", 200_000)) }
                 })
            await Host.Scenario(x =>
            {
                x.Patch.Json(body).ToUrl($"/api/users/{user.Id}");
                x.StatusCodeShouldBe(400);
            });
        Assert.True(clock.Elapsed < Catastrophe, $"took {clock.Elapsed}");
    }
}
