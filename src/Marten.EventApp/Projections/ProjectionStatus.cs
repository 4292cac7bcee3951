using JasperFx;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Wolverine;
using Wolverine.Runtime;

namespace Marten.EventApp.Projections;

public sealed record ShardError(string Category, string ExceptionType, string RootExceptionType, string Message,
    string Detail,
    long? EventSequence, string? EventType, DateTimeOffset OccurredAt);

public sealed record ProjectionState(
    string Name,
    string Kind,
    string Lifecycle,
    string? Shard,
    long? Position,
    long? LagEvents,
    double? LagSeconds,
    string State,
    ShardError? Error,
    int? Node,
    string? Rebuild);

public sealed record ProjectionsOverview(long HighWaterMark, int? ThisNode, IReadOnlyList<ProjectionState> Projections);

internal static class ProjectionStatusEndpoint
{
    public static async Task<ProjectionsOverview> Get(IDocumentStore store,
        Marten.Events.Daemon.Coordination.IProjectionCoordinator coordinator, IWolverineRuntime wolverine,
        ProjectionRebuilds rebuilds, EventAppOptions options, CancellationToken ct)
    {
        var projections = ((StoreOptions)store.Options).Projections;
        var schema = store.Options.DatabaseSchemaName;
        var distributed = options.Nodes == NodeMode.Distributed;
        await using var session = store.QuerySession();
        var shards = projections.AllShards();
        // one statement: Marten's AllProjectionProgress has the positions but not the oldest unapplied event's time;
        // the names go as one array parameter (cast to object), not as params
        var rows = await session.QueryAsync<ProgressRow>($"""
            with hwm as (select coalesce(max(last_seq_id), 0) as seq from {schema}.mt_event_progression
              where name = 'HighWaterMark')
            select jsonb_build_object('name', s.name, 'position', coalesce(p.last_seq_id, 0), 'highWaterMark', hwm.seq,
              'oldestPending', (extract(epoch from (select e.timestamp from {schema}.mt_events e
                                where e.seq_id > coalesce(p.last_seq_id, 0) and e.seq_id <= hwm.seq
                                order by e.seq_id limit 1)))::text)
            from unnest(?::text[]) as s(name) cross join hwm
              left join {schema}.mt_event_progression p on p.name = s.name
            """, ct, (object)shards.Select(s => s.Name.Identity).Append(ShardState.HighWaterMark).ToArray());
        var highWater = rows.First(r => r.Name == ShardState.HighWaterMark).HighWaterMark;
        var progress = rows.ToDictionary(r => r.Name);
        // several nodes: owners and pauses from Wolverine's records (a rebuild on one node pauses a shard everywhere)
        var owners = new Dictionary<string, int>();
        var paused = new HashSet<string>();
        if (distributed)
        {
            var (nodes, restrictions) = await wolverine.Storage.Nodes.LoadNodeAgentStateAsync(ct);
            foreach (var node in nodes)
            foreach (var agent in node.ActiveAgents)
                if (AgentKeyOf(agent) is { } key) owners[key] = node.AssignedNodeNumber;
            paused.UnionWith(restrictions.FindPausedAgentUris().Select(AgentKeyOf).OfType<string>());
        }

        var daemon = (await coordinator.AllDaemonsAsync()).FirstOrDefault();
        // one shard can be listed twice while its agent restarts (or a rebuild replaces it): the running one counts
        var agents = (daemon?.CurrentAgents() ?? []).GroupBy(a => a.Name.Identity)
            .ToDictionary(g => g.Key, g => g.OrderBy(a => a.Status == AgentStatus.Running ? 0 : 1).First());
        var now = DateTimeOffset.UtcNow;

        var states = new List<ProjectionState>();
        foreach (var source in projections.All.Where(p => p.Lifecycle == ProjectionLifecycle.Inline))
        {
            var rebuild = rebuilds.Running(source.Name);
            states.Add(new ProjectionState(source.Name, "projection", "inline", null, null, null, null,
                rebuild is null ? "inline" : "rebuilding", null, null, rebuild));
        }

        foreach (var shard in shards)
        {
            var identity = shard.Name.Identity;
            var name = shard.Name.Name;
            var row = progress.GetValueOrDefault(identity);
            var position = row?.Position ?? 0;
            agents.TryGetValue(identity, out var agent);
            int? node = owners.TryGetValue(AgentKey(shard.Name), out var n) ? n : null;
            var running = rebuilds.Running(name);
            var state = running is not null ? "rebuilding"
                : agent is { Status: AgentStatus.Paused } ? "paused"
                : agent is { Status: AgentStatus.Running } ? "running"
                : paused.Contains(AgentKey(shard.Name)) ? "paused"
                : distributed && node is not null
                    && node != wolverine.Options.Durability.AssignedNodeNumber ? "elsewhere"
                : "stopped";
            var failure = agent?.Failure;
            var error = failure is null ? null : new ShardError(failure.Category.ToString(), failure.ExceptionType,
                failure.RootExceptionType, failure.Message, failure.Detail,
                failure.Event?.Sequence, failure.Event?.EventTypeName, failure.OccurredAt);
            var kind = projections.All.Any(p => p.Name == name) ? "projection" : "subscription";
            states.Add(new ProjectionState(name, kind, "async", identity, position, Math.Max(0, highWater - position),
                row?.OldestSeconds() is { } oldest ? Math.Max(0,
                    (now - DateTimeOffset.UnixEpoch.AddSeconds(oldest)).TotalSeconds) : 0, state, error,
                distributed ? node : null, running));
        }

        return new ProjectionsOverview(highWater, distributed ? wolverine.Options.Durability.AssignedNodeNumber : null,
            states);
    }

    // a shard's agent in Wolverine's assignments: event-subscriptions://marten/main/{database}/{name}/{key}
    private static string AgentKey(ShardName shard) => $"/{shard.Name}/{shard.ShardKey}".ToLowerInvariant();

    private static string? AgentKeyOf(Uri agent)
    {
        var parts = agent.AbsolutePath.TrimEnd('/').Split('/');
        return parts.Length >= 2 ? $"/{parts[^2]}/{parts[^1]}".ToLowerInvariant() : null;
    }

    // OldestPending is epoch seconds as text: as a JSON date or number, jsonb now and then sent a value that
    // System.Text.Json refused (a 500 under load); text cannot fail the status, and a non-finite value reads as unknown
    private sealed record ProgressRow(string Name, long Position, long HighWaterMark, string? OldestPending)
    {
        public double? OldestSeconds() =>
            double.TryParse(OldestPending, System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out var s)
            && double.IsFinite(s) ? s : null;
    }
}
