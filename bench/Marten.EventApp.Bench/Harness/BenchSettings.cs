namespace Marten.EventApp.Bench.Harness;

/// <summary>
/// What a run measures and for how long. <see cref="Smoke"/> is the seconds-long run the test suite makes.
/// </summary>
public sealed record BenchSettings
{
    public required string ConnectionString { get; init; }
    public required string RepoRoot { get; init; }
    /// <summary>RabbitMQ for the bus scenario (6); without it that scenario reports that it did not run.</summary>
    public Uri? RabbitMq { get; init; }
    /// <summary>
    /// rabbitmqctl for that broker (the wrapper scripts/provision.sh writes), for the broker outage (F2).
    /// </summary>
    public string? RabbitMqCtl { get; init; } =
        Environment.GetEnvironmentVariable("EVENTAPP_RABBITMQCTL") is { Length: > 0 } ctl ? ctl : null;
    /// <summary>
    /// The folder of a three-node RabbitMQ cluster scripts/provision.sh started (n1..n3, each with its amqp URI and
    /// rabbit.pid), for the broker node's loss (F5).
    /// </summary>
    public string? RabbitMqCluster { get; init; } =
        Environment.GetEnvironmentVariable("EVENTAPP_RABBITMQ_CLUSTER") is { Length: > 0 } dir ? dir : null;
    public string CommandLine { get; init; } = "./bench.sh";
    public string SchemaPrefix { get; init; } = "bench";
    /// <summary>Scenario ids to run ("1a", "4"...); empty runs all.</summary>
    public IReadOnlyList<string> Only { get; init; } = [];
    public string? ServiceDll { get; init; }
    /// <summary>Where the table is written between its markers; null prints it only.</summary>
    public string? OutputFile { get; init; }

    // a freshly started process needs this long on 2 busy cores to reach its tier-1 JIT code
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);
    public int Writers { get; init; } = 16;
    public int HttpClients { get; init; } = 32;
    public int UpdateUsers { get; init; } = 1_000;
    public IReadOnlyList<int> AggregateSizes { get; init; } = [10, 1_000, 10_000];
    public IReadOnlyList<int> SearchSizes { get; init; } = [10_000, 100_000, 1_000_000];
    public int ReadModelUsers { get; init; } = 1_000;
    public int FeedEvents { get; init; } = 20_000;
    /// <summary>Events the bus scenario writes and waits to see on the exchange.</summary>
    public int BusEvents { get; init; } = 10_000;
    /// <summary>Events in the sequence the replay scenario (6r) parks and runs again.</summary>
    public int SequenceEvents { get; init; } = 10_000;
    /// <summary>Events per second the bus capacity scenario (6b) offers, for <see cref="Duration"/>.</summary>
    public int BusRate { get; init; } = 2_500;
    /// <summary>Events the projection rebuild scenario (7) imports and rebuilds every async projection over.</summary>
    public int RebuildEvents { get; init; } = 1_000_000;
    /// <summary>
    /// How long the sustained pipeline scenario (9) writes registrations over HTTP with onboarding on.
    /// </summary>
    public TimeSpan Sustained { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>
    /// Orders per second the timeout scenario (9t) places beside row 2's load, each ending in its timeout.
    /// </summary>
    public int TimeoutRate { get; init; } = 25;
    /// <summary>
    /// Registrations per second the fault suite writes: a rate the pipeline (onboarding included) keeps up with.
    /// </summary>
    public int FaultRate { get; init; } = 40;
    /// <summary>stop|start for the PostgreSQL scripts/provision.sh started, for the database outage (F3).</summary>
    public string? PostgresCtl { get; init; } =
        Environment.GetEnvironmentVariable("EVENTAPP_PGCTL") is { Length: > 0 } pg ? pg : null;
    /// <summary>
    /// Samples per sequential measurement (loads, searches, feed pages), after as many warm-up calls.
    /// </summary>
    public int Samples { get; init; } = 300;

    /// <summary>
    /// The fault scenarios (F…) run only when named (./faults.sh): they stop servers, they measure no speed.
    /// </summary>
    public bool Selected(string id) =>
        Only.Count == 0 ? !IsFault(id) : Only.Any(o => id.Equals(o, StringComparison.OrdinalIgnoreCase)
                                                       || id.StartsWith(o, StringComparison.OrdinalIgnoreCase));

    public static bool IsFault(string id) => id.StartsWith('F');

    public static BenchSettings Smoke(string connectionString, string repoRoot, Uri? rabbitMq = null) => new()
    {
        ConnectionString = connectionString,
        RepoRoot = repoRoot,
        RabbitMq = rabbitMq,
        BusEvents = 200,
        BusRate = 250,
        SequenceEvents = 300,
        RebuildEvents = 2_000,
        CommandLine = "smoke",
        SchemaPrefix = "benchsmoke",
        Warmup = TimeSpan.FromMilliseconds(200),
        Duration = TimeSpan.FromSeconds(1),
        Writers = 4,
        HttpClients = 4,
        UpdateUsers = 20,
        AggregateSizes = [10, 200],
        SearchSizes = [100, 300],
        ReadModelUsers = 20,
        FeedEvents = 300,
        Sustained = TimeSpan.FromSeconds(2),
        TimeoutRate = 5,
        FaultRate = 20,
        Samples = 10
    };

    /// <summary>The folder holding Marten.EventApp.sln, searched upwards from <paramref name="start"/>.</summary>
    public static string FindRepoRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Marten.EventApp.sln"))) return dir.FullName;
        }

        return Directory.GetCurrentDirectory();
    }
}
