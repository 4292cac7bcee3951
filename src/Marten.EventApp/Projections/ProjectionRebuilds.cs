using System.Collections.Concurrent;
using System.Diagnostics;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;

namespace Marten.EventApp.Projections;

/// <summary>
/// A rebuild and how far it got. <c>Unit</c> is <c>events</c> for an async projection (positions in the event log, up to
/// the high-water mark when it started) and <c>streams</c> for an inline one (rebuilt stream by stream).
/// </summary>
public sealed record RebuildStatus(
    Guid Id,
    string Projection,
    string State,
    string Unit,
    long Done,
    long Total,
    double? PerSecond,
    double? EtaSeconds,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string? Error);

/// <summary>
/// Runs projection rebuilds in the background, one at a time per projection, and keeps their progress. Async
/// projections are rebuilt by the daemon (their data torn down, then replayed); readers meanwhile see the numbers
/// grow back. An inline projection is rebuilt in place, stream by stream, each stream's row locked while its document
/// is replaced: readers always find a document, the unique email index keeps holding, and an append to that stream
/// waits instead of being overwritten by an older state.
/// </summary>
public sealed class ProjectionRebuilds(IDocumentStore store, Marten.Events.Daemon.Coordination.IProjectionCoordinator coordinator, IHostApplicationLifetime lifetime,
    ILogger<ProjectionRebuilds> logger)
{
    private const int StreamsPerTransaction = 200;
    private readonly ConcurrentDictionary<string, Run> _running = new();
    private readonly ConcurrentDictionary<Guid, Run> _runs = new();

    /// <summary>The id of the rebuild of this projection that is running, if one is.</summary>
    public string? Running(string projection) => _running.TryGetValue(projection, out var run) ? run.Id.ToString() : null;

    public RebuildStatus? Find(Guid id) => _runs.TryGetValue(id, out var run) ? run.Status() : null;

    /// <summary>Starts a rebuild; null with the running one when this projection is being rebuilt already.</summary>
    public async Task<(RebuildStatus? Started, RebuildStatus? AlreadyRunning)> StartAsync(IProjectionSource<IDocumentOperations, IQuerySession> source)
    {
        var inline = source.Lifecycle == ProjectionLifecycle.Inline;
        var daemon = inline ? null : await DaemonAsync();
        var run = new Run(source.Name, inline ? "streams" : "events");
        if (!_running.TryAdd(source.Name, run))
            return _running.TryGetValue(source.Name, out var other) ? (null, other.Status()) : await StartAsync(source); // it just ended
        _runs[run.Id] = run;
        foreach (var old in _runs.Values.Where(r => r.FinishedAt is not null).OrderByDescending(r => r.StartedAt).Skip(50))
            _runs.TryRemove(old.Id, out _);

        _ = Task.Run(async () =>
        {
            try
            {
                if (inline) await RebuildInPlaceAsync(source, run, lifetime.ApplicationStopping);
                else await RebuildAsync(daemon!, source, run, lifetime.ApplicationStopping);
                run.Finish(null);
                logger.LogInformation("Rebuilt projection {Projection}: {Done} {Unit} in {Seconds:0.0} s", run.Projection, run.Done, run.Unit,
                    run.Elapsed.TotalSeconds);
            }
            catch (Exception e)
            {
                run.Finish(e.Message);
                logger.LogError(e, "The rebuild of projection {Projection} failed", run.Projection);
            }
            finally
            {
                _running.TryRemove(source.Name, out _);
            }
        });
        return (run.Status(), null);
    }

    /// <summary>The daemon of this node; several nodes spread the shards, so a rebuild must run where they are.</summary>
    private async Task<IProjectionDaemon> DaemonAsync() =>
        (await coordinator.AllDaemonsAsync()).FirstOrDefault()
        ?? throw new InvalidOperationException("No projection daemon runs on this node.");

    private async Task RebuildAsync(IProjectionDaemon daemon, IProjectionSource<IDocumentOperations, IQuerySession> source, Run run,
        CancellationToken ct)
    {
        var shards = source.Shards().Select(s => s.Name.Identity).ToHashSet();
        run.Total = Math.Max(daemon.HighWaterMark(), await HighWaterMarkAsync(ct));
        // the daemon reports each page it commits while rebuilding: that is the progress
        using var progress = daemon.Tracker.Subscribe(new Observer(state =>
        {
            if (state.Mode == ShardMode.rebuilding && shards.Contains(state.ShardName)) run.Done = Math.Max(run.Done, state.Sequence);
        }));
        await daemon.RebuildProjectionAsync(source.Name, TimeSpan.FromMinutes(30), ct);
        run.Done = run.Total;
        // the daemon leaves a rebuilt shard stopped
        foreach (var shard in shards) await daemon.StartAgentAsync(shard, ct);
    }

    private async Task<long> HighWaterMarkAsync(CancellationToken ct) =>
        await store.Advanced.ProjectionProgressFor(ShardName.HighWaterMarkFor(), token: ct);

    private async Task RebuildInPlaceAsync(IProjectionSource<IDocumentOperations, IQuerySession> source, Run run, CancellationToken ct)
    {
        var document = source.PublishedTypes().Single();
        var rebuild = typeof(ProjectionRebuilds).GetMethod(nameof(RebuildStreamsAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .MakeGenericMethod(document);
        await (Task)rebuild.Invoke(this, [run, ct])!;
    }

    private async Task RebuildStreamsAsync<TDocument>(Run run, CancellationToken ct) where TDocument : class
    {
        var streams = $"{store.Options.DatabaseSchemaName}.mt_streams";
        await using (var count = store.QuerySession())
            run.Total = (await count.QueryAsync<long>($"select count(*) from {streams}", ct)).Single();

        var after = Guid.Empty;
        while (true)
        {
            await using var session = store.LightweightSession();
            await session.BeginTransactionAsync(ct);
            // locked until this transaction commits: an append to one of these streams waits for its new document
            var ids = await session.QueryAsync<Guid>(
                $"select id from {streams} where id > ? order by id limit {StreamsPerTransaction} for update", ct, after);
            if (ids.Count == 0) return;
            foreach (var id in ids)
            {
                // a stream of another kind projects to nothing here
                if (await session.Events.AggregateStreamAsync<TDocument>(id, token: ct) is { } rebuilt) session.Store(rebuilt);
            }

            await session.SaveChangesAsync(ct);
            after = ids[^1];
            run.Done += ids.Count;
        }
    }

    private sealed class Observer(Action<ShardState> next) : IObserver<ShardState>
    {
        public void OnCompleted() { }
        public void OnError(Exception error) { }
        public void OnNext(ShardState value) => next(value);
    }

    private sealed class Run(string projection, string unit)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private string? _error;
        public Guid Id { get; } = Guid.CreateVersion7();
        public string Projection { get; } = projection;
        public string Unit { get; } = unit;
        public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
        public DateTimeOffset? FinishedAt { get; private set; }
        public long Done { get; set; }
        public long Total { get; set; }
        public TimeSpan Elapsed => _clock.Elapsed;

        public void Finish(string? error)
        {
            _clock.Stop();
            _error = error;
            FinishedAt = DateTimeOffset.UtcNow;
        }

        public RebuildStatus Status()
        {
            var seconds = _clock.Elapsed.TotalSeconds;
            double? rate = seconds > 0 && Done > 0 ? Done / seconds : null;
            double? eta = FinishedAt is null && rate is > 0 ? Math.Max(0, Total - Done) / rate : null;
            var state = FinishedAt is null ? "running" : _error is null ? "completed" : "failed";
            return new RebuildStatus(Id, Projection, state, Unit, Done, Total, rate, eta, StartedAt, FinishedAt, _error);
        }
    }
}
