namespace Marten.EventApp.Sagas;

/// <summary>
/// Runs the steps a saga's decision begins in the decision's own transaction, where the step's service answers at
/// once, instead of sending each as a durable message: each answer decides again, until no step is left that may run
/// here. A durable hop per step was the pipeline's cost (BENCHMARKS.md, "What changes bought", inline steps).
/// </summary>
public static class InlineSteps
{
    /// <summary>
    /// <paramref name="tryRun"/> runs one message as a step at the time it is given and returns the saga's decision on
    /// its answer, or null when it may not run here (it is then sent as a message, where its retries and timeout play
    /// out). Each step's time is the clock's, after the one before it, so the saga's timeline, its compensations' order
    /// and what the steps record keep the steps' order.
    /// </summary>
    public static async Task<SagaEffects> RunAsync(SagaEffects effects, DateTimeOffset now, TimeProvider clock,
        Func<object, DateTimeOffset, Task<SagaEffects?>> tryRun)
    {
        var declined = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var at = now;
        while (effects.Messages.FirstOrDefault(m => !declined.Contains(m)) is { } message)
        {
            var time = After(at, clock);
            if (await tryRun(message, time) is not { } next)
            {
                declined.Add(message);
                continue;
            }

            at = time;
            effects.Messages.Remove(message);
            effects.And(next);
        }

        return effects;
    }

    /// <summary>
    /// The clock's time, but never at or before <paramref name="previous"/> (the store keeps microseconds).
    /// </summary>
    private static DateTimeOffset After(DateTimeOffset previous, TimeProvider clock) =>
        clock.GetUtcNow() is var time && time >= previous.AddMicroseconds(1) ? time : previous.AddMicroseconds(1);
}
