using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Alba;
using Marten.EventApp.OperatorConsole;

namespace Marten.EventApp.IntegrationTests.OperatorConsole;

// The service trusts an OpenID Connect authority (oidc-provider under Node, tests/console/authority.mjs): the console
// signs in there with the authorization code and PKCE, and the API accepts the token it brings back
[Collection(OwnHostsCollection.Name)]
public sealed class when_an_operator_signs_in_through_the_authority(
    when_an_operator_signs_in_through_the_authority.Service service)
    : IClassFixture<when_an_operator_signs_in_through_the_authority.Service>
{
    private const string ClientId = "eventapp-console";
    private const string Resource = "urn:marten-eventapp";
    private NodeTools Browser => service.Browser;
    private BrowserGateway Gateway => service.Gateway;
    private TestAuthority Authority => service.Authority;
    private IAlbaHost Host => service.Host;

    public sealed class Service : IAsyncLifetime
    {
        public NodeTools Browser { get; } = new("console");
        public BrowserGateway Gateway { get; private set; } = null!;
        public TestAuthority Authority { get; private set; } = null!;
        public IAlbaHost Host { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await Browser.InstallAsync();
            // the authority must know the console's address before the service knows the authority's
            Gateway = await BrowserGateway.StartAsync();
            Authority = await TestAuthority.StartAsync(Browser, new
            {
                clientId = ClientId, redirectUri = $"{Gateway.Address}/console/", audience = "marten-eventapp",
                resource = Resource, scopes = "users:read events:read operations:read", admins = new[] { "operator" }
            });
            Host = await TestHost.StartAsync("eventapp_console_oidc", settings: new Dictionary<string, string>
            {
                ["EventApp:Auth:Authority"] = Authority.Issuer,
                ["EventApp:Console:ClientId"] = ClientId,
                ["EventApp:Console:Resource"] = Resource
            });
            Gateway.Attach(Host);
        }

        // what set-up got to start, when it stopped half-way
        public async Task DisposeAsync()
        {
            if (Host is not null) await Host.DisposeAsync();
            if (Gateway is not null) await Gateway.DisposeAsync();
            Authority?.Dispose();
        }
    }

    private async Task<JsonElement> SignInAsync(string login)
    {
        var results = Path.Combine(Browser.Folder, "..", "..", ".local", "test-results", "console");
        var input = JsonSerializer.Serialize(new { url = Gateway.Address, login, screenshots = results });
        var (exit, output) = await Browser.RunAsync("node", "sign-in.mjs", input);
        await File.WriteAllTextAsync(Path.Combine(results, $"sign-in-{login}.txt"), output);
        Assert.True(exit == 0, $"the browser run failed: {output}");
        return JsonDocument.Parse(output.Split('\n').Last(l => l.StartsWith('{'))).RootElement;
    }

    [Fact]
    public async Task the_console_offers_the_authority_and_lets_the_page_reach_its_token_endpoint()
    {
        var settings = (await Host.GetAsJson<ConsoleSignIn>("/console/sign-in"))!;
        Assert.Equal(new ConsoleSignIn(ConsoleSignIn.AuthorityMode, Authority.Issuer, $"{Authority.Issuer}/auth",
                $"{Authority.Issuer}/token", ClientId, "openid users:read events:read operations:read", Resource, true),
            settings);

        var page = await Host.Scenario(x => x.Get.Url("/console/"));
        Assert.Contains($"connect-src 'self' {Authority.Issuer};",
            page.Context.Response.Headers.ContentSecurityPolicy.ToString());
    }

    [Fact]
    public async Task an_admin_signs_in_at_the_authority_and_the_console_reads_with_its_token()
    {
        var grants = Authority.Grants().Count;
        var seen = await SignInAsync("operator");

        Assert.Equal($"Sign in at {new Uri(Authority.Issuer).Authority}", seen.GetProperty("button").GetString());
        Assert.Equal(Authority.Issuer, seen.GetProperty("authorityPage").GetString());
        var asked = seen.GetProperty("authorizationRequest");
        Assert.Equal(("code", ClientId, $"{Gateway.Address}/console/", "S256", Resource),
            (asked.GetProperty("response_type").GetString(), asked.GetProperty("client_id").GetString(),
                asked.GetProperty("redirect_uri").GetString(), asked.GetProperty("code_challenge_method").GetString(),
                asked.GetProperty("resource").GetString()));
        Assert.False(asked.TryGetProperty("code_verifier", out _));

        // the page the operator asked for, signed in with the authority's token and nothing left in the address
        Assert.Equal("Bus", seen.GetProperty("heading").GetString());
        Assert.Equal($"{Gateway.Address}/console/#/bus", seen.GetProperty("addressAfterSignIn").GetString());
        var claims = seen.GetProperty("claims");
        Assert.Equal((Authority.Issuer, "marten-eventapp", "operator", "admin"),
            (claims.GetProperty("iss").GetString(), claims.GetProperty("aud").GetString(),
                claims.GetProperty("sub").GetString(), claims.GetProperty("role").GetString()));
        Assert.Equal(JsonValueKind.Null, seen.GetProperty("flowLeft").ValueKind);
        // the admin routes, and a scoped one (the global feed, events:read) with the scopes the console asked for
        var requests = seen.GetProperty("consoleRequests").EnumerateArray().Select(r => r.GetString()).ToList();
        Assert.Contains("/api/admin/console/bus", requests);
        Assert.Contains("/api/events", requests);

        const string notOurs = "That answer is not for a sign-in this tab started; sign in again.";
        Assert.Equal(notOurs, seen.GetProperty("forgedAnswer").GetString());
        Assert.Equal("That answer does not come from the authority this service trusts; sign in again.",
            seen.GetProperty("otherIssuer").GetString());
        // an error's text counts only in an answer to the tab's own request
        Assert.Equal(notOurs, seen.GetProperty("injectedError").GetString());
        // the page the refused answer's tab was on when its own sign-in left
        Assert.Equal($"{Gateway.Address}/console/#/streams", seen.GetProperty("addressAfterForged").GetString());
        Assert.Equal(JsonValueKind.Null, seen.GetProperty("tokenAfterForged").ValueKind);
        Assert.Empty(seen.GetProperty("errors").EnumerateArray());
        Assert.Equal([], seen.GetProperty("refused").EnumerateArray().Select(r => r.GetString()));

        // the code was exchanged once, with the verifier the authority checked against the challenge; the refused
        // answers' codes never reached the token endpoint
        Assert.Equal(["success authorization_code"], Authority.Grants().Skip(grants));
    }

    [Fact]
    public async Task an_account_without_the_admin_role_is_forbidden()
    {
        var seen = await SignInAsync("visitor");

        Assert.Equal("Forbidden", seen.GetProperty("heading").GetString());
        Assert.Equal("customer", seen.GetProperty("claims").GetProperty("role").GetString());
    }

    public sealed class TestAuthority : IDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<JsonElement> _lines = new();
        private readonly ConcurrentQueue<string> _errors = new();

        private TestAuthority(Process process) => _process = process;

        public string Issuer { get; private set; } = "";

        public static async Task<TestAuthority> StartAsync(NodeTools tools, object input)
        {
            var process = Process.Start(new ProcessStartInfo("node", ["authority.mjs", JsonSerializer.Serialize(input)])
            {
                WorkingDirectory = tools.Folder, RedirectStandardOutput = true, RedirectStandardError = true
            })!;
            var authority = new TestAuthority(process);
            var started = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not { } line || !line.StartsWith('{')) return;
                var parsed = JsonDocument.Parse(line).RootElement;
                if (parsed.TryGetProperty("issuer", out var issuer)) started.TrySetResult(issuer.GetString()!);
                else authority._lines.Enqueue(parsed);
            };
            process.ErrorDataReceived += (_, e) => authority._errors.Enqueue(e.Data ?? "");
            process.Exited += (_, _) => started.TrySetException(
                new InvalidOperationException($"the authority stopped: {string.Join('\n', authority._errors)}"));
            process.EnableRaisingEvents = true;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                authority.Issuer = await started.Task.WaitAsync(TimeSpan.FromSeconds(60));
            }
            catch
            {
                authority.Dispose();
                throw;
            }

            return authority;
        }

        public IReadOnlyList<string> Grants() => _lines.Where(l => l.TryGetProperty("grant", out _))
            .Select(l => $"{l.GetProperty("grant").GetString()} {l.GetProperty("type").GetString()}").ToList();

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }
}
