using System.Net.Http.Json;
using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.Bench.Scenarios;

// 9t: how precisely durable timeouts fire under load: payment never answers, so each order ends when its payment
// timeout fires. Lateness is the time the process failed (the handler's clock) minus the time it was due.
public sealed class TimeoutPrecision : IScenario
{
    public string Id => "9t";

    private static readonly TimeSpan PaymentTimeout = TimeSpan.FromSeconds(2);

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var schema = context.Schema("timeouts");
        await using var service = await ServiceProcess.StartAsync(context, schema, ct, new Dictionary<string, string>
        {
            ["EventApp__Orders__ProcessEnabled"] = "true",
            ["EventApp__Orders__Payment"] = "NoAnswer",
            ["EventApp__Orders__PaymentTimeout"] = PaymentTimeout.ToString()
        });

        var placed = 0L;
        var run = await Pipeline.RunAsync(context, service, Pipeline.Registration,
            $"select count(*) from {schema}.mt_doc_ordersummary",
            $"select count(*) from {schema}.mt_doc_ordersaga where data ->> 'status' = 'Failed'",
            $"""
             select extract(epoch from ((s.data ->> 'failedAt')::timestamptz
                 - (select (st ->> 'timeoutDueAt')::timestamptz from jsonb_array_elements(s.data -> 'steps') st
                    where st ->> 'name' = 'payment'))) * 1000
             from {schema}.mt_doc_ordersaga s
             """, ct, beside: async token =>
            {
                using var http = Pipeline.Client(service, 4);
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / context.Settings.TimeoutRate));
                while (await timer.WaitForNextTickAsync(token))
                {
                    using var response = await http.PostAsJsonAsync("/api/orders",
                        new { customerId = Guid.CreateVersion7(),
                            lines = new[] { new { sku = "SKU-T", quantity = 1, unitPrice = 1m } } }, token);
                    response.EnsureSuccessStatusCode();
                    placed++;
                }
            });

        return
        [
            new ResultRow(Id, $"Timeouts: {run.Written:N0} payment timeouts ({PaymentTimeout.TotalSeconds:0} s) " +
                              "under row 2's load → fired minus due")
            {
                P50Ms = run.Latencies.P50,
                P99Ms = run.Latencies.P99,
                Targets = [Target.P99AtMost(1000)],
                Note = $"{placed:N0} orders placed at {context.Settings.TimeoutRate}/s " +
                       $"beside the registrations ({run.Load.Rate:0}/s); " +
                       $"all fired within {(run.DoneIn - run.WrittenIn).TotalSeconds:0.0} s of the last write"
            }
        ];
    }
}
