using System.Collections.Concurrent;
using System.Net.Http.Json;
using Alba;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.DeadLetters;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Users;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Wolverine;
using Wolverine.Runtime;

namespace Marten.EventApp.IntegrationTests.EventBus;

// The seed's policy: retries with a growing pause, then the dead letters. On the durable local queues (no broker).
[Collection(MessagingCollection.Name)]
public sealed class when_a_consumer_keeps_failing(MessagingFixture fixture) : MessagingTest(fixture)
{
    private const string EnvelopeType = "Marten.EventApp.Contracts.Events.EventEnvelope";

    [Fact]
    public async Task it_retries_after_1_2_and_4_seconds_then_dead_letters_and_a_replay_delivers_it_once()
    {
        var id = Guid.CreateVersion7();
        PoisonProbe.Poison(id);
        await Host.Scenario(x =>
        {
            x.Post.Json(new { id, email = UserScenarios.UniqueEmail("poison"), firstName = "Poi", lastName = "Son" })
                .ToUrl("/api/users");
            x.StatusCodeShouldBe(201);
        });

        var page = await Tracking.Eventually(async () =>
        {
            var result = await Host.GetAsJson<DeadLetterPage>($"/api/admin/dead-letters?messageType={EnvelopeType}");
            return result!.Total > 0 ? result : null;
        }, TimeSpan.FromSeconds(60));

        var attempts = PoisonProbe.Attempts.ToArray();
        Assert.Equal(4, attempts.Length);
        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => (b - a).TotalSeconds).ToArray();
        Assert.All(gaps.Zip(new[] { 1.0, 2.0, 4.0 }), g => Assert.InRange(g.First, g.Second * 0.9, g.Second + 1.5));
        var dead = Assert.Single(page.DeadLetters);
        Assert.Equal("System.InvalidOperationException", dead.ExceptionType);

        var group = Assert.Single(await Host.GetAsJson<List<DeadLetterGroup>>("/api/admin/dead-letters/groups") ?? []);
        Assert.Equal(1, group.Count);

        // an empty selection is refused, never read as "all"
        await Host.Scenario(x =>
        {
            x.Post.Json(new { ids = Array.Empty<Guid>() }).ToUrl("/api/admin/dead-letters/replay");
            x.StatusCodeShouldBe(400);
        });
        PoisonProbe.Heal();
        var replayed = await Host.Scenario(x =>
            x.Post.Json(new { ids = new[] { dead.Id } }).ToUrl("/api/admin/dead-letters/replay"));
        Assert.Equal(1, (await replayed.ReadAsJsonAsync<DeadLetterOperation>())!.Affected);

