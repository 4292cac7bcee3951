using Alba;
using Marten.EventApp.Security;
using Microsoft.AspNetCore.Hosting;

namespace Marten.EventApp.IntegrationTests;

// real tokens: the service validates them as it would any
public static class TestAuth
{
    public const string SigningKey = "marten-eventapp-tests-signing-key-0123456789";

    public static string Token(IReadOnlyCollection<string> roles, TimeSpan? lifetime = null, DateTime? issuedAt = null,
        string subject = "tests", IReadOnlyCollection<string>? scopes = null) =>
        new TokenIssuer(new AuthOptions { SigningKey = SigningKey })
            .Mint(subject, roles, lifetime ?? TimeSpan.FromHours(1), issuedAt, scopes);

    public static readonly string AdminToken = Token([Authentication.AdminRole], TimeSpan.FromDays(1));

    public static void UseTestSigningKey(this IWebHostBuilder builder) =>
        builder.UseSetting("EventApp:Auth:SigningKey", SigningKey);

    // unless a scenario sets its own Authorization header
    public static IAlbaHost AsAdmin(this IAlbaHost host)
    {
        host.BeforeEach(http =>
        {
            if (!http.Request.Headers.ContainsKey("Authorization"))
                http.Request.Headers.Authorization = "Bearer " + AdminToken;
        });
        return host;
    }

    public static HttpClient AdminClient(this IAlbaHost host)
    {
        var client = host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            AdminToken);
        return client;
    }
}
