using System.Collections.Concurrent;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Onboarding;
using Marten.EventApp.Sagas;
using Npgsql;
using Wolverine;
using Wolverine.Persistence.Durability.DeadLetterManagement;

namespace Marten.EventApp.IntegrationTests.Onboarding;

// not dead-lettered after a retry or two, which would leave the saga without its answer
[Collection(OnboardingCollection.Name)]
public sealed class when_the_database_blinks_under_a_saga(OnboardingFixture fixture) : OnboardingTest(fixture)
{
    [Fact]
    public async Task the_message_waits_out_the_outage_and_the_saga_handles_it()
    {
        var user = await Host.RegisteredUser();
        await SagaWhen(user.Id, s => s.Status == SagaStatus.Completed);

        SagaOutageProbe.FailNext(3);
        await Host.MessageBus().SendAsync(new OnboardingOperatorNote(user.Id, "after the outage"));

        var saga = await SagaWhen(user.Id, s => s.Timeline.Any(t => t.Note == "after the outage"));
        Assert.Single(saga.Timeline, t => t.Note == "after the outage");
        var attempts = SagaOutageProbe.Attempts.ToArray();
        Assert.Equal(4, attempts.Length);
        Assert.All(attempts.Zip(attempts.Skip(1), (a, b) => (b - a).TotalSeconds),
            gap => Assert.True(gap >= 0.8, $"tried again after {gap:0.00} s"));
        var dead = await MessageStore.DeadLetters.QueryAsync(new DeadLetterEnvelopeQuery(), CancellationToken.None);
        Assert.Empty(dead.Envelopes);
    }
}

// fails an operator's note as an unreachable database would, while told to
public static class SagaOutageProbe
{
    private static int _failures;

    public static ConcurrentQueue<DateTimeOffset> Attempts { get; private set; } = new();

    public static void FailNext(int failures) =>
        (_failures, Attempts) = (failures, new ConcurrentQueue<DateTimeOffset>());

    public static void Before(OnboardingOperatorNote note)
    {
        Attempts.Enqueue(DateTimeOffset.UtcNow);
        if (Interlocked.Decrement(ref _failures) >= 0)
            throw new NpgsqlException("the database is away", new TimeoutException());
    }
}
