using System.Net.Http.Json;
using Alba;
using Marten.EventApp.Feeds;
using Marten.EventApp.Users;

namespace Marten.EventApp.IntegrationTests.Users;

// every user gets a unique email so that tests share no data
public static class UserScenarios
{
    public static string UniqueEmail(string name = "user") => $"{name}.{Guid.NewGuid():N}@example.com";

    public static async Task<UserVersion> RegisteredUser(this IAlbaHost host,
        string? email = null, string firstName = "Ada", string lastName = "Lovelace")
    {
        var result = await host.Scenario(x =>
        {
            x.Post.Json(new { email = email ?? UniqueEmail(), firstName, lastName, registrationSource = "tests" })
                .ToUrl("/api/users");
            x.StatusCodeShouldBe(201);
        });
        return (await result.ReadAsJsonAsync<UserVersion>())!;
    }

    // fed by the bus, so later than the write
    public static Task<List<ActivityEntry>> ActivityOf(this IAlbaHost host, Guid id, int count = 1,
        TimeSpan? patience = null) =>
        Tracking.Eventually(async () =>
        {
            var result = await host.Scenario(x => { x.Get.Url($"/api/users/{id}/activity"); x.IgnoreStatusCode(); });
            if (result.Context.Response.StatusCode != 200) return null;
            var entries = await result.ReadAsJsonAsync<List<ActivityEntry>>();
            return entries!.Count >= count ? entries : null;
        }, patience);

    public static Task<IScenarioResult> Deactivated(this IAlbaHost host, Guid id, string reason = "r") =>
        host.Scenario(x =>
        {
            x.Post.Json(new { reason }).ToUrl($"/api/users/{id}/deactivate");
            x.StatusCodeShouldBeOk();
        });

    public static async Task<UserDetails> UserDetails(this IAlbaHost host, Guid id, string query = "")
    {
        var result = await host.Scenario(x => x.Get.Url($"/api/users/{id}{query}"));
        return (await result.ReadAsJsonAsync<UserDetails>())!;
    }

    public static async Task<IReadOnlyList<StoredEvent>> StoredEvents(this IAlbaHost host, Guid id,
        long fromVersion = 0)
    {
        var result = await host.Scenario(x => x.Get.Url($"/api/users/{id}/events?fromVersion={fromVersion}"));
        return (await result.ReadAsJsonAsync<List<StoredEvent>>())!;
    }

    public static Task<HttpResponseMessage> Patch(this HttpClient client, Guid id, object body, long? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/users/{id}")
        {
            Content = JsonContent.Create(body)
        };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", $"\"{ifMatch}\"");
        return client.SendAsync(request);
    }

    public sealed record Problem(int Status, string Title, string? Detail, long? CurrentVersion,
        Dictionary<string, string[]>? Errors);

    public static async Task<Problem> ProblemShouldBe(this IScenarioResult result, int status)
    {
        Assert.Equal("application/problem+json", result.Context.Response.ContentType);
        var problem = (await result.ReadAsJsonAsync<Problem>())!;
        Assert.Equal(status, problem.Status);
        return problem;
    }
}
