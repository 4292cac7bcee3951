using System.Diagnostics;
using Marten.EventApp.Bench.Harness;

namespace Marten.EventApp.Bench.Faults;

// counted in the store and on the probe queue once everything settled
public sealed record FaultOutcome(
    int Acknowledged, int Lost, int Events, int NeverPublished, int Duplicates, int Unfinished, int DuplicateStarts)
{
    public bool NothingLost => Lost == 0 && NeverPublished == 0 && Unfinished == 0;

    public string Note =>
        $"{Acknowledged:N0} registrations acknowledged, {Lost} lost; {Events:N0} events stored, " +
        $"{NeverPublished} never on the exchange, {Duplicates} published twice; a registration delivered to the " +
        $"onboarding trigger again after its saga started: {DuplicateStarts} (recorded and ignored); " +
        $"{Unfinished} onboarding sagas unfinished";

    public IReadOnlyList<Target> Targets => [new("0 lost, 0 unpublished, every saga finished", (_, _) => NothingLost)];
}

public sealed record Settling(TimeSpan? Drained, string? Leftovers)
{
    public int Errors => Drained is null ? 1 : 0;

    public string Note(string since) => Drained is { } d
        ? $"settled {d.TotalSeconds:0.0} s after {since}"
        : $"**not settled in 5 min** (left: {Leftovers})";
}

public sealed record FaultSetup(string Schema, Dictionary<string, string> Service, ExchangeProbe Probe);

public static class FaultChecks
{
    // the probe is bound before the service starts, which runs as ./run.sh --rabbitmq runs it; null without a broker
    public static async Task<FaultSetup?> SetUpAsync(BenchContext context, string name, CancellationToken ct)
    {
        if (context.Settings.RabbitMq is not { } broker) return null;
        var exchange = "faults-" + Guid.NewGuid().ToString("N")[..8];
        return new FaultSetup(context.Schema(name), new Dictionary<string, string>
        {
            ["ConnectionStrings__RabbitMq"] = broker.ToString(),
            ["EventApp__EventBus__Exchange"] = exchange,
            ["EventApp__Onboarding__Enabled"] = "true"
        }, await ExchangeProbe.DeclareAsync(broker, exchange, ct));
    }

    public static async Task RunAsync(string ctl, CancellationToken ct, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(ctl, arguments))
                            ?? throw new InvalidOperationException($"could not run {ctl}");
        // polled: a child that keeps a pipe open would hold WaitForExitAsync
        while (!process.HasExited) await Task.Delay(100, ct);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{ctl} {string.Join(' ', arguments)} exited {process.ExitCode}");
    }

    // empty: every event forwarded, no message in the outbox or inbox, every registered user's onboarding finished
    private static async Task<TimeSpan?> DrainedAsync(BenchContext context, string schema, TimeSpan patience,
        CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var sql = $"""
            select (select count(*) from {schema}.wolverine_outgoing_envelopes)
                 + (select count(*) from {schema}.wolverine_incoming_envelopes where status = 'Incoming')
                 + (select count(*) from {schema}.mt_doc_userdetails u
                    where not exists (select 1 from {schema}.mt_doc_useronboardingsaga s
                                      where s.id = u.id and s.data ->> 'status' in ('Completed', 'Failed')))
                 + case when coalesce((select last_seq_id from {schema}.mt_event_progression
                                       where name = 'EventBus:All'), 0)
                             >= (select coalesce(max(seq_id), 0) from {schema}.mt_events) then 0 else 1 end
            """;
        while (clock.Elapsed < patience)
        {
            if (await Pipeline.CountAsync(context, sql, ct) == 0) return clock.Elapsed;
            await Task.Delay(250, ct);
        }

        return null;
    }

    public static Task<long> ForwardedAsync(BenchContext context, string schema, CancellationToken ct) =>
        Pipeline.CountAsync(context,
            $"select coalesce((select last_seq_id from {schema}.mt_event_progression " +
            "where name = 'EventBus:All'), 0)", ct);

    public static async Task<Settling> SettleAsync(BenchContext context, string schema, CancellationToken ct)
    {
        var drained = await DrainedAsync(context, schema, TimeSpan.FromMinutes(5), ct);
        return new Settling(drained, drained is null ? await LeftoversAsync(context, schema, ct) : null);
    }

    private static async Task<string> LeftoversAsync(BenchContext context, string schema, CancellationToken ct)
    {
        var parts = new List<string>();
        await using var command = context.DataSource.CreateCommand($"""
            select 'outgoing ' || message_type || ' owner ' || owner_id, count(*)
              from {schema}.wolverine_outgoing_envelopes group by 1
            union all
            select 'incoming ' || message_type || ' at ' || received_at || ' owner ' || owner_id || ' attempts '
                   || attempts, count(*)
              from {schema}.wolverine_incoming_envelopes where status = 'Incoming' group by 1
            union all
            select 'users whose saga is ' || coalesce(s.data ->> 'status', 'missing')
                   || coalesce(' at ' || (select string_agg(st ->> 'name' || ' ' || (st ->> 'status'), ', ')
                                          from jsonb_array_elements(s.data -> 'steps') st), ''), count(*)
              from {schema}.mt_doc_userdetails u
              left join {schema}.mt_doc_useronboardingsaga s on s.id = u.id
             where coalesce(s.data ->> 'status', '') not in ('Completed', 'Failed') group by 1
            """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) parts.Add($"{reader.GetInt64(1)} × {reader.GetString(0)}");
        return parts.Count == 0 ? "nothing" : string.Join("; ", parts);
    }

    public static async Task<FaultOutcome> OutcomeAsync(BenchContext context, string schema,
        IReadOnlyCollection<Guid> acknowledged, IReadOnlyList<Guid> published, CancellationToken ct)
    {
        var users = await IdsAsync(context, $"select id from {schema}.mt_doc_userdetails", ct);
        var events = await IdsAsync(context, $"select id from {schema}.mt_events", ct);
        var seen = published.ToHashSet();
        var unfinished = await Pipeline.CountAsync(context, $"""
            select count(*) from {schema}.mt_doc_userdetails u
            where not exists (select 1 from {schema}.mt_doc_useronboardingsaga s
                              where s.id = u.id and s.data ->> 'status' in ('Completed', 'Failed'))
            """, ct);
        var duplicateStarts = await Pipeline.CountAsync(context, $"""
            select count(*) from {schema}.mt_doc_useronboardingsaga s
            where exists (select 1 from jsonb_array_elements(s.data -> 'timeline') t
                          where t ->> 'note' = 'duplicate start ignored')
            """, ct);
        return new FaultOutcome(acknowledged.Count, acknowledged.Count(id => !users.Contains(id)), events.Count,
            events.Count(id => !seen.Contains(id)), published.Count - seen.Count, (int)unfinished,
            (int)duplicateStarts);
    }

    private static async Task<HashSet<Guid>> IdsAsync(BenchContext context, string sql, CancellationToken ct)
    {
        var ids = new HashSet<Guid>();
        await using var command = context.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids.Add(reader.GetGuid(0));
        return ids;
    }
}
