using System.Text.Json;
using Alba;
using Marten.EventApp.Bench.Harness;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Onboarding;
using Marten.EventApp.Sagas;
using Marten.EventApp.Users;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.Runtime;

namespace Marten.EventApp.IntegrationTests.OperatorConsole;

// Headless Chromium on the console, served by a host with onboarding on: each page with the host's own data, each
// action done through the page and its effect read back through the API
[Collection(OwnHostsCollection.Name)]
public sealed class when_an_operator_uses_the_console : IAsyncLifetime
{
    private readonly NodeTools _browser = new("console");
    private IAlbaHost _host = null!;

    public async Task InitializeAsync()
    {
        await _browser.InstallAsync();
        _host = await TestHost.StartAsync("eventapp_console",
            settings: new Dictionary<string, string> { ["EventApp:Onboarding:Enabled"] = "true" });
        await _host.ResetAsync();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task every_page_shows_the_services_data_and_actions_take_effect()
    {
        var users = new List<Guid>();
        for (var i = 0; i < 3; i++) users.Add((await _host.RegisteredUser()).Id);
        foreach (var id in users) await _host.SagaWhen<UserOnboardingSaga>(id, s => s.Status == SagaStatus.Completed);
        var patched = await _host.AdminClient().Patch(users[0], new { firstName = "Console" });
        Assert.True(patched.IsSuccessStatusCode, await patched.Content.ReadAsStringAsync());

        // a dead letter as a consumer leaves one: its message, endpoint and exception in Wolverine's store
        var tag = $"console-probe-{Guid.NewGuid():N}"[..24];
        var runtime = _host.Services.GetRequiredService<IWolverineRuntime>();
        var letter = new Envelope(new OnboardingOperatorNote(users[1], tag))
        {
            Destination = new Uri($"local://{OnboardingConfiguration.SagaQueue}"),
            ContentType = "application/json", Serializer = runtime.Options.DefaultSerializer,
            MessageType = typeof(OnboardingOperatorNote).FullName
        };
        await runtime.Storage.Inbox.MoveToDeadLetterStorageAsync(letter, new InvalidOperationException(tag));

        var shots = Path.Combine(BenchSettings.FindRepoRoot(AppContext.BaseDirectory), ".local", "test-results",
            "console");
        await using var gateway = await BrowserGateway.StartAsync(_host);
        // the page itself holds no data: it loads without a token
        using (var plain = new HttpClient())
        {
            var shell = await plain.GetAsync($"{gateway.Address}/console/");
            Assert.True(shell.IsSuccessStatusCode, $"{shell.StatusCode}: {await shell.Content.ReadAsStringAsync()}");
            Assert.True(shell.Headers.Contains("Content-Security-Policy"), await shell.Content.ReadAsStringAsync());
            Assert.Contains("script-src 'self'", shell.Headers.GetValues("Content-Security-Policy").Single());
        }

        var input = JsonSerializer.Serialize(new
        {
            url = gateway.Address, adminToken = TestAuth.AdminToken,
            customerToken = TestAuth.Token(["customer"], subject: users[2].ToString()),
            userId = users[0], deadLetterTag = tag, screenshots = shots
        });
        var (exit, output) = await _browser.RunAsync("node", "console.mjs", input);
        var seen = JsonDocument.Parse(output.Split('\n').Last(l => l.StartsWith('{'))).RootElement;
        Assert.True(exit == 0, $"the browser run failed: {output}");

        Assert.Equal("#/overview", seen.GetProperty("addressAfterSignIn").GetString());
        Assert.Equal("HEALTHY", seen.GetProperty("overviewStatus").GetString());
        Assert.Equal(2, seen.GetProperty("streamEvents").GetInt32());
        Assert.Equal(1, seen.GetProperty("stateAtVersion1").GetInt32());
        // every stream is rebuilt (the users' and their onboardings')
        var progress = System.Text.RegularExpressions.Regex.Match(seen.GetProperty("rebuildProgress").GetString()!,
            @"^([\d,]+) of ([\d,]+) streams");
        Assert.True(progress.Success && progress.Groups[1].Value == progress.Groups[2].Value
            && int.Parse(progress.Groups[1].Value) >= users.Count, seen.GetProperty("rebuildProgress").GetString());
        Assert.Equal(tag, seen.GetProperty("letterBody").GetProperty("note").GetString());
        Assert.Equal($"System.InvalidOperationException: {tag}", seen.GetProperty("letterException").GetString());
        Assert.Contains(letter.Id.ToString(), seen.GetProperty("preview").GetString());
        Assert.Equal(1, seen.GetProperty("afterCancel").GetInt32());
        Assert.Contains("(1 affected)", seen.GetProperty("actionResult").GetString());
        Assert.Equal(3, seen.GetProperty("sagaRows").GetInt32());
        Assert.Contains("403", seen.GetProperty("customer").GetString());
        var queues = seen.GetProperty("busQueues").EnumerateArray().Select(q => q.GetString()).ToList();
        Assert.Contains(UserActivityHandler.Queue, queues);
        Assert.Contains(OnboardingTrigger.Queue, queues);
        Assert.Empty(seen.GetProperty("errors").EnumerateArray());
        // the one refusal is the customer's, on the page it signed in on
        Assert.Equal(new[] { "403 /api/admin/console/bus" },
            seen.GetProperty("refused").EnumerateArray().Select(r => r.GetString()!).ToArray());

        // what the page did, read through the API
        var letters = await _host.GetAsJson<JsonElement>("/api/admin/dead-letters");
        Assert.Equal(0, letters.GetProperty("total").GetInt32());
        await _host.Scenario(x =>
        {
            x.Get.Url($"/api/admin/dead-letters/{letter.Id}");
            x.StatusCodeShouldBe(404);
        });
        var projections = await _host.GetAsJson<JsonElement>("/api/admin/projections");
        Assert.Contains(projections.GetProperty("projections").EnumerateArray(),
            p => p.GetProperty("name").GetString() == "UserDetails");
        Assert.Equal("Console", (await _host.UserDetails(users[0])).FirstName);
        foreach (var page in new[]
                 { "overview", "streams", "projections", "dead-letters", "dead-letter", "sagas", "bus", "forbidden" })
            Assert.True(new FileInfo(Path.Combine(shots, $"{page}.png")).Length > 10_000, $"no screenshot of {page}");
    }
}
