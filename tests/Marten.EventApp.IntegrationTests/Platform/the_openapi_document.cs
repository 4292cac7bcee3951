using System.Text.Json;
using Alba;

namespace Marten.EventApp.IntegrationTests.Platform;

[Collection(AppCollection.Name)]
public sealed class the_openapi_document(AppFixture fixture)
{
    [Fact]
    public async Task describes_every_endpoint()
    {
        var result = await fixture.Host.Scenario(x => x.Get.Url("/openapi/v1.json"));
        using var doc = JsonDocument.Parse(await result.ReadAsTextAsync());
        var paths = doc.RootElement.GetProperty("paths");
        string[] expected =
        [
            "/api/users", "/api/users/{id}", "/api/users/{id}/deactivate", "/api/users/search",
            "/api/users/{id}/events", "/api/events"
        ];
        foreach (var path in expected) Assert.True(paths.TryGetProperty(path, out _), $"missing {path}");
        var user = paths.GetProperty("/api/users/{id}");
        Assert.True(user.TryGetProperty("get", out _));
        Assert.True(user.TryGetProperty("patch", out _));
    }
}
