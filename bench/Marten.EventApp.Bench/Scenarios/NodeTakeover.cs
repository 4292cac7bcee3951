using System.Diagnostics;
using System.Net.Http.Json;
using Marten.EventApp.Bench.Harness;
using Marten.EventApp.Projections;
using Marten.EventApp.Users;

namespace Marten.EventApp.Bench.Scenarios;

// 8: two processes on one database (Distributed); the one running UserStatistics is killed with kill -9, a user is
// registered on the other at once, and takeover is the time until that node's projection counts the user.
public sealed class NodeTakeover : IScenario
{
    private static readonly Dictionary<string, string> Distributed = new() { ["EventApp__Nodes"] = "Distributed" };
    public string Id => "8";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var schema = context.Schema("takeover");
        var rounds = context.Settings.CommandLine == "smoke" ? 1 : 3;
        var nodes = new List<ServiceProcess>
        {
            await ServiceProcess.StartAsync(context, schema, ct, Distributed),
            await ServiceProcess.StartAsync(context, schema, ct, Distributed)
        };
        var times = new List<double>();
        try
        {
            for (var round = 0; round < rounds; round++)
            {
                var (owner, survivor) = await OwnerAsync(nodes, nameof(UserStatistics), ct);
                using var http = survivor.Client();
                var before = await RegisteredAsync(http, ct);

                await owner.KillAsync();
                var clock = Stopwatch.StartNew();
                var cmd = Synthetic.Registration(round + 1_000_000);
                (await http.PostAsJsonAsync("/api/users", new { cmd.Email, cmd.FirstName, cmd.LastName }, ct))
                    .EnsureSuccessStatusCode();
                while (await RegisteredAsync(http, ct) <= before)
                {
                    if (clock.Elapsed > TimeSpan.FromMinutes(3))
                        throw new TimeoutException("no node took the projection over in 3 minutes");
                    await Task.Delay(100, ct);
                }

                times.Add(clock.Elapsed.TotalSeconds);
                context.Log($"  round {round + 1}: the projection counted the new user " +
                            $"{clock.Elapsed.TotalSeconds:0.0} s after the kill");
                nodes.Remove(owner);
                await owner.DisposeAsync();
                nodes.Add(await ServiceProcess.StartAsync(context, schema, ct, Distributed));
            }
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync();
        }

        times.Sort();
        return
        [
            new ResultRow(Id,
                "Several nodes: kill -9 of the node running a projection → the other projects a new event")
            {
                P50Ms = times[times.Count / 2] * 1000,
                P99Ms = times[^1] * 1000,
                Targets = [Target.P99AtMost(10_000)],
                Note = $"{rounds} round(s): {string.Join(", ", times.Select(t => $"{t:0.0} s"))}; heartbeat " +
                       $"{Environment.GetEnvironmentVariable("EventApp__NodeHeartbeat") ?? "1 s"}, node timeout " +
                       $"{Environment.GetEnvironmentVariable("EventApp__NodeTimeout") ?? "5 s"}"
            }
        ];
    }

    // a node that joined may be taking it over: for a moment both run it
    public static async Task<(ServiceProcess Owner, ServiceProcess Survivor)> OwnerAsync(List<ServiceProcess> nodes,
        string name, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            var running = new List<ServiceProcess>();
            var caughtUp = false;
            foreach (var node in nodes)
            {
                using var http = node.Client();
                using var response = await http.GetAsync("/api/admin/projections", ct);
                if (!response.IsSuccessStatusCode)
                    throw new HttpRequestException(
                        $"GET /api/admin/projections answered {(int)response.StatusCode}:\n{node.RecentOutput}");
                var overview = await response.Content.ReadFromJsonAsync<ProjectionsOverview>(ct);
                var shard = overview!.Projections.Single(p => p.Name == name);
                if (shard.State != "running") continue;
                running.Add(node);
                caughtUp = shard.LagEvents == 0;
            }

            if (running is [var owner] && caughtUp) return (owner, nodes.First(n => n != owner));
            await Task.Delay(200, ct);
        }

        throw new TimeoutException($"no single node ran {name} within 3 minutes");
    }

    private static async Task<long> RegisteredAsync(HttpClient http, CancellationToken ct) =>
        (await http.GetFromJsonAsync<UserStatistics>("/api/users/statistics", ct))!.Registered;
}
