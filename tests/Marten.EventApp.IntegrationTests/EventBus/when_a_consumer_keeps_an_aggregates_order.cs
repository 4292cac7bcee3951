using System.Text.Json;
using Alba;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.DeadLetters;
using Marten.EventApp.EventBus;
using Marten.EventApp.Operations;
using Marten.EventApp.Sequences;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Marten.EventApp.IntegrationTests.EventBus;

// A failed event parks its aggregate's later events behind it while other aggregates' go on. On the durable local
// queues (no broker), with the messaging host's retries.
[Collection(MessagingCollection.Name)]
public sealed class when_a_consumer_keeps_an_aggregates_order(MessagingFixture fixture) : MessagingTest(fixture)
{
    private readonly Guid _user = Guid.CreateVersion7();
    private readonly List<Guid> _others = Enumerable.Range(0, 100).Select(_ => Guid.CreateVersion7()).ToList();

    private string Path => $"{SequenceOperations.Sequences}/{SequencedProbe.Queue}/{_user}";

    private async Task<ParkedSequence> ParkAsync(params long[] poisoned)
    {
        SequencedProbe.Poison(_user, [1, .. poisoned]);
        await SendAsync(_user, 1);
        for (var version = 2; version <= 6; version++) await SendAsync(_user, version);
        foreach (var other in _others) await SendAsync(other, 1);

        await Tracking.Eventually(async () =>
            (await HandledAsync()).Count(r => r.Key != _user) == _others.Count ? "" : null,
            TimeSpan.FromSeconds(90));
        var sequence = await Host.OnlySequenceAsync(s => s is { Size: 6, Head.FailedAt: not null });
        Assert.Equal((SequencedProbe.Queue, _user, 1L), (sequence.Consumer, sequence.Key, sequence.Head.Position));
        Assert.Equal(typeof(InvalidOperationException).FullName, sequence.Head.ExceptionType);
        Assert.DoesNotContain(await HandledAsync(), r => r.Key == _user);
        return sequence;
    }

    [Fact]
    public async Task the_aggregates_later_events_wait_in_order_behind_the_poison_and_a_replay_runs_all_six_in_order()
    {
        await ParkAsync();
        var events = await Host.GetAsJson<SequenceEventPage>(Path);
        Assert.Equal([1L, 2, 3, 4, 5, 6], events!.Events.Select(e => e.Position));
        var dead = Assert.Single(await Host.DeadLettersAsync());
        Assert.Equal(typeof(SequencedProbeEvent).FullName, dead.MessageType);

        SequencedProbe.Heal(_user);
        Assert.Equal(6, await Host.ReplaySequenceAsync(Path));

        Assert.Equal(new long[] { 1, 2, 3, 4, 5, 6 }, await UsersVersionsAsync(6));
        await Host.SequenceIsGoneAsync(Path);
        Assert.Empty(await Host.DeadLettersAsync());
    }

    [Fact]
    public async Task discarding_the_head_runs_the_other_five_in_order()
    {
        await ParkAsync();
        await Host.DiscardHeadAsync(Path);

        Assert.Equal(new long[] { 2, 3, 4, 5, 6 }, await UsersVersionsAsync(5));
        Assert.Empty(await Host.DeadLettersAsync());
    }

    [Fact]
    public async Task a_second_failure_stops_the_replay_there_and_a_replay_of_its_dead_letter_runs_the_rest()
    {
        await ParkAsync(poisoned: 4);
        SequencedProbe.Heal(_user, 1);
        await Host.ReplaySequenceAsync(Path);

        var stopped = await Host.OnlySequenceAsync(s => s is { Head.Position: 4, Head.FailedAt: not null });
        Assert.Equal(3, stopped.Size);
        Assert.Equal([1L, 2, 3], (await HandledAsync()).Where(r => r.Key == _user).Select(r => r.Version));
        // the new head is a dead letter as the consumer's own would be: where it came in, what it is
        var dead = Assert.Single(await Host.DeadLettersAsync());
        Assert.Equal(typeof(SequencedProbeEvent).FullName, dead.MessageType);
        Assert.Contains(SequencedProbe.Queue, dead.ReceivedAt);

        // a replay through the dead letters runs the sequence from its head, not the head alone
        SequencedProbe.Heal(_user);
        await Host.ReplayDeadLetterAsync(dead.Id);
        Assert.Equal(new long[] { 1, 2, 3, 4, 5, 6 }, await UsersVersionsAsync(6));
    }

