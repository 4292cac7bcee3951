using JasperFx.CodeGeneration;

namespace Marten.EventApp;

/// <summary>The "EventApp" section of appsettings.json; environment variables override it
/// (EventApp__SchemaName).</summary>
public sealed class EventAppOptions
{
    public const string Section = "EventApp";

    /// <summary>PostgreSQL schema for Marten documents, events and Wolverine's envelope tables.</summary>
    public string SchemaName { get; set; } = "eventapp";

    /// <summary>Solo: this node runs every async projection. Distributed: Wolverine spreads them across
    /// nodes.</summary>
    public NodeMode Nodes { get; set; } = NodeMode.Solo;

    /// <summary>Dynamic compiles handlers at start-up (needs WolverineFx.RuntimeCompilation); Static uses
    /// `codegen write` output.</summary>
    public TypeLoadMode TypeLoadMode { get; set; } = TypeLoadMode.Dynamic;

    /// <summary>How often the async daemon looks for new events while busy (4× that when idle).</summary>
    public TimeSpan DaemonPolling { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Several nodes: how often each node writes its heartbeat, and the leader checks the others and reassigns what a
    /// dead one ran. A few small statements per node each time (README, "Several nodes").
    /// </summary>
    public TimeSpan NodeHeartbeat { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Several nodes: a node whose last heartbeat is older than this is taken for dead and its projections
    /// move.</summary>
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often Wolverine counts its inbox, outbox and dead letters for its metrics. Each count scans the inbox, which
    /// keeps handled messages for de-duplication: 300 ms a count under row 2's load, every 5 s by Wolverine's default.
    /// </summary>
    public TimeSpan MessageStoreMetricsPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often each node looks for scheduled messages that are due (sagas' timeouts): how late a timeout may fire.
    /// A small indexed query each time; Wolverine's default of 5 s let timeouts fire seconds late (BENCHMARKS.md, 9t).
    /// </summary>
    public TimeSpan ScheduledJobPolling { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// An inbox message still waiting this long is released for any node to handle again: the way back for a message
    /// whose delivery this live node lost when the database went away under a batch (RELIABILITY.md, F3). Wolverine
    /// restarts the clock of the messages a node still holds, so only a lost one is released; should one be handled
    /// twice, the second changes nothing (consumers key what they write by the event's id, a saga records a repeat).
    /// </summary>
    public TimeSpan InboxStaleTime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Create or update the schema (tables, indexes, extensions) when the service starts.</summary>
    public bool ApplySchemaOnStartup { get; set; } = true;

    public static EventAppOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<EventAppOptions>() ?? new();
}

public enum NodeMode
{
    Solo,
    Distributed
}
