using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.Bench.Faults;

// F3: PostgreSQL stopped with a fast shutdown (every connection dropped) under load, then started again: requests
// meanwhile must get 503 with Retry-After, never another 5xx.
public sealed class DatabaseOutage : IScenario
{
    public string Id => "F3";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var name = $"PostgreSQL stopped for {ServerOutage.Length(context).TotalSeconds:0} s under load " +
                   $"({context.Settings.FaultRate} registrations/s), the service left running";
        if (context.Settings.PostgresCtl is not { } ctl)
            return [new ResultRow(Id, name) { Note = "not run: no control script for PostgreSQL" }];
        if (await FaultChecks.SetUpAsync(context, "fault_database", ct) is not { } setup)
            return [new ResultRow(Id, name) { Note = "not run: no RabbitMQ" }];

        var run = await ServerOutage.RunAsync(context, setup, ctl, ["stop"], [["start"]], ct);
        return [run.Row(Id, name, "database", new Target("no 5xx but 503", (_, _) => run.ServerErrors == 0))];
    }
}
