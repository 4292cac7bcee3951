using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.Bench.Faults;

public sealed record OutageRun(FaultOutcome Outcome, Settling Settling, TimeSpan Settled,
    IReadOnlySet<string> Readiness, string After, int AcknowledgedDuring, long Answered503During, long ServerErrors,
    string RefusedNote)
{
    public ResultRow Row(string id, string name, string server, params Target[] more) => new(id, name)
    {
        Targets =
        [
            ..Outcome.Targets,
            ..more,
            new Target($"drained ≤ 60 s after the {server}'s return",
                (_, _) => Settling.Drained is not null && Settled.TotalSeconds <= 60)
        ],
        Errors = Settling.Errors,
        Note = $"{Outcome.Note}; {AcknowledgedDuring:N0} acknowledged by the end of the outage, " +
               $"{Answered503During:N0} answered 503, {ServerErrors} other 5xx; " +
               (Settling.Drained is not null
                   ? $"pipeline empty {Settled.TotalSeconds:0.0} s after the {server}'s return"
                   : Settling.Note("")) +
               $"; readiness during the outage {string.Join("/", Readiness)}, after {After}; no restart; " +
               $"answers other than 201: {RefusedNote}"
    };
}

// A server stopped under load and started again, the service left running: the readiness it reported meanwhile,
// and the time from the server's return to an empty pipeline.
public static class ServerOutage
{
    public static async Task<OutageRun> RunAsync(BenchContext context, FaultSetup setup, string ctl, string[] stop,
        string[][] start, CancellationToken ct)
    {
        var smoke = context.Settings.CommandLine == "smoke";
        var outage = Length(context);
        var (schema, settings, probe) = setup;
        await using var service = await ServiceProcess.StartAsync(context, schema, ct, settings);
        await using var load = FaultLoad.Start(context.Settings.HttpClients, context.Settings.FaultRate);
        await load.TargetAsync(service, ct);
        var around = smoke ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5);
        await Task.Delay(around, ct);

        await FaultChecks.RunAsync(ctl, ct, stop);
        var readiness = new SortedSet<string>();
        using var http = service.Client();
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < outage;)
        {
            readiness.Add(await ReadinessAsync(http, ct));
            await Task.Delay(500, ct);
        }

        var acknowledged = load.Acknowledged.Count;
        var answered503 = load.Refused.GetValueOrDefault(503);
        foreach (var command in start) await FaultChecks.RunAsync(ctl, ct, command);
        // the harness's own pooled connections may have died with the server
        context.DataSource.Clear();
        var back = Stopwatch.StartNew();
        await Task.Delay(around, ct);
        await load.DisposeAsync();
        var settling = await FaultChecks.SettleAsync(context, schema, ct);
        var settled = back.Elapsed;
        var after = await ReadinessAsync(http, ct);
        var outcome = await FaultChecks.OutcomeAsync(context, schema, load.Acknowledged.ToList(),
            await probe.DrainAsync(TimeSpan.FromSeconds(3), ct), ct);
        return new OutageRun(outcome, settling, settled, readiness, after, acknowledged, answered503, load.ServerErrors,
            load.RefusedNote);
    }

    public static TimeSpan Length(BenchContext context) =>
        context.Settings.CommandLine == "smoke" ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(30);

    private static async Task<string> ReadinessAsync(HttpClient http, CancellationToken ct)
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
