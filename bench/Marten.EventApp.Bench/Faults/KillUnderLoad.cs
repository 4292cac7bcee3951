using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.Bench.Faults;

// F1: the service killed with kill -9 under registrations and restarted, round after round; once settled, the store
// and a probe bound to # are compared with what the clients were told: writes lost, events unpublished, duplicates.
public sealed class KillUnderLoad : IScenario
{
    public string Id => "F1";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var smoke = context.Settings.CommandLine == "smoke";
        var rounds = smoke ? 1 : 5;
        var name = $"kill -9 of the service under load ({context.Settings.FaultRate} registrations/s), " +
                   $"{rounds} round(s), then recovery";
        if (await FaultChecks.SetUpAsync(context, "fault_kill", ct) is not { } setup)
            return [new ResultRow(Id, name) { Note = "not run: no RabbitMQ" }];
        var (schema, settings, probe) = setup;
        var up = smoke ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(8);
        await using var load = FaultLoad.Start(context.Settings.HttpClients, context.Settings.FaultRate);
        ServiceProcess? service = null;
        try
        {
            for (var round = 1; round <= rounds; round++)
            {
                service = await ServiceProcess.StartAsync(context, schema, ct, settings);
                await load.TargetAsync(service, ct);
                // killed at a different point of its work each round
                await Task.Delay(up * (0.5 + Random.Shared.NextDouble() / 2), ct);
                await service.KillAsync();
                await service.DisposeAsync();
                context.Log($"  round {round}: killed with {load.Acknowledged.Count:N0} acknowledged so far");
            }

            service = await ServiceProcess.StartAsync(context, schema, ct, settings);
            await load.TargetAsync(service, ct);
            await Task.Delay(up, ct);
            await load.DisposeAsync();
            var settling = await FaultChecks.SettleAsync(context, schema, ct);
            var outcome = await FaultChecks.OutcomeAsync(context, schema, load.Acknowledged.ToList(),
                await probe.DrainAsync(TimeSpan.FromSeconds(3), ct), ct);
            return
            [
                new ResultRow(Id, name)
                {
                    Targets = outcome.Targets,
                    Errors = settling.Errors,
                    Note = $"{outcome.Note}; {settling.Note("the last write")}; " +
                           $"answers other than 201 during the kills: {load.RefusedNote}"
                }
            ];
        }
        finally
        {
            if (service is not null) await service.DisposeAsync();
        }
    }
}
