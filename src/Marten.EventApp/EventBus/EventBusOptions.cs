namespace Marten.EventApp.EventBus;

/// <summary>The "EventApp:EventBus" section: names on the broker and the consumers' failure policy.</summary>
public sealed class EventBusOptions
{
    public const string Section = "EventApp:EventBus";

    /// <summary>
    /// The durable topic exchange every domain event is published to (routing key {EventType}.{aggregateId}).
    /// </summary>
    public string Exchange { get; set; } = "events";

    /// <summary>The durable queue other services send commands to.</summary>
    public string CommandQueue { get; set; } = "marten-eventapp.commands";

    /// <summary>A consumer's retries after a failure, then its message goes to the dead letters.</summary>
    public TimeSpan[] RetryDelays { get; set; } = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2),
        TimeSpan.FromSeconds(4)];

    /// <summary>
    /// How long a consumer's listener pauses on a transient failure (database or broker away) before it tries again.
    /// </summary>
    public TimeSpan TransientPause { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The most events a batched consumer (the activity log, the onboarding trigger) handles in one transaction.
    /// </summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>
    /// The most events one aggregate's sequence holds for a consumer (its dead letter's head and the events parked
    /// behind it); past it, the consumer's later events of that aggregate go to the dead letters unparked, with an alert.
    /// </summary>
    public int MaxParkedPerSequence { get; set; } = 10_000;

    /// <summary>How long a batched consumer waits for more events before it handles a batch that is not full.</summary>
    public TimeSpan BatchWait { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Broker-side dead letters, as the seed's <c>events.dlx</c>: when set, this topic exchange is declared with a
    /// queue of the same name bound to it, for a RabbitMQ policy to send what expires in (or is rejected by) the
    /// consumers' queues to (README, "Consumers, retries, dead letters"). Off by default: the service cannot replay
    /// what is there.
    /// </summary>
    public string? BrokerDeadLetterExchange { get; set; }

    /// <summary>
    /// Kafka brokers (host:port,...): when set, every event also goes to <see cref="KafkaTopic"/>, keyed by aggregate
    /// id.
    /// </summary>
    public string? KafkaBootstrapServers { get; set; }

    public string KafkaTopic { get; set; } = "domain-events";

    /// <summary>
    /// The largest message body a listener on the broker reads; a larger one goes to the dead letters unread.
    /// </summary>
    public int MaxMessageBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// The other nodes of the broker's cluster (host:port), beside the connection string's: every connection to the
    /// broker tries them in turn, and a connection that drops moves to a node still up.
    /// </summary>
    public string[] ClusterNodes { get; set; } = [];

    /// <summary>
    /// Declare the service's queues (the consumers', the command queue) as quorum queues, replicated across the
    /// cluster's nodes, so they and their messages outlive a node. An empty classic queue of the same name is replaced
    /// at start-up; one that holds messages stops the start (README, "A RabbitMQ cluster").
    /// </summary>
    public bool QuorumQueues { get; set; }

    public static EventBusOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var options = section.Get<EventBusOptions>() ?? new();
        options.RetryDelays = section.ArrayOr(nameof(RetryDelays), new EventBusOptions().RetryDelays);
        return options;
    }
}
