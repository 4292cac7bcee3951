using Alba;
using Marten.EventApp.Contracts.Orders;
using Marten.EventApp.DeadLetters;
using Marten.EventApp.Onboarding;
using Marten.EventApp.Orders;
using Marten.EventApp.Sequences;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.Persistence.Sagas;

namespace Marten.EventApp.IntegrationTests.Messaging;

// a probe saga on a durable local queue partitioned by saga, as the onboarding saga's
[Collection(MessagingCollection.Name)]
public sealed class when_a_saga_keeps_its_messages_in_order(MessagingFixture fixture) : MessagingTest(fixture)
{
    private readonly Guid _saga = Guid.CreateVersion7();
    private readonly List<Guid> _others = Enumerable.Range(0, 100).Select(_ => Guid.CreateVersion7()).ToList();

    private string Path => $"{SequenceOperations.Sequences}/{nameof(SequencedSagaProbe)}/{_saga}";

    private async Task ParkAsync(params int[] poisoned)
    {
        SequencedSagaProbe.Poison(_saga, [1, .. poisoned]);
        for (var step = 1; step <= 6; step++) await Bus.SendAsync(new SagaProbeStep(_saga, step));
        foreach (var other in _others) await Bus.SendAsync(new SagaProbeStep(other, 1));

        await Tracking.Eventually(
            async () => (await SagasAsync()).Count(s => s.Id != _saga) == _others.Count ? "" : null,
            TimeSpan.FromSeconds(90));
        var sequence = await Host.OnlySequenceAsync(s => s is { Size: 6, Head.FailedAt: not null });
        Assert.Equal((nameof(SequencedSagaProbe), _saga, nameof(SagaProbeStep)),
            (sequence.Consumer, sequence.Key, sequence.Head.EventType));
        Assert.Equal(typeof(InvalidOperationException).FullName, sequence.Head.ExceptionType);
        Assert.DoesNotContain(await SagasAsync(), s => s.Id == _saga);
        Assert.All((await SagasAsync()).Where(s => s.Id != _saga), s => Assert.Equal([1], s.Handled));
    }

    [Fact]
    public async Task the_sagas_later_messages_wait_in_order_behind_the_poison_and_a_replay_runs_all_six_in_order()
    {
        await ParkAsync();
        var parked = await Host.GetAsJson<SequenceEventPage>(Path);
        Assert.Equal([1L, 2, 3, 4, 5, 6], parked!.Events.Select(e => e.Position));
        var dead = Assert.Single(await Host.DeadLettersAsync());
        Assert.Equal(typeof(SagaProbeStep).FullName, dead.MessageType);

        SequencedSagaProbe.Heal(_saga);
        Assert.Equal(6, await Host.ReplaySequenceAsync(Path));

        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6 }, await HandledAsync(6));
        await Host.SequenceIsGoneAsync(Path);
        Assert.Empty(await Host.DeadLettersAsync());

        // the sequence is gone: the saga's next message is handled at once
        await Bus.SendAsync(new SagaProbeStep(_saga, 7));
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6, 7 }, await HandledAsync(7));
    }

    [Fact]
    public async Task discarding_the_head_runs_the_other_five_in_order()
    {
        await ParkAsync();
        await Host.DiscardHeadAsync(Path);

        Assert.Equal(new[] { 2, 3, 4, 5, 6 }, await HandledAsync(5));
        Assert.Empty(await Host.DeadLettersAsync());
    }

    [Fact]
    public async Task a_second_failure_stops_the_replay_there_and_a_replay_of_its_dead_letter_runs_the_rest()
    {
        await ParkAsync(poisoned: 4);
        SequencedSagaProbe.Heal(_saga, 1);
        await Host.ReplaySequenceAsync(Path);

        var stopped = await Host.OnlySequenceAsync(s => s is { Head.Position: 4, Head.FailedAt: not null });
        Assert.Equal(3, stopped.Size);
        Assert.Equal([1, 2, 3], (await SagasAsync()).Single(s => s.Id == _saga).Handled);
        var dead = Assert.Single(await Host.DeadLettersAsync());
        Assert.Equal(typeof(SagaProbeStep).FullName, dead.MessageType);

        // a replay through the dead letters runs the sequence from its head, not the head alone
        SequencedSagaProbe.Heal(_saga);
        await Host.ReplayDeadLetterAsync(dead.Id);
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6 }, await HandledAsync(6));
        Assert.Empty(await Host.DeadLettersAsync());
    }

    [Fact]
    public void the_services_sagas_keep_sequences_by_their_ids_and_the_onboarding_steps_wait_in_their_sagas()
    {
        var sagas = Host.Services.GetRequiredService<SagaSequences>();
        var (user, order) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        var email = OnboardingSteps.WelcomeEmail;
        Assert.Equal((nameof(UserOnboardingSaga), user), sagas.SequenceOf(new OnboardingStepDone(user, email)));
        Assert.Equal((nameof(UserOnboardingSaga), user), sagas.SequenceOf(new OnboardingStepTimeout(user, email)));
        Assert.Equal((nameof(UserOnboardingSaga), user), sagas.SequenceOf(new SendWelcomePush(user)));
        Assert.Equal((nameof(OrderSaga), order), sagas.SequenceOf(new PaymentSucceeded(order, "p-1")));
        Assert.Equal((nameof(OrderSaga), order), sagas.SequenceOf(new OrderStepTimeout(order, OrderSaga.Payment)));
        Assert.Null(sagas.SequenceOf(new CompensateOnboarding(user, [])));
    }

    private async Task<int[]> HandledAsync(int count) =>
        (await Tracking.Eventually(async () =>
            (await SagasAsync()).SingleOrDefault(s => s.Id == _saga) is { } saga && saga.Handled.Count >= count
                ? saga
                : null,
            TimeSpan.FromSeconds(60))).Handled.ToArray();

    private async Task<IReadOnlyList<SequencedSagaProbe>> SagasAsync()
    {
        await using var session = Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.Query<SequencedSagaProbe>().ToListAsync();
    }
}

public sealed record SagaProbeStep([property: SagaIdentity] Guid ProbeId, int Step);

public sealed class SequencedSagaProbe : Saga
{
    public const string Queue = "tests.saga-probe";
    private static HashSet<(Guid, int)> _poisoned = [];

    public Guid Id { get; set; }
    public List<int> Handled { get; set; } = [];

    public static void Poison(Guid saga, int[] steps) => _poisoned = steps.Select(s => (saga, s)).ToHashSet();

    public static void Heal(Guid saga, int? step = null) =>
        _poisoned = _poisoned.Where(p => p.Item1 != saga || (step is not null && p.Item2 != step)).ToHashSet();

    public void StartOrHandle(SagaProbeStep step)
    {
        Id = step.ProbeId;
        if (_poisoned.Contains((step.ProbeId, step.Step))) throw new InvalidOperationException("poisoned by the test");
        Handled.Add(step.Step);
    }
}
