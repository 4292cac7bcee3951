using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Marten.EventApp.Bench.Harness;

// wrk, the C load generator: what the service answers when the generator takes little CPU. Run under bash so
// that times reports wrk's own CPU time.
public static class Wrk
{
    public sealed record Run(double Rate, double P50Ms, double P99Ms, long Requests, long Failed, TimeSpan Cpu,
        TimeSpan Wall);

    private sealed record Summary(long Requests, double Seconds, long Non2xx, long Errors, long P50, long P99);

    public static async Task<Run> PostAsync(BenchContext context, Uri service, string script, int connections,
        TimeSpan duration, string tag,
        CancellationToken ct)
    {
        var lua = Path.Combine(context.Settings.RepoRoot, "bench", "wrk", script);
        var seconds = Math.Max(1, (int)Math.Round(duration.TotalSeconds));
        var threads = Math.Min(connections, Environment.ProcessorCount);
        var command = $"wrk -t{threads} -c{connections} -d{seconds}s --timeout 10s " +
                      $"-H 'Authorization: Bearer {ServiceProcess.AdminToken}' -s '{lua}' '{service}' -- '{tag}'; " +
                      "rc=$?; times; exit $rc";
        var start = new ProcessStartInfo("bash", ["-c", command]) { RedirectStandardOutput = true,
            RedirectStandardError = true };
        var wall = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bash for wrk");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        wall.Stop();
        var output = await stdout;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"wrk failed ({process.ExitCode}): {output}\n{await stderr}");

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var json = lines.FirstOrDefault(l => l.StartsWith("WRK ", StringComparison.Ordinal))?[4..]
                   ?? throw new InvalidOperationException($"wrk printed no summary: {output}");
        var summary = JsonSerializer.Deserialize<Summary>(json, Synthetic.Json)!;
        // times: the shell's own user/system time, then its children's (wrk's) on the last line
        var children = lines[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var cpu = Duration(children[0]) + Duration(children[1]);
        var failed = summary.Non2xx + summary.Errors;
        return new Run((summary.Requests - failed) / summary.Seconds, summary.P50 / 1000.0, summary.P99 / 1000.0,
            summary.Requests, failed, cpu,
            wall.Elapsed);
    }

    // bash's times format: 0m1.234s
    private static TimeSpan Duration(string value)
    {
        var m = value.IndexOf('m');
        return TimeSpan.FromMinutes(int.Parse(value[..m], CultureInfo.InvariantCulture))
               + TimeSpan.FromSeconds(double.Parse(value[(m + 1)..].TrimEnd('s'), CultureInfo.InvariantCulture));
    }
}
