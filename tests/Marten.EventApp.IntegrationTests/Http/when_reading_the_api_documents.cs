using System.Text.Json;
using System.Text.RegularExpressions;
using Alba;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Marten.EventApp.IntegrationTests.Http;

// as a tool reads them: Redocly's CLI lints each with its recommended rules
[Collection(AppCollection.Name)]
public sealed class when_reading_the_api_documents(AppFixture fixture) : IAsyncLifetime
{
    private readonly NodeTools _redocly = new("api-lint");

    public Task InitializeAsync() => _redocly.InstallAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("/openapi/v1.json")]
    [InlineData("/asyncapi/v1.json")]
    public async Task the_document_passes_redoclys_recommended_rules(string path)
    {
        var file = Path.Combine(Path.GetTempPath(), $"api-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, await fixture.Host.GetAsText(path));
        try
        {
            var redocly = Path.Combine(_redocly.Folder, "node_modules", ".bin", "redocly");
            var (_, output) = await _redocly.RunAsync(redocly, "lint", file, "--format=json");
            // the report, then Redocly's summary lines
            var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(output[output.IndexOf('{')..]));
            var report = JsonDocument.ParseValue(ref reader).RootElement;
            var problems = report.GetProperty("problems").EnumerateArray()
                .Select(p => $"{p.GetProperty("severity")} {p.GetProperty("ruleId")}: {p.GetProperty("message")} at " +
                             string.Join(", ", p.GetProperty("location").EnumerateArray()
                                 .Select(l => l.GetProperty("pointer"))))
                .ToList();
            Assert.True(problems.Count == 0, $"{problems.Count} problems in {path}:\n{string.Join('\n', problems)}");
            var totals = report.GetProperty("totals");
            Assert.Equal((0, 0), (totals.GetProperty("errors").GetInt32(), totals.GetProperty("warnings").GetInt32()));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task the_asyncapi_document_has_each_event_in_the_seeds_envelope_and_each_command_the_queue_takes()
    {
        var document = JsonDocument.Parse(await fixture.Host.GetAsText("/asyncapi/v1.json")).RootElement;
        var messages = document.GetProperty("components").GetProperty("messages");
        var registered = messages.GetProperty("UserRegistered").GetProperty("payload").GetProperty("properties");
        Assert.Equal("UserRegistered", registered.GetProperty("eventType").GetProperty("const").GetString());
        // the seed's getEventData() keys, in its order
        Assert.Equal(["email", "firstName", "lastName", "registrationSource", "locale", "marketingConsent"],
            registered.GetProperty("eventData").GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["aggregateId", "aggregateVersion", "causationId", "correlationId", "eventData", "eventId",
            "eventType", "eventVersion", "occurredOn"], registered.EnumerateObject().Select(p => p.Name).Order());
        var commands = document.GetProperty("channels").GetProperty("commands");
        Assert.Equal("marten-eventapp.commands", commands.GetProperty("address").GetString());
        var accepted = commands.GetProperty("messages").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("RegisterUser", accepted);
        Assert.Contains("CreateOrder", accepted);
        Assert.DoesNotContain("EraseUser", accepted);
        Assert.Equal("#/channels/replies", document.GetProperty("operations").GetProperty("receiveCommands")
            .GetProperty("reply").GetProperty("channel").GetProperty("$ref").GetString());
    }

    [Fact]
    public async Task the_openapi_document_describes_every_api_endpoint_the_service_maps()
    {
        var document = JsonDocument.Parse(await fixture.Host.GetAsText("/openapi/v1.json")).RootElement;
        var paths = document.GetProperty("paths");

        // from the endpoints actually mapped, so a new route cannot be left out of the document unnoticed
        var mapped = fixture.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods,
                (e, method) => (Path: OpenApiPath(e.RoutePattern.RawText!), Method: method.ToLowerInvariant()))
            .ToList();

        Assert.Contains(("/api/users/statistics", "get"), mapped);
        Assert.All(mapped, m => Assert.True(
            paths.TryGetProperty(m.Path, out var item) && item.TryGetProperty(m.Method, out _),
            $"{m.Method} {m.Path} is not documented"));
    }

    // "/api/users/{id:guid}" is documented as "/api/users/{id}", a group's root "/api/users/" as "/api/users"
    private static string OpenApiPath(string route) => Regex.Replace(route, @"\{(\w+):[^}]+\}", "{$1}").TrimEnd('/');
}
