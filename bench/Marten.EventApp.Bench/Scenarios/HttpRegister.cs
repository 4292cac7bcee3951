using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Marten.EventApp.Bench.Harness;
using Marten.EventApp.Projections;

namespace Marten.EventApp.Bench.Scenarios;

// 2: POST /api/users to the service as its own process, one keep-alive connection per client. 2r: the same for an
// email another active user has: a 409 should cost no more than a success. 5: the service's peak working set.
public sealed class HttpRegister : IScenario
{
    public string Id => "2";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        await using var service = await ServiceProcess.StartAsync(context, context.Schema("http"), ct);
        var clients = context.Settings.HttpClients;
        using var http = service.Client(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = clients,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5)
        });
        var idle = service.Memory();

        // the async projections' lag while the writes go on (scenario 2l)
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var lag = SampleLagAsync(service, context, sampling.Token);
        var cpu = CpuClock.Start(service);
        var result = await Load.RunAsync(clients, context.Settings, async (n, token) =>
        {
            var cmd = Synthetic.Registration(n);
            using var response = await http.PostAsJsonAsync("/api/users",
                new { cmd.Email, cmd.FirstName, cmd.LastName, cmd.RegistrationSource }, token);
            return response.StatusCode == HttpStatusCode.Created
                ? true
                : throw new HttpRequestException(
                    $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}");
        }, ct);

        var shares = cpu.Shares();
        await sampling.CancelAsync();
        var lags = await lag;

        // 2w: the same requests from wrk, a generator that takes little of the CPU the service shares
        var wrkCpu = CpuClock.Start(service);
        var wrk = await Wrk.PostAsync(context, service.BaseAddress, "register.lua", clients, context.Settings.Duration,
            $"{Guid.NewGuid():N}"[..8], ct);
        var wrkServiceShare = wrkCpu.Shares().Service;
        var wrkShare = wrk.Cpu / (wrk.Wall * Environment.ProcessorCount);

        var taken = Synthetic.Registration(0);
        using (var first = await http.PostAsJsonAsync("/api/users",
            new { taken.Email, taken.FirstName, taken.LastName }, ct))
            first.EnsureSuccessStatusCode();
        var refused = await Load.RunAsync(clients, context.Settings, async (_, token) =>
        {
            using var response = await http.PostAsJsonAsync("/api/users",
                new { taken.Email, FirstName = "Taken", LastName = "Email" }, token);
            return response.StatusCode == HttpStatusCode.Conflict
                ? true
                : throw new HttpRequestException(
                    $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}");
        }, ct);

        // 2g: reads of users by id, once the service has caught up with what the writes left behind
        await CaughtUpAsync(http, service, context, ct);
        var ids = new List<Guid>();
        await using (var query = context.DataSource.CreateCommand(
                         $"select id from {context.Schema("http")}.mt_doc_userdetails limit 1000"))
        await using (var reader = await query.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) ids.Add(reader.GetGuid(0));
        var reads = await Load.RunAsync(clients, context.Settings, async (n, token) =>
        {
            using var response = await http.GetAsync($"/api/users/{ids[(int)(n % ids.Count)]}", token);
            return response.StatusCode == HttpStatusCode.OK
                ? true
                : throw new HttpRequestException(
                    $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}");
        }, ct);
        var memory = service.Memory();

        return
        [
            AppendRow.From(Id, $"HTTP: POST /api/users, {clients} keep-alive clients", result, true,
                Target.RatioAtLeast(0.40), Target.P99AtMost(50)) with
            {
                Note = $"generator (HttpClient) {shares.Generator:P0} of the cores' time, " +
                       $"service {shares.Service:P0} {result.ErrorNote}".Trim()
            },
            new ResultRow("2w", $"HTTP: POST /api/users from wrk, {clients} connections")
            {
                Rate = wrk.Rate, P50Ms = wrk.P50Ms, P99Ms = wrk.P99Ms, VersusCeiling = true, Errors = wrk.Failed,
                Targets = [Target.RatioAtLeast(0.40), Target.P99AtMost(50)],
                Note = $"generator (wrk) {wrkShare:P0} of the cores' time, service {wrkServiceShare:P0}; " +
                       $"{wrk.Rate / result.Rate:0.00} of row 2's rate" +
                       (wrk.Failed > 0 ? $"; {wrk.Failed} of {wrk.Requests} failed" : "")
            },
            AppendRow.From("2r", "HTTP: POST /api/users refused (email taken, 409)", refused) with
            {
                Note = $"{refused.Rate / result.Rate:0.00} of row 2's rate {refused.ErrorNote}".Trim()
            },
            AppendRow.From("2g", $"HTTP: GET /api/users/{{id}}, {clients} keep-alive clients", reads, false) with
            {
                Note = $"over {ids.Count:N0} users {reads.ErrorNote}".Trim()
            },
            new ResultRow("2l", "Async projections' lag during 2 (the largest, sampled every 250 ms)")
            {
                P50Ms = lags.Largest.P50, P99Ms = lags.Largest.P99, Targets = [Target.P99AtMost(1000)],
                Note = $"{lags.Largest.Count} samples; {lags.PerShard}"
            },
            new ResultRow("5", "Memory: service peak working set during 2 and 2r")
            {
                Note = $"peak {memory.PeakMiB:0} MiB (VmHWM); {idle.CurrentMiB:0} MiB before the load, " +
                       $"{memory.CurrentMiB:0} MiB after"
            }
        ];
    }

    // the share of the machine's CPU time (all cores) the generator and the service used since start
    internal sealed class CpuClock(ServiceProcess service, TimeSpan generator, TimeSpan serviceCpu)
    {
        private readonly Stopwatch _wall = Stopwatch.StartNew();

        public static CpuClock Start(ServiceProcess service) =>
            new(service, Process.GetCurrentProcess().TotalProcessorTime, service.CpuTime());

        public (double Generator, double Service) Shares()
        {
            var available = _wall.Elapsed * Environment.ProcessorCount;
            return ((Process.GetCurrentProcess().TotalProcessorTime - generator) / available,
                (service.CpuTime() - serviceCpu) / available);
        }
    }

    private static async Task CaughtUpAsync(HttpClient http, ServiceProcess service, BenchContext context,
        CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromMinutes(5))
        {
            var overview = await StatusAsync(http, service, context, ct);
            if (overview is not null
                && overview.Projections.All(p => p.Lifecycle != "async" || p.LagEvents == 0)) return;
            await Task.Delay(200, ct);
        }
    }

    // null when not 200, logged with the service's last lines: a failed probe is not the operation measured
    internal static async Task<ProjectionsOverview?> StatusAsync(HttpClient http, ServiceProcess service,
        BenchContext context, CancellationToken ct)
    {
        using var response = await http.GetAsync("/api/admin/projections", ct);
        if (response.IsSuccessStatusCode) return await response.Content.ReadFromJsonAsync<ProjectionsOverview>(ct);
        context.Log($"  GET /api/admin/projections answered {(int)response.StatusCode}: " +
                    $"{await response.Content.ReadAsStringAsync(ct)}\n{service.RecentOutput}");
        return null;
    }

    internal static async Task<(Latencies Largest, string PerShard)> SampleLagAsync(ServiceProcess service,
        BenchContext context, CancellationToken ct)
    {
        using var http = service.Client();
        var largest = new List<double>();
        var shards = new Dictionary<string, List<double>>();
        var failed = 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (await StatusAsync(http, service, context, ct) is { } overview)
                {
                    var lags = overview.Projections.Where(p => p.Lifecycle == "async")
                        .Select(p => (p.Name, Ms: (p.LagSeconds ?? 0) * 1000)).ToList();
                    largest.Add(lags.Max(l => l.Ms));
                    foreach (var (name, ms) in lags) (shards.TryGetValue(name, out var list) ? list : shards[name] = [])
                        .Add(ms);
                }
                else failed++;

                await Task.Delay(250, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }

        var perShard = string.Join(", ", shards.Select(s => $"{s.Key} p99 {new Latencies(s.Value).P99:0} ms"));
        return (new Latencies(largest), failed == 0 ? perShard : $"{perShard}; {failed} samples failed (see the log)");
    }
}