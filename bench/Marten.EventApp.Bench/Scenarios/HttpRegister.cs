using System.Net;
using System.Net.Http.Json;
using Marten.EventApp.Bench.Harness;
using Marten.EventApp.Projections;

namespace Marten.EventApp.Bench.Scenarios;

/// <summary>
/// 2: POST /api/users against the service running as its own process, from keep-alive HttpClient connections,
/// one per client. 2r: the same requests for an email another active user has: each is refused (409), an answer
/// that should cost no more than a success. 5: the service's peak working set over its life, which includes both.
/// </summary>
public sealed class HttpRegister : IScenario
{
    public string Id => "2";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        await using var service = await ServiceProcess.StartAsync(context, context.Schema("http"), ct);
        var clients = context.Settings.HttpClients;
        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = clients,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5)
        }) { BaseAddress = service.BaseAddress };
        var idle = service.Memory();

        // the async projections' lag while the writes go on (scenario 2l)
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var lag = SampleLagAsync(service.BaseAddress, sampling.Token);
        var result = await Load.RunAsync(clients, context.Settings, async (n, token) =>
        {
            var cmd = Synthetic.Registration(n);
            using var response = await http.PostAsJsonAsync("/api/users",
                new { cmd.Email, cmd.FirstName, cmd.LastName, cmd.RegistrationSource }, token);
            return response.StatusCode == HttpStatusCode.Created
                ? true
                : throw new HttpRequestException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}");
        }, ct);

        await sampling.CancelAsync();
        var lags = await lag;

        var taken = Synthetic.Registration(0);
        using (var first = await http.PostAsJsonAsync("/api/users", new { taken.Email, taken.FirstName, taken.LastName }, ct))
            first.EnsureSuccessStatusCode();
        var refused = await Load.RunAsync(clients, context.Settings, async (_, token) =>
        {
            using var response = await http.PostAsJsonAsync("/api/users",
                new { taken.Email, FirstName = "Taken", LastName = "Email" }, token);
            return response.StatusCode == HttpStatusCode.Conflict
                ? true
                : throw new HttpRequestException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}");
        }, ct);
        var memory = service.Memory();

        return
        [
            AppendRow.From(Id, $"HTTP: POST /api/users, {clients} keep-alive clients", result, true,
                Target.RatioAtLeast(0.40), Target.P99AtMost(50)),
            AppendRow.From("2r", "HTTP: POST /api/users refused (email taken, 409)", refused) with
            {
                Note = $"{refused.Rate / result.Rate:0.00} of row 2's rate {refused.ErrorNote}".Trim()
            },
            new ResultRow("2l", "Async projections' lag during 2 (the largest, sampled every 250 ms)")
            {
                P50Ms = lags.Largest.P50, P99Ms = lags.Largest.P99, Targets = [Target.P99AtMost(1000)],
                Note = $"{lags.Largest.Count} samples; {lags.PerShard}"
            },
            new ResultRow("5", "Memory: service peak working set during 2 and 2r")
            {
                Note = $"peak {memory.PeakMiB:0} MiB (VmHWM); {idle.CurrentMiB:0} MiB before the load, {memory.CurrentMiB:0} MiB after"
            }
        ];
    }

    /// <summary>Polls the service's projection status: the largest lag of its async shards, and each shard's, in ms.</summary>
    private static async Task<(Latencies Largest, string PerShard)> SampleLagAsync(Uri service, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = service };
        var largest = new List<double>();
        var shards = new Dictionary<string, List<double>>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var overview = await http.GetFromJsonAsync<ProjectionsOverview>("/api/admin/projections", ct);
                var lags = overview!.Projections.Where(p => p.Lifecycle == "async").Select(p => (p.Name, Ms: (p.LagSeconds ?? 0) * 1000)).ToList();
                largest.Add(lags.Max(l => l.Ms));
                foreach (var (name, ms) in lags) (shards.TryGetValue(name, out var list) ? list : shards[name] = []).Add(ms);
                await Task.Delay(250, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }

        return (new Latencies(largest), string.Join(", ", shards.Select(s => $"{s.Key} p99 {new Latencies(s.Value).P99:0} ms")));
    }
}