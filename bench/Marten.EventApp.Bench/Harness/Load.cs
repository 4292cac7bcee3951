using System.Diagnostics;

namespace Marten.EventApp.Bench.Harness;

// in milliseconds
public sealed class Latencies
{
    private readonly double[] _sorted;

    public Latencies(IEnumerable<double> milliseconds) => _sorted = milliseconds.Order().ToArray();

    public int Count => _sorted.Length;
    public double P50 => Percentile(0.50);
    public double P99 => Percentile(0.99);

    public double Percentile(double q) =>
        _sorted.Length == 0 ? double.NaN : _sorted[Math.Clamp((int)Math.Ceiling(q * _sorted.Length) - 1, 0,
            _sorted.Length - 1)];
}

public sealed record LoadResult(long Succeeded, long Refused, long Errors, string? FirstError, TimeSpan Window,
    Latencies Latencies)
{
    public double Rate => Succeeded / Window.TotalSeconds;
    public long Attempts => Succeeded + Refused + Errors;

    public string ErrorNote => Errors == 0 ? "" : $"{Errors} errors, first: {FirstError}";
}

public static class Load
{
    // Only operations that start after the warm-up and end inside the window count; false means refused on purpose
    // (a version conflict). One call before the clock starts pays the first-call costs (generated code, JIT).
    public static async Task<LoadResult> RunAsync(
        int workers, BenchSettings settings, Func<long, CancellationToken, Task<bool>> operation, CancellationToken ct)
    {
        long sequence = 1;
        await operation(sequence, ct);
        var frequency = (double)Stopwatch.Frequency;
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(settings.Warmup.TotalSeconds * frequency);
        var measureTo = measureFrom + (long)(settings.Duration.TotalSeconds * frequency);
        long succeeded = 0, refused = 0, errors = 0;
        string? firstError = null;
        var perWorker = new List<double>[workers];

        var loops = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var latencies = perWorker[w] = new List<double>(8192);
            while (!ct.IsCancellationRequested)
            {
                var began = Stopwatch.GetTimestamp();
                if (began >= measureTo) break;
                bool? ok;
                try
                {
                    ok = await operation(Interlocked.Increment(ref sequence), ct);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    ok = null;
                    Interlocked.CompareExchange(ref firstError, $"{e.GetType().Name}: {e.Message}", null);
                }

                var ended = Stopwatch.GetTimestamp();
                if (began < measureFrom || ended > measureTo) continue;
                latencies.Add((ended - began) * 1000 / frequency);
                if (ok is null) Interlocked.Increment(ref errors);
                else if (ok.Value) Interlocked.Increment(ref succeeded);
                else Interlocked.Increment(ref refused);
            }
        }, ct)).ToArray();
        await Task.WhenAll(loops);

        return new LoadResult(succeeded, refused, errors, firstError, settings.Duration,
            new Latencies(perWorker.SelectMany(l => l)));
    }

    public static async Task<Latencies> SequentialAsync(int samples, Func<int, Task> operation)
    {
        for (var i = 0; i < samples; i++) await operation(i);
        var timings = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            var began = Stopwatch.GetTimestamp();
            await operation(i);
            timings[i] = Stopwatch.GetElapsedTime(began).TotalMilliseconds;
        }

        return new Latencies(timings);
    }

    public static Task ParallelAsync(int count, int parallelism, Func<int, CancellationToken, ValueTask> operation,
        CancellationToken ct) =>
        Parallel.ForAsync(0, count,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct }, operation);
}
