using System.Diagnostics.Metrics;
using Marten.EventApp.Projections;
using Marten.EventApp.Sagas;
using Marten.EventApp.Sequences;
using Marten.Events.Daemon.Coordination;
using Wolverine.Runtime;

namespace Marten.EventApp.Operations;

public sealed record StoreReading(
    DateTimeOffset At,
    IReadOnlyList<(string Type, SagaStatus Status, long Count)> Sagas,
    IReadOnlyList<ProjectionState> Projections,
    long OutboxMessages,
    double? OutboxOldestSeconds,
    long DeadLetters,
    IReadOnlyList<(string Type, long Count)> StuckSagas,
    IReadOnlyList<ParkedCount> Parked);

public sealed record ParkedCount(string Consumer, long Sequences, long Events, double OldestSeconds);

// Polls the state held in tables: a gauge callback runs on the scrape, so it must never query the database itself.
public sealed class OperationsSnapshot(IServiceProvider services, MonitoringOptions options, IMeterFactory meters,
    EventMonitor alerts, TimeProvider clock, ILogger<OperationsSnapshot> logger) : BackgroundService
{
    private StoreReading? _reading;
    private DateTimeOffset? _stuckAlertAt;

    // a failed reading leaves the one before: readiness checks the database itself
    public StoreReading? Reading => _reading;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.PollInterval);
        do
        {
            try
            {
                _reading = await ReadAsync(stoppingToken);
                AlertStuckSagas(_reading);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Reading the store for the operations gauges failed");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task<StoreReading> ReadAsync(CancellationToken ct)
    {
        var store = services.GetRequiredService<IDocumentStore>();
        var sagas = new List<(string, SagaStatus, long)>();
        var stuck = new List<(string, long)>();
        await using (var session = store.QuerySession())
        {
            foreach (var saga in services.GetServices<MonitoredSaga>())
            {
                var (byStatus, stuckCount) = await saga.Count(session, clock.GetUtcNow(), ct);
                sagas.AddRange(byStatus.Select(c => (saga.Type, c.Status, c.Count)));
                stuck.Add((saga.Type, stuckCount));
            }
        }

        var projections = await ProjectionStatusEndpoint.Get(store,
            services.GetRequiredService<IProjectionCoordinator>(),
            services.GetRequiredService<IWolverineRuntime>(), services.GetRequiredService<ProjectionRebuilds>(),
            services.GetRequiredService<EventAppOptions>(), ct);

        var parked = await ParkedSequences.CountAsync(store, ct);
        var schema = store.Options.DatabaseSchemaName;
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        // the outbox's timestamp column exists because OutboxStaleTime is set (AddOperations)
        command.CommandText = $"""
            select (select count(*) from {schema}.wolverine_outgoing_envelopes),
                   (select extract(epoch from clock_timestamp() - min(timestamp))::float8
                    from {schema}.wolverine_outgoing_envelopes),
                   (select count(*) from {schema}.wolverine_dead_letters)
            """;
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new StoreReading(DateTimeOffset.UtcNow, sagas, projections.Projections, reader.GetInt64(0),
            reader.IsDBNull(1) ? null : reader.GetDouble(1), reader.GetInt64(2), stuck, parked);
    }

    private void AlertStuckSagas(StoreReading reading)
    {
        var stuck = reading.StuckSagas.Where(s => s.Count > 0).ToList();
        if (stuck.Count == 0 || _stuckAlertAt is { } last && reading.At - last < options.ErrorWindow) return;
        _stuckAlertAt = reading.At;
        foreach (var (type, count) in stuck)
            alerts.Raise(new Alert("HIGH",
                $"{count} {type} saga(s) stuck: Started, no timeout pending, older than their longest timeout",
                type, "saga", (int)Math.Min(count, int.MaxValue), options.ErrorWindow, null, reading.At));
    }

    internal void PublishGauges()
    {
        // this host's meter (disposed with it): gauges of another host in the process read that host's reading
        var meter = meters.Create(Telemetry.Name);
        meter.CreateObservableGauge("eventapp.sagas", () => (_reading?.Sagas ?? []).Select(s =>
                new Measurement<long>(s.Count, Tag("saga.type", s.Type), Tag("saga.status", s.Status.ToString()))),
            "{saga}", "Sagas by type and status");
        meter.CreateObservableGauge("eventapp.sagas.stuck", () => (_reading?.StuckSagas ?? []).Select(s =>
                new Measurement<long>(s.Count, Tag("saga.type", s.Type))),
            "{saga}", "Sagas Started with no timeout pending, older than their longest timeout");
        meter.CreateObservableGauge("eventapp.projection.lag", () => AsyncProjections().Select(p =>
                new Measurement<double>(p.LagSeconds ?? 0, Tag("projection", p.Name))),
            "s", "Seconds since the oldest event an async projection or subscription has not applied was stored");
        meter.CreateObservableGauge("eventapp.projection.lag.events", () => AsyncProjections().Select(p =>
                new Measurement<long>(p.LagEvents ?? 0, Tag("projection", p.Name))),
            "{event}", "Events an async projection or subscription has not applied yet");
        // the outbox's count is Wolverine's own gauge (wolverine-outbox-count); the reading keeps it for readiness
        meter.CreateObservableGauge("eventapp.outbox.oldest.age", () => Value(r => r.OutboxOldestSeconds ?? 0),
            "s", "Age of the oldest message waiting in the outbox (0 when empty)");
        meter.CreateObservableGauge("eventapp.dead_letters", () => Value(r => r.DeadLetters),
            "{message}", "Messages in the dead letters");
        meter.CreateObservableGauge("eventapp.sequences", () => (_reading?.Parked ?? []).Select(p =>
                new Measurement<long>(p.Sequences, Tag("consumer", p.Consumer))),
            "{sequence}", "Aggregates whose events a consumer holds back behind a dead letter");
        meter.CreateObservableGauge("eventapp.sequences.events", () => (_reading?.Parked ?? []).Select(p =>
                new Measurement<long>(p.Events, Tag("consumer", p.Consumer))),
            "{event}", "Events in a consumer's sequences, their heads included");
        meter.CreateObservableGauge("eventapp.sequences.oldest.age", () => (_reading?.Parked ?? []).Select(p =>
                new Measurement<double>(p.OldestSeconds, Tag("consumer", p.Consumer))),
            "s", "Age of the oldest event parked in a consumer's sequences");
    }

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);

    private IEnumerable<ProjectionState> AsyncProjections() => (_reading?.Projections ?? [])
        .Where(p => p.Lifecycle == "async");

    private IEnumerable<Measurement<T>> Value<T>(Func<StoreReading, T> value) where T : struct =>
        _reading is { } reading ? [new Measurement<T>(value(reading))] : [];
}