    [Fact]
    public async Task a_full_sequence_sends_later_events_to_the_dead_letters_with_one_alert_and_readiness_counts_it()
    {
        await ParkAsync();
        var alerts = Host.Services.GetRequiredService<EventMonitor>().AlertsRaised;
        // the sequence is at this host's limit
        await SendAsync(_user, 7);
        await SendAsync(_user, 8);

        var dead = await Tracking.Eventually(async () =>
        {
            var page = await Host.GetAsJson<DeadLetterPage>("/api/admin/dead-letters");
            return page!.Total == 3 ? page.DeadLetters : null;
        });
        Assert.Equal(2, dead.Count(d => d.ExceptionType == typeof(SequenceFullException).FullName));
        Assert.Equal(6, (await Host.GetAsJson<SequencePage>(SequenceOperations.Sequences))!.Sequences.Single().Size);
        Assert.Equal(alerts + 1, Host.Services.GetRequiredService<EventMonitor>().AlertsRaised);

        // the store is read every second here
        var status = await Tracking.Eventually(async () =>
        {
            var ready = await Host.Scenario(x => x.Get.Url("/health/ready"));
            var sequences = (await ready.ReadAsJsonAsync<JsonElement>()).GetProperty("checks").GetProperty("sequences");
            return sequences.GetProperty("description").GetString()!.StartsWith("1 sequences, 6 events")
                ? sequences.GetProperty("status").GetString() : null;
        });
        Assert.Equal("Degraded", status);
        var scrape = await Host.GetAsText("/metrics");
        Assert.Contains(scrape.Split('\n'), l => l.StartsWith("eventapp_sequences_events{")
                                                   && l.Contains($"consumer=\"{SequencedProbe.Queue}\"")
                                                  && l.Split(' ')[1] == "6");
    }

    private async Task<long[]> UsersVersionsAsync(int count)
    {
        var handled = await Tracking.Eventually(async () =>
        {
            var user = (await HandledAsync()).Where(r => r.Key == _user).ToList();
            return user.Count >= count ? user : null;
        }, TimeSpan.FromSeconds(60));
        return handled.Select(r => r.Version).ToArray();
    }

    private async Task<IReadOnlyList<ProbeRecord>> HandledAsync()
    {
        await using var session = Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.Query<ProbeRecord>().OrderBy(r => r.Sequence).ToListAsync();
    }

    private Task SendAsync(Guid aggregate, long version) =>
        Bus.EndpointFor(SequencedProbe.Queue).SendAsync(new SequencedProbeEvent(new EventEnvelope(Guid.CreateVersion7(),
            SequencedProbe.EventType, aggregate, version, 1, DateTimeOffset.UtcNow,
            JsonSerializer.SerializeToElement(new { })), null))
            .AsTask();
}

public sealed record SequencedProbeEvent(EventEnvelope Event, string? TraceParent) : IBatchedEvent<SequencedProbeEvent>
{
    public static SequencedProbeEvent Of(EventEnvelope e, string? traceParent) => new(e, traceParent);
}

public sealed record ProbeRecord(Guid Id, Guid Key, long Version, long Sequence);

public static class SequencedProbe
{
    public const string Queue = "tests.sequenced";
    public const string EventType = "SequenceProbed";
    private static HashSet<(Guid, long)> _poisoned = [];
    private static long _sequence;

    public static void Poison(Guid key, long[] versions) => _poisoned = versions.Select(v => (key, v)).ToHashSet();

    public static void Heal(Guid key, long? version = null) =>
        _poisoned = _poisoned.Where(p => p.Item1 != key || (version is not null && p.Item2 != version)).ToHashSet();

    public static void Apply(IEnumerable<EventEnvelope> events, IDocumentSession session)
    {
        foreach (var e in events)
        {
            if (_poisoned.Contains((e.AggregateId,
                e.AggregateVersion))) throw new InvalidOperationException("poisoned by the test");
            session.Store(new ProbeRecord(e.EventId, e.AggregateId, e.AggregateVersion,
                Interlocked.Increment(ref _sequence)));
        }
    }
}

public static class SequencedProbeHandler
{
    public static async Task Handle(SequencedProbeEvent[] events, IDocumentSession session, IMessageContext context,
        Envelope envelope, SequenceGate gate, CancellationToken ct) =>
        SequencedProbe.Apply((await gate.AdmitAsync(SequencedProbe.Queue, events, envelope, session, context,
            ct)).Select(e => e.Event),
            session);

    public static Task Replay(IServiceProvider services, IReadOnlyList<EventEnvelope> events, IDocumentSession session,
        IMessageContext context, CancellationToken ct)
    {
        SequencedProbe.Apply(events, session);
        return Task.CompletedTask;
    }
}
