using System.Collections.Concurrent;
using System.Diagnostics;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Wolverine;
using Wolverine.Runtime;
using Wolverine.Runtime.Agents;

namespace Marten.EventApp.Projections;

// Unit: events for an async projection (up to the high-water mark when it started), streams for an inline one
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

// An inline projection is rebuilt in place with each stream's row locked, so readers always find a document, the
// unique email index holds, and an append waits instead of being overwritten by an older state. With several nodes
// the async projection's agents are paused across the cluster so that no node projects into data being torn down.
public sealed class ProjectionRebuilds(IDocumentStore store,
    Marten.Events.Daemon.Coordination.IProjectionCoordinator coordinator, IHostApplicationLifetime lifetime,
    EventAppOptions options, IServiceProvider services, ILogger<ProjectionRebuilds> logger)
{
    public const string ClusterLockScope = "eventapp projection rebuild";

    private static readonly TimeSpan ProgressPoll = TimeSpan.FromMilliseconds(250);
    private const int StreamsPerTransaction = 200;
    private readonly ConcurrentDictionary<string, Run> _running = new();
    private readonly ConcurrentDictionary<Guid, Run> _runs = new();

    public string? Running(string projection) =>
        _running.TryGetValue(projection, out var run) ? run.Id.ToString() : null;

    public RebuildStatus? Find(Guid id) => _runs.TryGetValue(id, out var run) ? run.Status() : null;

    public async Task<(RebuildStatus? Started, RebuildStatus? AlreadyRunning)> StartAsync(
        IProjectionSource<IDocumentOperations, IQuerySession> source)
    {
        var inline = source.Lifecycle == ProjectionLifecycle.Inline;
        var cluster = options.Nodes == NodeMode.Distributed;
        var daemon = inline || cluster ? null : await DaemonAsync();
        var run = new Run(source.Name, inline ? "streams" : "events");
        if (!_running.TryAdd(source.Name, run))
            return _running.TryGetValue(source.Name, out var other) ? (null,
                other.Status()) : await StartAsync(source); // it just ended
        Npgsql.NpgsqlConnection? clusterLock = null;
        if (cluster && (clusterLock = await ClusterLockAsync(source.Name)) is null)
        {
            _running.TryRemove(source.Name, out _);
            throw new RebuildRunningElsewhereException(source.Name);
        }

        _runs[run.Id] = run;
        foreach (var old in _runs.Values.Where(r => r.FinishedAt is not null).OrderByDescending(r =>
            r.StartedAt).Skip(50))
            _runs.TryRemove(old.Id, out _);

        _ = Task.Run(async () =>
        {
            try
            {
                if (inline) await RebuildInPlaceAsync(source, run, lifetime.ApplicationStopping);
                else if (cluster) await RebuildAcrossNodesAsync(source, run, lifetime.ApplicationStopping);
                else await RebuildAsync(daemon!, source, run, lifetime.ApplicationStopping);
                run.Finish(null);
                logger.LogInformation("Rebuilt projection {Projection}: {Done} {Unit} in {Seconds:0.0} s",
                    run.Projection, run.Done, run.Unit,
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
                if (clusterLock is not null) await ReleaseAsync(clusterLock);
            }
        });
        return (run.Status(), null);
    }

    // a session lock on a held connection: released also when this node dies mid-way
    private async Task<Npgsql.NpgsqlConnection?> ClusterLockAsync(string projection)
    {
        var connection = store.Storage.Database.CreateConnection();
        try
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand(
                "select pg_try_advisory_lock(hashtext($1), hashtext($2))", connection);
            command.Parameters.AddWithValue(ClusterLockScope);
            command.Parameters.AddWithValue($"{store.Options.DatabaseSchemaName}.{projection}");
            if (await command.ExecuteScalarAsync() is true) return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        await connection.DisposeAsync();
        return null;
    }

    private async Task ReleaseAsync(Npgsql.NpgsqlConnection connection)
    {
        try
        {
            await using var unlock = new Npgsql.NpgsqlCommand("select pg_advisory_unlock_all()", connection);
            await unlock.ExecuteNonQueryAsync();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not release a projection rebuild's lock; it goes with its connection");
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }

    private async Task<IProjectionDaemon> DaemonAsync() =>
        (await coordinator.AllDaemonsAsync()).FirstOrDefault()
        ?? throw new InvalidOperationException("No projection daemon runs on this node.");

    private async Task RebuildAsync(IProjectionDaemon daemon,
        IProjectionSource<IDocumentOperations, IQuerySession> source, Run run,
        CancellationToken ct)
    {
        var shards = source.Shards().Select(s => s.Name.Identity).ToHashSet();
        run.Total = Math.Max(daemon.HighWaterMark(), await HighWaterMarkAsync(ct));
        using var progress = daemon.Tracker.Subscribe(new Observer(state =>
        {
            if (state.Mode == ShardMode.rebuilding && shards.Contains(state.ShardName)) run.Done = Math.Max(run.Done,
                state.Sequence);
        }));
        await daemon.RebuildProjectionAsync(source.Name, TimeSpan.FromMinutes(30), ct);
        run.Done = run.Total;
        // the daemon leaves a rebuilt shard stopped
        foreach (var shard in shards) await daemon.StartAgentAsync(shard, ct);
    }

    private async Task RebuildAcrossNodesAsync(IProjectionSource<IDocumentOperations, IQuerySession> source, Run run,
        CancellationToken ct)
    {
        var family = services.GetRequiredService<IEventSubscriptionAgentFamily>();
        var agents = services.GetRequiredService<IWolverineRuntime>().Agents;
        var shards = source.Shards().Select(s => s.Name).ToList();
        var uris = new List<Uri>();
        foreach (var shard in shards)
            uris.Add(await family.FindAgentUriAsync(shard.Identity, null, ct)
                     ?? throw new InvalidOperationException($"Wolverine knows no agent for {shard.Identity}."));
        run.Total = await HighWaterMarkAsync(ct);

        await agents.ApplyRestrictionsAsync(Restrictions(uris, AgentRestrictionType.Paused), ct);
        try
        {
            // no daemon handle here before the rebuild builds one: progress comes from the progression rows
            using var polling = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var progress = Task.Run(async () =>
            {
                // until a position reads below where it stood, it is the previous run's
                var before = await PositionAsync(shards, polling.Token);
                var reset = before == 0;
                while (!polling.IsCancellationRequested)
                {
                    await Task.Delay(ProgressPoll, polling.Token);
                    var position = await PositionAsync(shards, polling.Token);
                    reset |= position < before;
                    if (reset) run.Done = Math.Max(run.Done, position);
                }
            }, polling.Token);
            try
            {
                if (!await family.TryRebuildRegisteredProjectionAsync(shards[0].Identity, null, ct))
                    throw new InvalidOperationException(
                        $"Wolverine found no registered projection {source.Name} to rebuild.");
            }
            finally
            {
                await polling.CancelAsync();
                try { await progress; } catch (OperationCanceledException) { }
            }

            run.Done = run.Total;
        }
        finally
        {
            // lifted after a failure too: the agents go on from what the rebuild committed, as Wolverine's do
            await agents.ApplyRestrictionsAsync(Restrictions(uris, AgentRestrictionType.None), CancellationToken.None);
        }
    }

    private async Task<long> PositionAsync(IEnumerable<ShardName> shards, CancellationToken ct)
    {
        long least = long.MaxValue;
        foreach (var shard in shards) least = Math.Min(least,
            await store.Advanced.ProjectionProgressFor(shard, token: ct));
        return least;
    }

    private static AgentRestrictions Restrictions(IEnumerable<Uri> agents, AgentRestrictionType type) =>
        new([.. agents.Select(uri => new AgentRestriction(Guid.NewGuid(), uri, type, 0))]);

    private async Task<long> HighWaterMarkAsync(CancellationToken ct) =>
        await store.Advanced.ProjectionProgressFor(ShardName.HighWaterMarkFor(), token: ct);

    private async Task RebuildInPlaceAsync(IProjectionSource<IDocumentOperations, IQuerySession> source, Run run,
        CancellationToken ct)
    {
        var document = source.PublishedTypes().Single();
        var rebuild = typeof(ProjectionRebuilds)
            .GetMethod(nameof(RebuildStreamsAsync),
            System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
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
                $"select id from {streams} where id > ? order by id limit {StreamsPerTransaction} for update",
                ct, after);
            if (ids.Count == 0) return;
            foreach (var id in ids)
            {
                // not RebuildSingleStreamAsync: it throws on a stream of another kind (orders share mt_streams) and
                // saves each stream alone, one transaction per stream instead of per page
                if (await session.Events.AggregateStreamAsync<TDocument>(id,
                    token: ct) is { } rebuilt) session.Store(rebuilt);
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
            return new RebuildStatus(Id, Projection, state, Unit, Done, Total, rate, eta, StartedAt, FinishedAt,
                _error);
        }
    }
}

/// <summary>Another node is rebuilding this projection.</summary>
public sealed class RebuildRunningElsewhereException(string projection)
    : Exception($"Projection {projection} is being rebuilt on another node; its status is on that node.");
