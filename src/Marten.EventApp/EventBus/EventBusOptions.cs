namespace Marten.EventApp.EventBus;

public sealed class EventBusOptions
{
    public const string Section = "EventApp:EventBus";

    public string Exchange { get; set; } = "events";

    public string CommandQueue { get; set; } = "marten-eventapp.commands";

    public TimeSpan[] RetryDelays { get; set; } = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2),
        TimeSpan.FromSeconds(4)];

    public TimeSpan TransientPause { get; set; } = TimeSpan.FromSeconds(5);

    public int BatchSize { get; set; } = 100;

    // a full sequence takes no more: later events of that aggregate go to the dead letters unparked, with an alert
    public int MaxParkedPerSequence { get; set; } = 10_000;

    public TimeSpan BatchWait { get; set; } = TimeSpan.FromMilliseconds(100);

    // off by default: the service cannot replay what lands there (README, "Consumers, retries, dead letters")
    public string? BrokerDeadLetterExchange { get; set; }

    public string? KafkaBootstrapServers { get; set; }

    public string KafkaTopic { get; set; } = "domain-events";

    public int MaxMessageBytes { get; set; } = 256 * 1024;

    public string[] ClusterNodes { get; set; } = [];

    // replicated across the cluster, so the queues and their messages outlive a node (README, "A RabbitMQ cluster")
    public bool QuorumQueues { get; set; }

    public static EventBusOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var options = section.Get<EventBusOptions>() ?? new();
        options.RetryDelays = section.ArrayOr(nameof(RetryDelays), new EventBusOptions().RetryDelays);
        return options;
    }
}
