using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.Bench.Faults;

/// <summary>
/// F2: RabbitMQ's application stopped (every connection dropped; durable queues and their messages kept) while
/// clients register users, started again, the service left running throughout. Reported: what was lost, the
/// readiness the service reported meanwhile, and the time from the broker's return to an empty pipeline.
/// </summary>
public sealed class BrokerOutage : IScenario
{
    public string Id => "F2";

    public async Task<IReadOnlyList<ResultRow>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var smoke = context.Settings.CommandLine == "smoke";
        var outage = smoke ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(30);
        var name = $"RabbitMQ stopped for {outage.TotalSeconds:0} s under load " +
                   $"({context.Settings.FaultRate} registrations/s), the service left running";
        if (context.Settings.RabbitMqCtl is not { } ctl)
            return [new ResultRow(Id, name) { Note = "not run: no rabbitmqctl for the broker" }];
        if (await FaultChecks.SetUpAsync(context, "fault_broker", ct) is not { } setup)
            return [new ResultRow(Id, name) { Note = "not run: no RabbitMQ" }];
        var (schema, settings, probe) = setup;

        await using var service = await ServiceProcess.StartAsync(context, schema, ct, settings);
        await using var load = FaultLoad.Start(context.Settings.HttpClients, context.Settings.FaultRate);
        await load.TargetAsync(service, ct);
        var around = smoke ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5);
        await Task.Delay(around, ct);

        await FaultChecks.RunAsync(ctl, ct, "stop_app");
        var readiness = new SortedSet<string>();
        using var http = service.Client();
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < outage;)
        {
            readiness.Add(await ReadinessAsync(http, ct));
            await Task.Delay(500, ct);
        }

        var during = load.Acknowledged.Count;
        await FaultChecks.RunAsync(ctl, ct, "start_app");
        await FaultChecks.RunAsync(ctl, ct, "await_startup");
        var back = Stopwatch.StartNew();
        await Task.Delay(around, ct);
        await load.DisposeAsync();
        var drained = await FaultChecks.DrainedAsync(context, schema, TimeSpan.FromMinutes(5), ct);
        var settled = back.Elapsed;
        var after = await ReadinessAsync(http, ct);
        var outcome = await FaultChecks.OutcomeAsync(context, schema, load.Acknowledged.ToList(),
            await probe.DrainAsync(TimeSpan.FromSeconds(3), ct), ct);
        return
        [
            new ResultRow(Id, name)
            {
                Targets =
                [
                    ..outcome.Targets,
                    new Target("drained ≤ 60 s after the broker's return",
                        (_, _) => drained is not null && settled.TotalSeconds <= 60)
                ],
                Errors = drained is null ? 1 : 0,
                Note = $"{outcome.Note}; {during:N0} acknowledged by the end of the outage; " +
                       (drained is not null
                           ? $"pipeline empty {settled.TotalSeconds:0.0} s after the broker's return"
                           : "**not drained in 5 min**") +
                       $"; readiness during the outage {string.Join("/", readiness)}, after {after}; no restart; " +
                       $"answers other than 201: {load.RefusedNote}"
            }
        ];
    }

    public static async Task<string> ReadinessAsync(HttpClient http, CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync("/health/ready", ct);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            return body.TryGetProperty("status", out var status)
                ? status.GetString() ?? "?"
                : ((int)response.StatusCode).ToString();
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException)
        {
            return "unanswered";
        }
    }
}