        await PoisonProbe.Delivered.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(5, PoisonProbe.Attempts.Count);
        // the activity log, a consumer of its own, recorded the event once, whatever the probe went through
        var activity = await Host.ActivityOf(id, patience: TimeSpan.FromSeconds(60));
        Assert.Equal("UserRegistered", Assert.Single(activity).EventType);
    }

    [Fact]
    public async Task a_transient_failure_pauses_and_retries_without_spending_the_retries_into_the_dead_letters()
    {
        var id = Guid.CreateVersion7();
        PoisonProbe.Poison(id, transientFailures: 5);
        PoisonProbe.Heal();
        await Host.Scenario(x =>
        {
            x.Post.Json(new { id, email = UserScenarios.UniqueEmail("blip"), firstName = "Bl", lastName = "Ip" })
                .ToUrl("/api/users");
            x.StatusCodeShouldBe(201);
        });

        try
        {
            await PoisonProbe.Delivered.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            var stuck = await Host.GetAsJson<DeadLetterPage>($"/api/admin/dead-letters?messageType={EnvelopeType}");
            Assert.Fail($"not delivered: {PoisonProbe.Attempts.Count} attempts at " +
                        string.Join(", ", PoisonProbe.Attempts.Select(a => a.ToString("HH:mm:ss.fff"))) +
                        $"; {stuck!.Total} dead letters");
            throw;
        }

        // five transient failures (more than the three retries a fault gets), then it went through
        var attempts = PoisonProbe.Attempts.ToArray();
        Assert.Equal(6, attempts.Length);
        Assert.All(attempts.Zip(attempts.Skip(1), (a, b) => (b - a).TotalSeconds),
            gap => Assert.True(gap >= 0.8, $"retried after {gap:0.00} s, without a pause"));
        var dead = await Host.GetAsJson<DeadLetterPage>($"/api/admin/dead-letters?messageType={EnvelopeType}");
        Assert.Equal(0, dead!.Total);
    }

    [Fact]
    public async Task a_discard_must_name_what_it_discards()
    {
        foreach (var body in new object[] { new { }, new { ids = Array.Empty<Guid>() },
            new { all = true, group = "x" } })
        {
            await Host.Scenario(x =>
            {
                x.Post.Json(body).ToUrl("/api/admin/dead-letters/discard");
                x.StatusCodeShouldBe(400);
            });
        }

        var all = await Host.Scenario(x => x.Post.Json(new { all = true }).ToUrl("/api/admin/dead-letters/discard"));
        Assert.Equal(0, (await all.ReadAsJsonAsync<DeadLetterOperation>())!.Affected ?? 0);
    }

    [Fact]
    public async Task one_dead_letter_shows_its_body_as_text_up_to_the_limit()
    {
        var runtime = Host.Services.GetRequiredService<IWolverineRuntime>();
        async Task<Guid> Planted(string body)
        {
            var envelope = new Envelope
            {
                Id = Guid.CreateVersion7(), Data = System.Text.Encoding.UTF8.GetBytes(body),
                MessageType = "dead-letter.probe", ContentType = "application/json",
                Destination = new Uri("local://dead-letter-probe")
            };
            await runtime.Storage.Inbox.MoveToDeadLetterStorageAsync(envelope, new InvalidOperationException("probe"));
            return envelope.Id;
        }

        const string small = """{"name":"Zoë"}""";
        var whole = (await Host.GetAsJson<DeadLetterDetails>($"/api/admin/dead-letters/{await Planted(small)}"))!;
        Assert.Equal((small, 15, false), (whole.Body, whole.BodyBytes, whole.BodyTruncated));
        Assert.Equal(("dead-letter.probe", "System.InvalidOperationException"),
            (whole.Letter.MessageType, whole.Letter.ExceptionType));

        var large = new string('x', DeadLetterEndpoints.MaxBodyChars + 10);
        var start = (await Host.GetAsJson<DeadLetterDetails>($"/api/admin/dead-letters/{await Planted(large)}"))!;
        Assert.Equal((large[..DeadLetterEndpoints.MaxBodyChars], large.Length, true),
            (start.Body, start.BodyBytes, start.BodyTruncated));

        await Host.Scenario(x =>
        {
            x.Get.Url($"/api/admin/dead-letters/{Guid.NewGuid()}");
            x.StatusCodeShouldBe(404);
        });
    }
}

public static class PoisonProbe
{
    private static HashSet<Guid> _poisoned = [];
    private static volatile bool _healed;
    private static int _transientFailures;
    public static ConcurrentQueue<DateTimeOffset> Attempts { get; private set; } = new();

    public static TaskCompletionSource Delivered { get; private set; } = new();

    public static void Poison(Guid aggregateId, int transientFailures = 0) => Poison([aggregateId], transientFailures);

    public static void Poison(Guid[] aggregateIds, int transientFailures = 0) =>
        (_poisoned, _healed, _transientFailures, Attempts, Delivered) =
        ([.. aggregateIds], false, transientFailures, new ConcurrentQueue<DateTimeOffset>(),
            new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public static void Heal() => _healed = true;

    public static void Check(EventEnvelope e)
    {
        if (!_poisoned.Contains(e.AggregateId) || e.EventType != "UserRegistered") return;
        Attempts.Enqueue(DateTimeOffset.UtcNow);
        // as Npgsql reports a database it cannot reach
        if (Interlocked.Decrement(ref _transientFailures) >= 0) throw new NpgsqlException("the database is away",
            new TimeoutException());
        if (!_healed) throw new InvalidOperationException("poisoned by the test");
        Delivered.TrySetResult();
    }
}

public static class PoisonProbeHandler
{
    public static void Handle(EventEnvelope e) => PoisonProbe.Check(e);
}
