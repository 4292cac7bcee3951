using Alba;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Users;

namespace Marten.EventApp.IntegrationTests.EventBus;

// RabbitMQ refuses to declare a queue again with other arguments (the seed's: events.dlx and a TTL); broker-side
// dead letters come from a policy instead, which changes no declaration.
[Collection(OwnHostsCollection.Name)]
public sealed class when_a_consumer_queue_changes_its_arguments : IAsyncLifetime
{
    private const string Queue = UserActivityHandler.Queue;
    private readonly string _schema = "eventapp_qargs_" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _exchange = "events-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _dlx = "events.dlx-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _policy = "test-dlx-" + Guid.NewGuid().ToString("N")[..8];
    private Uri _broker = null!;
    private RawAmqp _amqp = null!;

    public async Task InitializeAsync()
    {
        _broker = await TestBroker.Uri();
        _amqp = await RawAmqp.ConnectAsync(_broker);
        await _amqp.DeleteQueueAsync(Queue);
    }

    private Task<IAlbaHost> Service() =>
        TestHost.StartAsync(_schema, broker: _broker, settings: new Dictionary<string, string>
    {
        ["EventApp:EventBus:Exchange"] = _exchange,
        ["EventApp:EventBus:BrokerDeadLetterExchange"] = _dlx
    });

    private Task<bool> DeclaredAsTheSeedDoes() => _amqp.DeclareQueueAsync(Queue, new Dictionary<string, object?>
    {
        ["x-dead-letter-exchange"] = "events.dlx",
        ["x-dead-letter-routing-key"] = $"{Queue}.failed",
        ["x-message-ttl"] = 24 * 60 * 60 * 1000
    });

    [Fact]
    public async Task an_empty_queue_is_replaced_and_its_consumer_keeps_working()
    {
        Assert.True(await DeclaredAsTheSeedDoes());

        await using var service = await Service();

        Assert.True(await _amqp.DeclareQueueAsync(Queue), "the queue still has the seed's arguments");
        var user = await service.RegisteredUser();
        Assert.Equal("UserRegistered", Assert.Single(await service.ActivityOf(user.Id)).EventType);
    }

    [Fact]
    public async Task a_queue_holding_messages_stops_start_up_and_keeps_them()
    {
        Assert.True(await DeclaredAsTheSeedDoes());
        await _amqp.SendAsync(Queue, "{}", Guid.NewGuid().ToString());

        var failure = await Assert.ThrowsAnyAsync<Exception>(Service);

        var refusal = Flatten(failure).OfType<InvalidOperationException>().First(e => e.Message.Contains($"'{Queue}'"));
        Assert.Contains("holds 1 message", refusal.Message);
        Assert.False(await _amqp.DeclareQueueAsync(Queue), "the queue lost its arguments");
        Assert.NotNull(await _amqp.NextAsync(Queue, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task with_a_policy_an_event_that_waits_too_long_goes_to_the_dead_letter_exchange()
    {
        // the service declares the dead-letter exchange and its queue; the operator's policy sends expired events there
        await (await Service()).DisposeAsync();
        await TestBroker.ControlAsync("set_policy", _policy, $"^{Queue.Replace(".", "\\.")}$",
            $$"""{"dead-letter-exchange":"{{_dlx}}","message-ttl":500}""", "--apply-to", "queues");
        var id = Guid.NewGuid().ToString();

        await _amqp.SendAsync(Queue, "{}", id);

        var dead = await _amqp.NextAsync(_dlx, TimeSpan.FromSeconds(30));
        Assert.Equal(id, dead.BasicProperties.MessageId);
    }

    [Fact]
    public async Task a_binding_the_consumer_no_longer_has_is_removed_at_start_up()
    {
        // as a version that logged onboarding's outcome from the bus bound it
        await _amqp.BindDurableQueueAsync(_exchange, Queue, "OnboardingCompleted.*");

        await (await Service()).DisposeAsync();

        // with the service stopped, what the exchange routes to the queue stays there
        await _amqp.PublishAsync(_exchange, $"OnboardingCompleted.{Guid.NewGuid()}", "{}", "OnboardingCompleted");
        await _amqp.PublishAsync(_exchange, $"UserRegistered.{Guid.NewGuid()}", "{}", "UserRegistered");
        Assert.StartsWith("UserRegistered.", (await _amqp.NextAsync(Queue, TimeSpan.FromSeconds(10))).RoutingKey);
        Assert.Null(await _amqp.TryNextAsync(Queue));
    }

    private static IEnumerable<Exception> Flatten(Exception e) =>
        e is AggregateException a ? a.InnerExceptions.SelectMany(Flatten)
        : e.InnerException is { } inner ? [e, ..Flatten(inner)] : [e];

    public async Task DisposeAsync()
    {
        try { await TestBroker.ControlAsync("clear_policy", _policy); }
        catch (InvalidOperationException) { /* only the policy test sets it */ }
        // the next host finds the queue as a fresh broker has it: absent
        await _amqp.DeleteQueueAsync(Queue);
        await _amqp.DeleteQueueAsync(_dlx);
        await _amqp.DeleteExchangeAsync(_dlx);
        await _amqp.DeleteExchangeAsync(_exchange);
        await _amqp.DisposeAsync();
        await TestDatabase.DropSchemaAsync(_schema);
    }
}
