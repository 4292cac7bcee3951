using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.Bench.Scenarios;

// 9: the whole pipeline, onboarding on, under row 2's HTTP load. A registration is done when its onboarding saga
// completed: the rate runs from the first write to the last completion; the write rate is compared with row 2's.
public sealed class OnboardingThroughput : IScenario
{
    public string Id => "9";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var schema = context.Schema("pipeline");
        await using var service = await ServiceProcess.StartAsync(context, schema, ct,
            new Dictionary<string, string> { ["EventApp__Onboarding__Enabled"] = "true" });

        var run = await Pipeline.RunAsync(context, service, Pipeline.Registration,
            $"select count(*) from {schema}.mt_doc_userdetails",
            $"select count(*) from {schema}.mt_doc_useronboardingsaga where data ->> 'status' = 'Completed'",
            $"""
             select extract(epoch from ((s.data ->> 'completedAt')::timestamptz
                 - (u.data ->> 'registrationDate')::timestamptz)) * 1000
             from {schema}.mt_doc_useronboardingsaga s join {schema}.mt_doc_userdetails u on u.id = s.id
             """, ct);

        var offRate = context.Rows.FirstOrDefault(r => r.Id == "2")?.Rate;
        return
        [
            run.Row(Id, $"Pipeline: POST /api/users for {context.Settings.Sustained.TotalSeconds:0} s " +
                        $"with onboarding on, {context.Settings.HttpClients} clients → every saga completed",
                "sagas completed per second; registration to OnboardingCompleted", "completions",
                offRate is { } off ? $"; writes {run.WriteRate / off:0.00} of row 2's rate (onboarding off)" : ""),
            new ResultRow("9l", "Async projections' lag during 9 (the largest, sampled every 250 ms)")
            {
                P50Ms = run.Lag.P50, P99Ms = run.Lag.P99, Targets = [Target.P99AtMost(1000)],
                Note = $"{run.Lag.Count} samples; {run.LagPerShard}"
            }
        ];
    }
}
