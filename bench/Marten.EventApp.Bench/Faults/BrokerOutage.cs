using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.Bench.Faults;

// F2: RabbitMQ's application stopped under load (every connection dropped; durable queues and messages kept), then
// started again.
public sealed class BrokerOutage : IScenario
{
    public string Id => "F2";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var name = $"RabbitMQ stopped for {ServerOutage.Length(context).TotalSeconds:0} s under load " +
                   $"({context.Settings.FaultRate} registrations/s), the service left running";
        if (context.Settings.RabbitMqCtl is not { } ctl)
            return [new ResultRow(Id, name) { Note = "not run: no rabbitmqctl for the broker" }];
        if (await FaultChecks.SetUpAsync(context, "fault_broker", ct) is not { } setup)
            return [new ResultRow(Id, name) { Note = "not run: no RabbitMQ" }];

        var run = await ServerOutage.RunAsync(context, setup, ctl, ["stop_app"], [["start_app"], ["await_startup"]],
            ct);
        return [run.Row(Id, name, "broker")];
    }
}
