namespace Marten.EventApp.Bench.Harness;

// Smoke is the seconds-long run the test suite makes.
public sealed record BenchSettings
{
    public required string ConnectionString { get; init; }
    public required string RepoRoot { get; init; }
    // without it the bus scenario reports that it did not run
    public Uri? RabbitMq { get; init; }
    public string? RabbitMqCtl { get; init; } =
        Environment.GetEnvironmentVariable("EVENTAPP_RABBITMQCTL") is { Length: > 0 } ctl ? ctl : null;
    // the three-node cluster scripts/provision.sh started (n1..n3, each with its amqp URI and rabbit.pid)
    public string? RabbitMqCluster { get; init; } =
        Environment.GetEnvironmentVariable("EVENTAPP_RABBITMQ_CLUSTER") is { Length: > 0 } dir ? dir : null;
    public string CommandLine { get; init; } = "./bench.sh";
    public string SchemaPrefix { get; init; } = "bench";
    // empty runs all
    public IReadOnlyList<string> Only { get; init; } = [];
    public string? ServiceDll { get; init; }
    public string? OutputFile { get; init; }

    // a freshly started process needs this long on busy cores to reach its tier-1 JIT code
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);
    public int Writers { get; init; } = 16;
    public int HttpClients { get; init; } = 32;
    public int UpdateUsers { get; init; } = 1_000;
    public IReadOnlyList<int> AggregateSizes { get; init; } = [10, 1_000, 10_000];
    public IReadOnlyList<int> SearchSizes { get; init; } = [10_000, 100_000, 1_000_000];
    public int ReadModelUsers { get; init; } = 1_000;
    public int FeedEvents { get; init; } = 20_000;
    public int BusEvents { get; init; } = 10_000;
    public int SequenceEvents { get; init; } = 10_000;
    // an open-loop offered rate, for Duration
    public int BusRate { get; init; } = 2_500;
    public int RebuildEvents { get; init; } = 1_000_000;
    // row 10: the store the console's pages read
    public int ConsoleEvents { get; init; } = 1_000_000;
    public int ConsoleSagas { get; init; } = 100_000;
    public int ConsoleDeadLetters { get; init; } = 10_000;
    public TimeSpan Sustained { get; init; } = TimeSpan.FromSeconds(60);
    // each order placed beside row 2's load ends in its timeout
    public int TimeoutRate { get; init; } = 25;
    // a rate the pipeline, onboarding included, keeps up with
    public int FaultRate { get; init; } = 40;
    public string? PostgresCtl { get; init; } =
        Environment.GetEnvironmentVariable("EVENTAPP_PGCTL") is { Length: > 0 } pg ? pg : null;
    // per sequential measurement, after as many warm-up calls
    public int Samples { get; init; } = 300;

    // The fault scenarios (F…) run only when named: they stop servers and measure no speed.
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
        ConsoleEvents = 2_000,
        ConsoleSagas = 200,
        ConsoleDeadLetters = 50,
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

    public static string FindRepoRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Marten.EventApp.sln"))) return dir.FullName;
        }

        return Directory.GetCurrentDirectory();
    }
}
