using System.Diagnostics;
using System.Text.Json;
using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.Bench.Faults;

// F5: a three-node cluster (quorum queues) under registrations, two nodes killed with kill -9 in turn: first the
// one Wolverine's connections use, brought back; then the forwarder's, left down. Recovery runs from a kill until the
// forwarder moved on and a user registered after it finished onboarding; the store and a quorum probe queue are then
// compared with what the clients were told.
public sealed class BrokerNodeKill : IScenario
{
    public string Id => "F5";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var name = $"a three-node RabbitMQ cluster, quorum queues: kill -9 of the listeners' node (brought back), " +
                   "then of the forwarder's node (left down), " +
                   $"under load ({context.Settings.FaultRate} registrations/s)";
        if (context.Settings.RabbitMqCluster is not { } cluster)
            return [new ResultRow(Id, name) { Note = "not run: no RabbitMQ cluster (./faults.sh starts one)" }];
        var nodes = Enumerable.Range(1, 3).Select(i => new ClusterNode(cluster, i)).ToList();
        var schema = context.Schema("fault_cluster");
        var exchange = "faults-" + Guid.NewGuid().ToString("N")[..8];
        var probe = await ExchangeProbe.DeclareAsync(nodes[2].Amqp, exchange, ct, quorum: true);
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__RabbitMq"] = nodes[0].Amqp.ToString(),
            ["EventApp__EventBus__ClusterNodes__0"] = $"{nodes[1].Amqp.Host}:{nodes[1].Amqp.Port}",
            ["EventApp__EventBus__ClusterNodes__1"] = $"{nodes[2].Amqp.Host}:{nodes[2].Amqp.Port}",
            ["EventApp__EventBus__QuorumQueues"] = "true",
            ["EventApp__EventBus__Exchange"] = exchange,
            ["EventApp__Onboarding__Enabled"] = "true"
        };

        await using var service = await ServiceProcess.StartAsync(context, schema, ct, settings);
        await using var load = FaultLoad.Start(context.Settings.HttpClients, context.Settings.FaultRate);
        await load.TargetAsync(service, ct);
        await Task.Delay(TimeSpan.FromSeconds(8), ct);

        var rounds = new List<string>();
        var recoveries = new List<double>();
        ClusterNode? down = null;
        foreach (var round in new[] { "Wolverine", "forwarder" })
        {
            var up = nodes.Where(n => n != down).ToList();
            var leaders = await LeadersAsync(up[0], ct);
            var connections = await ConnectionsAsync(up[0], ct);
            var victim = nodes.Single(n => n.Amqp.Port == connections.GetValueOrDefault(round == "Wolverine"
                ? WolverineConnection : ForwarderConnection));
            victim.Kill();
            var (clock, killedAt) = (Stopwatch.StartNew(), DateTimeOffset.UtcNow);
            // read once the node is dead: what its clients had committed before does not count as moving on
            var published = await FaultChecks.ForwardedAsync(context, schema, ct);
            long completed = 0;
            while (await FaultChecks.ForwardedAsync(context, schema, ct) <= published ||
                   (completed = await CompletedSinceAsync(context, schema, killedAt, ct)) == 0)
            {
                if (clock.Elapsed > TimeSpan.FromMinutes(2))
                {
                    context.Log(service.RecentOutput);
                    var alive = nodes.First(n => n != victim && n != down);
                    context.Log(await alive.CtlAsync(ct, "list_connections", "port", "client_properties", "state"));
                    context.Log(await alive.CtlAsync(ct, "list_queues", "name", "leader", "members", "messages",
                        "consumers", "online"));
                    var now = await FaultChecks.ForwardedAsync(context, schema, ct);
                    throw new TimeoutException($"the pipeline did not move within 2 minutes of {victim.Name}'s loss: " +
                                               $"forwarded {published} → {now}, " +
                                               $"{completed} onboardings of users registered since completed");
                }
                await Task.Delay(100, ct);
            }

            recoveries.Add(clock.Elapsed.TotalSeconds);
            var held = connections.Where(c => c.Value == victim.Amqp.Port).Select(c => c.Key);
            rounds.Add($"{victim.Name} (leading {leaders.Count(l => l == victim.Name)} " +
                       $"of the service's {leaders.Count} queues; " +
                       $"connections: {string.Join(", ", held)}) {clock.Elapsed.TotalSeconds:0.0} s");
            context.Log($"  {round} round: {rounds[^1]}");
            await Task.Delay(TimeSpan.FromSeconds(5), ct);
            if (round == "Wolverine") await victim.StartAsync(up.First(n => n != victim), ct);
            else down = victim;
        }

        await Task.Delay(TimeSpan.FromSeconds(5), ct);
        await load.DisposeAsync();
        var settling = await FaultChecks.SettleAsync(context, schema, ct);
        var reader = nodes.First(n => n != down);
        var outcome = await FaultChecks.OutcomeAsync(context, schema, load.Acknowledged.ToList(),
            await probe.Via(reader.Amqp).DrainAsync(TimeSpan.FromSeconds(3), ct), ct);
        recoveries.Sort();
        return
        [
            new ResultRow(Id, name)
            {
                P50Ms = recoveries[0] * 1000,
                P99Ms = recoveries[^1] * 1000,
                Targets = [..outcome.Targets, Target.P99AtMost(30_000)],
                Errors = settling.Errors,
                Note = $"recovery (kill → the forwarder moving on and a registration " +
                       "made after the kill onboarded): " +
                       $"{string.Join("; ", rounds)}; {outcome.Note}; {settling.Note("the last write")}; " +
                       $"answers other than 201: {load.RefusedNote}"
            }
        ];
    }

    private static Task<long> CompletedSinceAsync(BenchContext context, string schema, DateTimeOffset since,
        CancellationToken ct) =>
        Pipeline.CountAsync(context, $"""
            select count(*) from {schema}.mt_doc_useronboardingsaga s
              join {schema}.mt_events e on e.stream_id = s.id and e.version = 1
             where s.data ->> 'status' = 'Completed' and e.timestamp > '{since:O}'::timestamptz
            """, ct);

    private const string WolverineConnection = "Wolverine";
    private const string ForwarderConnection = "marten-eventapp event forwarder";

    // the port tells which node each of the service's connections is on
    private static async Task<Dictionary<string, int>> ConnectionsAsync(ClusterNode node, CancellationToken ct)
    {
        using var connections = JsonDocument.Parse(await node.CtlAsync(ct, "list_connections", "port",
            "client_properties"));
        var ports = new Dictionary<string, int>();
        foreach (var connection in connections.RootElement.EnumerateArray())
        foreach (var property in connection.GetProperty("client_properties").EnumerateArray())
            if (property[0].GetString() == "connection_name" && property[2].GetString() is { } name)
                ports.TryAdd(name, connection.GetProperty("port").GetInt32());
        return ports;
    }

    private static async Task<List<string>> LeadersAsync(ClusterNode node, CancellationToken ct)
    {
        using var queues = JsonDocument.Parse(await node.CtlAsync(ct, "list_queues", "name", "leader"));
        return queues.RootElement.EnumerateArray()
            .Where(q => q.GetProperty("name").GetString() is { } name && !name.StartsWith("faults.probe."))
            .Select(q => q.GetProperty("leader").GetString() ?? "").ToList();
    }

    private sealed class ClusterNode(string cluster, int number)
    {
        private readonly string _dir = Path.Combine(cluster, $"n{number}");

        public string Name => $"r{number}@localhost";
        public Uri Amqp => new(File.ReadAllText(Path.Combine(_dir, "amqp")).Trim());

        public void Kill() => Process.GetProcessById(int.Parse(File.ReadAllText(Path.Combine(_dir, "rabbit.pid"))))
            .Kill();

        public async Task StartAsync(ClusterNode other, CancellationToken ct)
        {
            // the killed node's pid file names it still: wait for the new one
            File.Delete(Path.Combine(_dir, "rabbit.pid"));
            await FaultChecks.RunAsync(Path.Combine(_dir, "start"), ct);
            await FaultChecks.RunAsync(Path.Combine(_dir, "ctl"), ct, "wait", "--timeout", "90",
                Path.Combine(_dir, "rabbit.pid"));
            while (true)
            {
                using var status = JsonDocument.Parse(await other.CtlAsync(ct, "cluster_status"));
                if (status.RootElement.GetProperty("running_nodes").EnumerateArray().Any(n => n.GetString() == Name))
                    return;
                await Task.Delay(500, ct);
            }
        }

        public async Task<string> CtlAsync(CancellationToken ct, params string[] arguments)
        {
            var start = new ProcessStartInfo(Path.Combine(_dir, "ctl"), [..arguments, "--formatter", "json"])
            {
                RedirectStandardOutput = true
            };
            using var process = Process.Start(start)
                ?? throw new InvalidOperationException("could not run rabbitmqctl");
            var output = await process.StandardOutput.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            return output;
        }
    }
}
