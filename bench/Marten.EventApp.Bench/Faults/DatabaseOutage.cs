using System.Diagnostics;
using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.Bench.Faults;

/// <summary>
/// F3: PostgreSQL stopped (a fast shutdown: every connection dropped) while clients register users, and started
/// again, the service left running. Reported: what was lost, how requests were answered meanwhile (503 with
/// <c>Retry-After</c>, never a 500), and the time from the database's return to an empty pipeline.
/// </summary>
public sealed class DatabaseOutage : IScenario
{
    public string Id => "F3";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var smoke = context.Settings.CommandLine == "smoke";
        var outage = smoke ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(30);
        var name = $"PostgreSQL stopped for {outage.TotalSeconds:0} s under load " +
                   $"({context.Settings.FaultRate} registrations/s), the service left running";
        if (context.Settings.PostgresCtl is not { } ctl)
            return [new ResultRow(Id, name) { Note = "not run: no control script for PostgreSQL" }];
        if (await FaultChecks.SetUpAsync(context, "fault_database", ct) is not { } setup)
            return [new ResultRow(Id, name) { Note = "not run: no RabbitMQ" }];
        var (schema, settings, probe) = setup;

        await using var service = await ServiceProcess.StartAsync(context, schema, ct, settings);
        await using var load = FaultLoad.Start(context.Settings.HttpClients, context.Settings.FaultRate);
        await load.TargetAsync(service, ct);
        var around = smoke ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5);
        await Task.Delay(around, ct);

        await FaultChecks.RunAsync(ctl, ct, "stop");
        var readiness = new SortedSet<string>();
        using var http = service.Client();
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < outage;)
        {
            readiness.Add(await BrokerOutage.ReadinessAsync(http, ct));
            await Task.Delay(500, ct);
        }

        var during = load.Refused.ToDictionary(r => r.Key, r => r.Value);
        await FaultChecks.RunAsync(ctl, ct, "start");
        // the harness's own pooled connections died with the server
        context.DataSource.Clear();
        var back = Stopwatch.StartNew();
        await Task.Delay(around, ct);
        await load.DisposeAsync();
        var drained = await FaultChecks.DrainedAsync(context, schema, TimeSpan.FromMinutes(5), ct);
        var settled = back.Elapsed;
        var after = await BrokerOutage.ReadinessAsync(http, ct);
        var outcome = await FaultChecks.OutcomeAsync(context, schema, load.Acknowledged.ToList(),
            await probe.DrainAsync(TimeSpan.FromSeconds(3), ct), ct);
        return
        [
            new ResultRow(Id, name)
            {
                Targets =
                [
                    ..outcome.Targets,
                    new Target("no 5xx but 503", (_, _) => load.ServerErrors == 0),
                    new Target("drained ≤ 60 s after the database's return",
                        (_, _) => drained is not null && settled.TotalSeconds <= 60)
                ],
                Errors = drained is null ? 1 : 0,
                Note = $"{outcome.Note}; during the outage {during.GetValueOrDefault(503):N0} answered 503, " +
                       $"{load.ServerErrors} other 5xx; " +
                       (drained is not null
                           ? $"pipeline empty {settled.TotalSeconds:0.0} s after the database's return"
                           : "**not drained in 5 min**") +
                       $"; readiness during the outage {string.Join("/", readiness)}, after {after}; no restart; " +
                       $"answers other than 201: {load.RefusedNote}"
            }
        ];
    }
}
