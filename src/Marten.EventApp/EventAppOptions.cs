using JasperFx.CodeGeneration;

namespace Marten.EventApp;

public sealed class EventAppOptions
{
    public const string Section = "EventApp";

    public string SchemaName { get; set; } = "eventapp";

    public NodeMode Nodes { get; set; } = NodeMode.Solo;

    // Dynamic needs the WolverineFx.RuntimeCompilation package
    public TypeLoadMode TypeLoadMode { get; set; } = TypeLoadMode.Dynamic;

    public TimeSpan DaemonPolling { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan NodeHeartbeat { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    // each count scans the inbox, handled messages included; Wolverine's default period cost too much (BENCHMARKS.md)
    public TimeSpan MessageStoreMetricsPeriod { get; set; } = TimeSpan.FromMinutes(1);

    // how late a saga's timeout may fire: Wolverine's default let timeouts fire seconds late (BENCHMARKS.md, 9t)
    public TimeSpan ScheduledJobPolling { get; set; } = TimeSpan.FromMilliseconds(500);

    // recovers a delivery a live node lost when the database went away under a batch (RELIABILITY.md, F3); a message
    // handled twice changes nothing: consumers key their writes by the event's id, and a saga records a repeat
    public TimeSpan InboxStaleTime { get; set; } = TimeSpan.FromMinutes(1);

    public bool ApplySchemaOnStartup { get; set; } = true;

    public static EventAppOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<EventAppOptions>() ?? new();
}

public enum NodeMode
{
    Solo,
    Distributed
}
