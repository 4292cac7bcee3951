using System.Text.Json;
using Alba;
using Marten.EventApp.Bench.Harness;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.Onboarding;
using Marten.EventApp.OperatorConsole;
using Marten.EventApp.Operations;
using Marten.EventApp.Orders;
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
        _host = await TestHost.StartAsync("eventapp_console", settings: new Dictionary<string, string>
        {
            ["EventApp:Onboarding:Enabled"] = "true",
            // orders wait for a payment that never comes: their timeouts stay pending for the page to fire
            ["EventApp:Orders:ProcessEnabled"] = "true",
            ["EventApp:Orders:Payment"] = nameof(SimulatedAnswer.NoAnswer),
            ["EventApp:Orders:Inventory"] = nameof(SimulatedAnswer.NoAnswer),
            ["EventApp:EventBus:RetryDelays:0"] = "00:00:00.100",
            ["EventApp:Monitoring:PollInterval"] = "00:00:01"
        });
        await _host.ResetAsync();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task the_bus_counts_the_messages_waiting_in_the_inbox_for_each_queue()
    {
        // a message waiting for the activity log, held by this node (not yet due to be taken over)
        var runtime = _host.Services.GetRequiredService<IWolverineRuntime>();
        var waiting = new Envelope
        {
            Id = Guid.CreateVersion7(), Data = "{}"u8.ToArray(), MessageType = "console.probe",
            ContentType = "application/json", Status = EnvelopeStatus.Incoming,
            Destination = new Uri($"local://{UserActivityHandler.Queue}/"),
            OwnerId = runtime.Options.Durability.AssignedNodeNumber
        };
        await runtime.Storage.Inbox.StoreIncomingAsync(waiting);

        var bus = (await _host.GetAsJson<BusOverview>("/api/admin/console/bus"))!;

        Assert.Equal("local", bus.Transport);
        var activity = Assert.Single(bus.Queues, q => q.Name == UserActivityHandler.Queue);
        Assert.Equal((1L, (string?)null), (activity.Depth, activity.Error));
        Assert.Equal(0, Assert.Single(bus.Queues, q => q.Name == OnboardingTrigger.Queue).Depth);
        await runtime.Storage.Inbox.DeleteIncomingEnvelopeAsync(waiting);
    }

    private async Task<Guid> PlacedOrderAsync()
    {
        var placed = await _host.Scenario(x =>
        {
            x.Post.Json(new { customerId = Guid.NewGuid(),
                lines = new[] { new { sku = "BOOK-1", quantity = 1, unitPrice = 12m } } }).ToUrl("/api/orders");
            x.StatusCodeShouldBe(201);
        });
        var id = (await placed.ReadAsJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await _host.SagaWhen<OrderSaga>(id, s => s.State == OrderProcessState.PaymentPending);
        return id;
    }

    [Fact]
    public async Task every_page_shows_the_services_data_and_actions_take_effect()
    {
        var users = new List<Guid>();
        for (var i = 0; i < 3; i++) users.Add((await _host.RegisteredUser()).Id);
        foreach (var id in users) await _host.SagaWhen<UserOnboardingSaga>(id, s => s.Status == SagaStatus.Completed);
        var patched = await _host.AdminClient().Patch(users[0], new { firstName = "Console" });
        Assert.True(patched.IsSuccessStatusCode, await patched.Content.ReadAsStringAsync());

        // a consumer that fails on an event: it heads that user's sequence, the user's next event waits behind it
        var poisoned = users[1];
        var runtime = _host.Services.GetRequiredService<IWolverineRuntime>();
        var bus = new MessageBus(runtime).EndpointFor(UserActivityHandler.Queue);
        foreach (var (version, data) in new[] { (10L, "{}"), (11L, """{"updatedFields":{"firstName":"Later"}}""") })
            await bus.SendAsync(ActivityEvent.Of(new EventEnvelope(Guid.CreateVersion7(), "UserProfileUpdated",
                poisoned, version, 1, DateTimeOffset.UtcNow, JsonDocument.Parse(data).RootElement), null));
        var sequence = await _host.OnlySequenceAsync(q => q.Key == poisoned && q.Size == 2);

        // two orders waiting for their payment, and a saga stuck since the day before yesterday
        var orders = new[] { await PlacedOrderAsync(), await PlacedOrderAsync() };
        var stuck = new UserOnboardingSaga
        {
            Id = Guid.CreateVersion7(), Status = SagaStatus.Started, StartedAt = DateTimeOffset.UtcNow.AddDays(-2)
        };
        await using (var session = _host.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Store(stuck);
            await session.SaveChangesAsync();
        }

        // a dead letter as a consumer leaves one: its message, endpoint and exception in Wolverine's store
        var tag = $"console-probe-{Guid.NewGuid():N}"[..24];
        var letter = new Envelope(new OnboardingOperatorNote(users[1], tag))
        {
            Destination = new Uri($"local://{OnboardingConfiguration.SagaQueue}"),
            ContentType = "application/json", Serializer = runtime.Options.DefaultSerializer,
            MessageType = typeof(OnboardingOperatorNote).FullName
        };
        await runtime.Storage.Inbox.MoveToDeadLetterStorageAsync(letter, new InvalidOperationException(tag));

        // the overview's figures come from the store's reading: one taken after all of the above
        var arranged = DateTimeOffset.UtcNow;
        var snapshot = _host.Services.GetRequiredService<OperationsSnapshot>();
        await Tracking.Eventually(async () => snapshot.Reading is { } r && r.At > arranged ? r : null);

        var shots = Path.Combine(BenchSettings.FindRepoRoot(AppContext.BaseDirectory), ".local", "test-results",
            "console");
        await using var gateway = await BrowserGateway.StartAsync(_host);
        // the page itself holds no data: it loads without a token
        using (var plain = new HttpClient())
        {
            var shell = await plain.GetAsync($"{gateway.Address}/console/");
            Assert.True(shell.IsSuccessStatusCode, $"{shell.StatusCode}: {await shell.Content.ReadAsStringAsync()}");
            Assert.True(shell.Headers.Contains("Content-Security-Policy"), await shell.Content.ReadAsStringAsync());
            var policy = shell.Headers.GetValues("Content-Security-Policy").Single();
            // no authority configured: the page reaches its own origin only
            Assert.Contains("script-src 'self'", policy);
            Assert.Contains("connect-src 'self';", policy);
        }

        var input = JsonSerializer.Serialize(new
        {
            url = gateway.Address, adminToken = TestAuth.AdminToken,
            customerToken = TestAuth.Token(["customer"], subject: users[2].ToString()),
            userId = users[0], deadLetterTag = tag, screenshots = shots, sequenceKey = poisoned,
            firedOrder = orders[0], compensatedOrder = orders[1], stuckSaga = stuck.Id
        });
        var (exit, output) = await _browser.RunAsync("node", "console.mjs", input);
        var seen = JsonDocument.Parse(output.Split('\n').Last(l => l.StartsWith('{'))).RootElement;
        Assert.True(exit == 0, $"the browser run failed: {output}");

        Assert.Equal("#/overview", seen.GetProperty("addressAfterSignIn").GetString());
        // the failing consumer makes it degraded, and says where
        Assert.Equal("DEGRADED", seen.GetProperty("overviewStatus").GetString());
        // the poison's dead letter and the planted one; the poison and the event behind it; the stuck saga
        Assert.Equal(("2", "2", "1"), (seen.GetProperty("deadLettersTile").GetString(),
            seen.GetProperty("parkedTile").GetString(), seen.GetProperty("stuckTile").GetString()));
        Assert.Contains(seen.GetProperty("overviewReasons").EnumerateArray(),
            r => r.GetString()!.StartsWith("UserProfileUpdated.UserActivityHandler:", StringComparison.Ordinal));
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
        // three onboardings, two orders and the stuck one
        Assert.Equal(6, seen.GetProperty("sagaRows").GetInt32());
        Assert.Contains("the other 1 run", seen.GetProperty("sequencePreview").GetString());
        Assert.Contains("(1 affected)", seen.GetProperty("sequenceResult").GetString());
        Assert.StartsWith("Fire this timeout now: done", seen.GetProperty("fireResult").GetString());
        Assert.StartsWith("Force compensation: done", seen.GetProperty("compensateResult").GetString());
        Assert.Contains("403", seen.GetProperty("customer").GetString());
        var queues = seen.GetProperty("busQueues").EnumerateArray().Select(q => q.GetString()).ToList();
        Assert.Contains(UserActivityHandler.Queue, queues);
        Assert.Contains(OnboardingTrigger.Queue, queues);
        Assert.Empty(seen.GetProperty("errors").EnumerateArray());
        // the one refusal is the customer's, on the page it signed in on
        Assert.Equal(new[] { "403 /api/admin/console/bus" },
            seen.GetProperty("refused").EnumerateArray().Select(r => r.GetString()!).ToArray());

        Assert.Equal(stuck.Id.ToString(), seen.GetProperty("stuckSagas").EnumerateArray().Single().GetString());

        // what the page did, read through the API
        await _host.SequenceIsGoneAsync($"{SequenceOperations.Sequences}/{sequence.Consumer}/{sequence.Key}");
        var fired = await _host.SagaWhen<OrderSaga>(orders[0], s => s.Status != SagaStatus.Started);
        Assert.Contains(fired.Timeline, t => t.Note.StartsWith("operator fired the", StringComparison.Ordinal));
        var compensated = await _host.SagaWhen<OrderSaga>(orders[1], s => s.Status == SagaStatus.Failed);
        Assert.Contains("the customer called to cancel", compensated.Error);
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
        string[] pages =
            ["overview", "streams", "projections", "dead-letters", "dead-letter", "sagas", "saga", "bus", "forbidden"];
        foreach (var page in pages)
            Assert.True(new FileInfo(Path.Combine(shots, $"{page}.png")).Length > 10_000, $"no screenshot of {page}");
    }
}
