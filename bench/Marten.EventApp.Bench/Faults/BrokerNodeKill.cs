using System.Diagnostics;
using System.Text.Json;
using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.Bench.Faults;

/// <summary>
/// F5: the service on a three-node RabbitMQ cluster (its queues quorum queues, every node in its connection list),
/// clients registering users; the node the forwarder publishes through, where the queues declared through it have
/// their leaders, is killed with kill -9 and stays down. Recovery is the time from the kill until the forwarder's progress moves again, and then
/// the store and a probe queue (a quorum queue, read through a surviving node) are compared with what the clients
/// were told.
/// </summary>
public sealed class BrokerNodeKill : IScenario
{
    public string Id => "F5";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var name = $"a three-node RabbitMQ cluster, quorum queues: kill -9 of the forwarder's broker node under load " +
                   $"({context.Settings.FaultRate} registrations/s), the node left down";
        if (context.Settings.RabbitMqCluster is not { } cluster)
            return [new ResultRow(Id, name) { Note = "not run: no RabbitMQ cluster (./faults.sh starts one)" }];
        var uris = Enumerable.Range(1, 3)
            .Select(i => new Uri(File.ReadAllText(Path.Combine(cluster, $"n{i}", "amqp")).Trim())).ToList();
        var schema = context.Schema("fault_cluster");
        var exchange = "faults-" + Guid.NewGuid().ToString("N")[..8];
        var probe = await ExchangeProbe.DeclareAsync(uris[2], exchange, ct, quorum: true);
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__RabbitMq"] = uris[0].ToString(),
            ["EventApp__EventBus__ClusterNodes__0"] = $"{uris[1].Host}:{uris[1].Port}",
            ["EventApp__EventBus__ClusterNodes__1"] = $"{uris[2].Host}:{uris[2].Port}",
            ["EventApp__EventBus__QuorumQueues"] = "true",
            ["EventApp__EventBus__Exchange"] = exchange,
            ["EventApp__Onboarding__Enabled"] = "true"
        };

        await using var service = await ServiceProcess.StartAsync(context, schema, ct, settings);
        await using var load = FaultLoad.Start(context.Settings.HttpClients, context.Settings.FaultRate);
        await load.TargetAsync(service, ct);
        await Task.Delay(TimeSpan.FromSeconds(8), ct);

        // the node the forwarder publishes through; with it go the leaders of the queues declared there
        var ports = uris.Select(u => u.Port).ToList();
        var victim = ports.IndexOf(await ForwarderPortAsync(cluster, ct)) + 1;
        if (victim == 0) throw new InvalidOperationException("the forwarder has no connection to the cluster");
        var leaders = await LeadersAsync(cluster, ct);
        var pid = int.Parse(await File.ReadAllTextAsync(Path.Combine(cluster, $"n{victim}", "rabbit.pid"), ct));
        Process.GetProcessById(pid).Kill();
        var clock = Stopwatch.StartNew();
        var acknowledgedAtKill = load.Acknowledged.Count;
        var frozen = await ForwarderNodeKill.ForwardedAsync(context, schema, ct);
        while (await ForwarderNodeKill.ForwardedAsync(context, schema, ct) <= frozen)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(2))
                throw new TimeoutException("the forwarder did not publish again within 2 minutes of the node's loss");
            await Task.Delay(100, ct);
        }

        var recovery = clock.Elapsed;
        context.Log($"  the forwarder published again {recovery.TotalSeconds:0.0} s after the node's kill");
        await Task.Delay(TimeSpan.FromSeconds(15), ct);
        await load.DisposeAsync();
        var settling = await FaultChecks.SettleAsync(context, schema, ct);
        var outcome = await FaultChecks.OutcomeAsync(context, schema, load.Acknowledged.ToList(),
            await probe.Via(uris[victim % 3]).DrainAsync(TimeSpan.FromSeconds(3), ct), ct);
        return
        [
            new ResultRow(Id, name)
            {
                P50Ms = recovery.TotalMilliseconds,
                P99Ms = recovery.TotalMilliseconds,
                Targets = [..outcome.Targets, Target.P99AtMost(30_000)],
                Errors = settling.Errors,
                Note = $"recovery (kill → the forwarder publishing through another node) " +
                       $"{recovery.TotalSeconds:0.0} s; the killed node r{victim} led " +
                       $"{leaders.Count(l => l == $"r{victim}@localhost")} of the service's {leaders.Count} queues; " +
                       $"{acknowledgedAtKill:N0} acknowledged before the kill; " +
                       $"{outcome.Note}; {settling.Note("the last write")}; answers other than 201: {load.RefusedNote}"
            }
        ];
    }

    /// <summary>The AMQP port (one per node) of the forwarder's connection, asked of the first node.</summary>
    private static async Task<int> ForwarderPortAsync(string cluster, CancellationToken ct)
    {
        using var connections = JsonDocument.Parse(
            await CtlAsync(cluster, ct, "list_connections", "port", "client_properties"));
        return connections.RootElement.EnumerateArray()
            .Where(c => c.GetProperty("client_properties").GetRawText().Contains("event forwarder"))
            .Select(c => c.GetProperty("port").GetInt32()).FirstOrDefault();
    }

    /// <summary>The leader of each of the service's queues (the probe's aside).</summary>
    private static async Task<List<string>> LeadersAsync(string cluster, CancellationToken ct)
    {
        using var queues = JsonDocument.Parse(await CtlAsync(cluster, ct, "list_queues", "name", "leader"));
        return queues.RootElement.EnumerateArray()
            .Where(q => q.GetProperty("name").GetString() is { } name && !name.StartsWith("faults.probe."))
            .Select(q => q.GetProperty("leader").GetString() ?? "").ToList();
    }

    private static async Task<string> CtlAsync(string cluster, CancellationToken ct, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(cluster, "n1", "ctl"), [..arguments, "--formatter", "json"])
        {
            RedirectStandardOutput = true
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not run rabbitmqctl");
        var output = await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return output;
    }
}
