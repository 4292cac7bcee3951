using System.Diagnostics;
using Marten.EventApp.Bench.Harness;
using Marten.EventApp.Bench.Scenarios;

namespace Marten.EventApp.Bench.Faults;

// F4: two nodes on one database, registrations on one; the forwarder's node is killed with kill -9 each round and a
// fresh node joins. Takeover runs from the kill until the forwarder passes where the killed node left it. Silent push
// steps leave saga timers pending at the kills: each must fire once, on whichever node is alive.
public sealed class ForwarderNodeKill : IScenario
{
    // these users (a tenth) get no answer from the push service
    private const string SilentEmails = @"7@";

    public string Id => "F4";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var smoke = context.Settings.CommandLine == "smoke";
        var rounds = smoke ? 1 : 3;
        var name = $"two nodes, kill -9 of the node running the forwarder under load " +
                   $"({context.Settings.FaultRate} registrations/s), {rounds} round(s)";
        if (await FaultChecks.SetUpAsync(context, "fault_nodes", ct) is not { } setup)
            return [new ResultRow(Id, name) { Note = "not run: no RabbitMQ" }];
        var (schema, settings, probe) = setup;
        settings["EventApp__Nodes"] = "Distributed";
        settings["EventApp__Onboarding__StepTimeout"] = "00:00:10";
        settings["EventApp__Onboarding__Faults__0__Step"] = "push_notification";
        settings["EventApp__Onboarding__Faults__0__Mode"] = "NoAnswer";
        settings["EventApp__Onboarding__Faults__0__Emails"] = SilentEmails;

        var nodes = new List<ServiceProcess>
        {
            await ServiceProcess.StartAsync(context, schema, ct, settings),
            await ServiceProcess.StartAsync(context, schema, ct, settings)
        };
        var takeovers = new List<double>();
        await using var load = FaultLoad.Start(context.Settings.HttpClients, context.Settings.FaultRate);
        try
        {
            for (var round = 1; round <= rounds; round++)
            {
                await load.TargetAsync(nodes[0], ct);
                await Task.Delay(smoke ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(6), ct);
                // asked just before the kill, and twice: a node that joined may be taking the forwarder over
                var (owner, survivor) = await SettledOwnerAsync(nodes, ct);
                await load.TargetAsync(survivor, ct);

                await owner.KillAsync();
                var clock = Stopwatch.StartNew();
                // read once the owner is dead: until then it may still commit a page it was publishing
                var frozen = await FaultChecks.ForwardedAsync(context, schema, ct);
                while (await FaultChecks.ForwardedAsync(context, schema, ct) <= frozen)
                {
                    if (clock.Elapsed > TimeSpan.FromMinutes(2))
                        throw new TimeoutException("no node took the forwarder over in 2 minutes");
                    await Task.Delay(100, ct);
                }

                takeovers.Add(clock.Elapsed.TotalSeconds);
                context.Log($"  round {round}: the forwarder moved on {clock.Elapsed.TotalSeconds:0.0} s " +
                            "after the kill");
                nodes.Remove(owner);
                await owner.DisposeAsync();
                nodes.Add(await ServiceProcess.StartAsync(context, schema, ct, settings));
            }

            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            await load.DisposeAsync();
            var settling = await FaultChecks.SettleAsync(context, schema, ct);
            var outcome = await FaultChecks.OutcomeAsync(context, schema, load.Acknowledged.ToList(),
                await probe.DrainAsync(TimeSpan.FromSeconds(3), ct), ct);
            var (timedOut, firedTwice) = await TimeoutsAsync(context, schema, ct);
            takeovers.Sort();
            return
            [
                new ResultRow(Id, name)
                {
                    P50Ms = takeovers[takeovers.Count / 2] * 1000,
                    P99Ms = takeovers[^1] * 1000,
                    Targets =
                    [
                        ..outcome.Targets,
                        Target.P99AtMost(10_000),
                        new Target("each timeout fired once", (_, _) => timedOut > 0 && firedTwice == 0)
                    ],
                    Errors = settling.Errors,
                    Note = $"takeover (kill → the forwarder's progress past where the killed node left it) " +
                           $"{string.Join(", ", takeovers.Select(t => $"{t:0.0} s"))}; {outcome.Note}; " +
                           $"{timedOut} sagas failed by their timer, {firedTwice} timers fired twice; " +
                           $"{settling.Note("the last write")}; answers other than 201: {load.RefusedNote}"
                }
            ];
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync();
        }
    }

    private static async Task<(ServiceProcess Owner, ServiceProcess Survivor)> SettledOwnerAsync(
        List<ServiceProcess> nodes, CancellationToken ct)
    {
        while (true)
        {
            var first = await NodeTakeover.OwnerAsync(nodes, "EventBus", ct);
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            var second = await NodeTakeover.OwnerAsync(nodes, "EventBus", ct);
            if (first.Owner == second.Owner) return second;
        }
    }

    // a timer moving on from a step that answered is a new timer, not a repeated firing
    private static async Task<(long TimedOut, long FiredTwice)> TimeoutsAsync(BenchContext context, string schema,
        CancellationToken ct)
    {
        const string firings = "from jsonb_array_elements(s.data -> 'timeline') t " +
                               "where t ->> 'message' = 'OnboardingStepTimeout'";
        var table = $"{schema}.mt_doc_useronboardingsaga s";
        return (
            await Pipeline.CountAsync(context, $"select count(*) from {table} where exists (select 1 {firings})", ct),
            await Pipeline.CountAsync(context, $"""
                select count(*) from {table}
                 where exists (select 1 {firings} group by t ->> 'note' having count(*) > 1)
                    or exists (select 1 {firings} and t ->> 'note' like '%ignored%')
                """, ct));
    }
}
