namespace Marten.EventApp.Sagas;

// A step whose service answers at once runs in the decision's own transaction instead of as a durable message: a
// durable hop per step was the pipeline's cost (BENCHMARKS.md, "What changes bought", inline steps).
public static class InlineSteps
{
    // tryRun returns null when a step may not run here: it is then sent, where its retries and timeout play out. Each
    // step's time follows the one before, so the timeline, compensations and the steps' records keep the steps' order.
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

    // never at or before the previous step's time (the store keeps microseconds)
    private static DateTimeOffset After(DateTimeOffset previous, TimeProvider clock) =>
        clock.GetUtcNow() is var time && time >= previous.AddMicroseconds(1) ? time : previous.AddMicroseconds(1);
}
