using System.Text.Json;
using Alba;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Marten.EventApp.IntegrationTests.Platform;

[Collection(AppCollection.Name)]
public sealed class the_openapi_document(AppFixture fixture)
{
    [Fact]
    public async Task describes_every_api_endpoint_the_service_maps()
    {
        var result = await fixture.Host.Scenario(x => x.Get.Url("/openapi/v1.json"));
        using var doc = JsonDocument.Parse(await result.ReadAsTextAsync());
        var paths = doc.RootElement.GetProperty("paths");

        // from the endpoints actually mapped, so a new route cannot be left out of the document unnoticed
        var mapped = fixture.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods,
                (e, method) => (Path: OpenApiPath(e.RoutePattern.RawText!), Method: method.ToLowerInvariant()))
            .ToList();

        Assert.Contains(("/api/users/statistics", "get"), mapped);
        Assert.All(mapped, m => Assert.True(
            paths.TryGetProperty(m.Path, out var item) && item.TryGetProperty(m.Method, out _), $"{m.Method} {m.Path} is not documented"));
    }

    // "/api/users/{id:guid}" is documented as "/api/users/{id}", a group's root "/api/users/" as "/api/users"
    private static string OpenApiPath(string route) =>
        System.Text.RegularExpressions.Regex.Replace(route, @"\{(\w+):[^}]+\}", "{$1}").TrimEnd('/');
}
