using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.Bench.Scenarios;

// 9o: orders under row 2's load with the simulators approving; an order is done when its process reached
// AwaitingShipment (paid and reserved), timed from when it was placed.
public sealed class OrderProcessThroughput : IScenario
{
    public string Id => "9o";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var schema = context.Schema("orders");
        await using var service = await ServiceProcess.StartAsync(context, schema, ct,
            new Dictionary<string, string> { ["EventApp__Orders__ProcessEnabled"] = "true" });

        var run = await Pipeline.RunAsync(context, service, n =>
                ("/api/orders", new { customerId = Guid.CreateVersion7(),
                    lines = new[] { new { sku = $"SKU-{n % 100}", quantity = 1 + n % 3, unitPrice = 12.5m } } }),
            $"select count(*) from {schema}.mt_doc_ordersummary",
            $"select count(*) from {schema}.mt_doc_ordersummary where data ->> 'status' = 'AwaitingShipment'",
            $"""
             select extract(epoch from (
                 (select (h ->> 'at')::timestamptz from jsonb_array_elements(o.data -> 'history') h
                  where h ->> 'eventType' = 'InventoryReserved')
                 - (o.data ->> 'createdAt')::timestamptz)) * 1000
             from {schema}.mt_doc_ordersummary o
             """, ct);

        return
        [
            run.Row(Id, $"Orders: POST /api/orders for {context.Settings.Sustained.TotalSeconds:0} s, " +
                        "simulators approving, " +
                        $"{context.Settings.HttpClients} clients → every process AwaitingShipment",
                "processes reaching AwaitingShipment per second; order placed to AwaitingShipment", "processes",
                $"; lag p99 {run.Lag.P99:0} ms")
        ];
    }
}
