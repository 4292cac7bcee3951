using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Alba;
using Marten.EventApp.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Marten.EventApp.IntegrationTests.Platform;

// routes read from the endpoint data source, so that a route added later is checked too
[Collection(AppCollection.Name)]
public sealed class when_callers_authenticate(AppFixture fixture)
{
    // the console's page, scripts and sign-in settings hold no data: what it shows comes from the admin API
    private static readonly string[] Open =
    [
        "/asyncapi/v1.json", "/console/sign-in", "/console/{file?}", "/health", "/health/live", "/health/ready",
        "/metrics", "/openapi/{documentName}.json"
    ];

    private IAlbaHost Host => fixture.Host;

    private IReadOnlyList<(string Method, string Route, string Url, bool Anonymous)> Routes() =>
        Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m =>
                (m, "/" + e.RoutePattern.RawText!.TrimStart('/'), Url(e.RoutePattern.RawText!),
                    e.Metadata.GetMetadata<IAllowAnonymous>() is not null)))
            .ToList();

    // a sample value for each route parameter: {id:guid} a new guid, any other a word
    private static string Url(string route) =>
        "/" + System.Text.RegularExpressions.Regex.Replace(route.TrimStart('/'), @"\{([^}:?]+)(:[^}?]+)?\??\}",
            m => m.Groups[2].Value.Contains("guid") ? Guid.NewGuid().ToString()
                : m.Groups[2].Value.Contains("int") || m.Groups[2].Value.Contains("long") ? "1" : "x");

    private HttpClient Client(string? token)
    {
        var client = Host.Server.CreateClient();
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            token);
        return client;
    }

    private static async Task<HttpResponseMessage> Send(HttpClient client, string method, string url)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (method is "POST" or "PUT" or "PATCH") request.Content = new StringContent("{}", System.Text.Encoding.UTF8,
            "application/json");
        return await client.SendAsync(request);
    }

    [Fact]
    public void only_health_metrics_and_the_documents_are_open()
    {
        var routes = Routes();
        Assert.True(routes.Count > 30, $"only {routes.Count} routes found");
        // the API reference's page and its scripts are under /docs
        Assert.Equal(Open.Order(),
            routes.Where(r => r.Anonymous && !r.Route.StartsWith("/docs/")).Select(r => r.Route).Distinct().Order());
        Assert.Contains(routes, r => r is { Anonymous: true, Route: "/docs/{documentName?}" });
    }

    [Fact]
    public async Task every_other_route_answers_401_without_a_token_and_with_a_bad_one()
    {
        var anonymous = Client(null);
        var forged = Client(new TokenIssuer(new AuthOptions { SigningKey = new string('x', 40) }).Mint("mallory",
            [Authentication.AdminRole], TimeSpan.FromHours(1)));
        // expired beyond the five minutes of clock skew a validator allows
        var expired = Client(TestAuth.Token([Authentication.AdminRole], TimeSpan.FromMinutes(1),
            DateTime.UtcNow.AddMinutes(-10)));
        foreach (var (method, route, url, _) in Routes().Where(r => !r.Anonymous))
        foreach (var (client, what) in new[] { (anonymous, "no token"), (forged, "a token signed with another key"),
            (expired, "an expired token") })
        {
            using var response = await Send(client, method, url);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized,
                $"{method} {route} with {what}: {(int)response.StatusCode}");
        }

        using var problem = await Send(anonymous, "GET", "/api/users/search?term=abc");
        Assert.Equal("application/problem+json", problem.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task admin_routes_answer_403_without_the_admin_role_and_the_others_let_a_service_in()
    {
        var user = Client(TestAuth.Token([Scopes.ServiceRole]));
        var routes = Routes().Where(r => !r.Anonymous).ToList();
        Assert.Contains(routes, r => r.Route.StartsWith(Authentication.AdminPrefix));
        foreach (var (method, route, url, _) in routes)
        {
            using var response = await Send(user, method, url);
            var status = (int)response.StatusCode;
            if (route.StartsWith(Authentication.AdminPrefix))
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden,
                    $"{method} {route} without the admin role: {status}");
            else
                Assert.True(status is not 401 and not 403 and < 500, $"{method} {route} for a service: {status}");
        }
    }

    [Fact]
    public async Task the_openapi_document_names_the_bearer_scheme_and_docs_serve_the_reference()
    {
        var document = await Host.GetAsJson<JsonElement>("/openapi/v1.json");
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        Assert.Equal("JWT", scheme.GetProperty("bearerFormat").GetString());

        using var docs = await Client(null).GetAsync("/docs/");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Contains("text/html", docs.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task outside_development_a_service_without_a_key_or_authority_does_not_start()
    {
        var connectionString = await TestDatabase.ConnectionString();
        var refused = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var host = await AlbaHost.For<Program>(b =>
            {
                b.UseEnvironment("Production");
                b.UseSetting("ConnectionStrings:Marten", connectionString);
                b.UseSetting("EventApp:SchemaName", "eventapp_no_key");
            });
        });
        var message = string.Join(" | ", Flatten(refused).Select(e => e.Message));
        Assert.Contains("EventApp:Auth:SigningKey", message);
        Assert.Contains("EventApp:Auth:Authority", message);
    }

    private static IEnumerable<Exception> Flatten(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException) yield return x;
    }

    [Fact]
    public void token_lifetimes_read_as_an_operator_writes_them()
    {
        Assert.Equal(TimeSpan.FromHours(1), TokenCommand.Lifetime("1h"));
        Assert.Equal(TimeSpan.FromMinutes(30), TokenCommand.Lifetime("30m"));
        Assert.Equal(TimeSpan.FromDays(7), TokenCommand.Lifetime("7d"));
        Assert.Equal(TimeSpan.FromMinutes(90), TokenCommand.Lifetime("01:30:00"));
        Assert.Throws<ArgumentException>(() => TokenCommand.Lifetime("soon"));
        Assert.Throws<ArgumentException>(() => TokenCommand.Lifetime("-1h"));
        Assert.Throws<ArgumentException>(() => TokenCommand.Lifetime("90"));  // not ninety days
    }
}
