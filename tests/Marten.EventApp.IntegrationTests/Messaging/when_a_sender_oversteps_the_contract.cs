using System.Diagnostics;
using System.Text.Json;
using Alba;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Messaging;
using Marten.EventApp.Users;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Wolverine.Persistence.Durability;
using Wolverine.Persistence.Durability.DeadLetterManagement;

namespace Marten.EventApp.IntegrationTests.Messaging;

// each attempt is refused and, where it reached the service, kept in the dead letters with its reason
[Collection(OwnHostsCollection.Name)]
public sealed class when_a_sender_oversteps_the_contract : IAsyncLifetime
{
    private const int MaxMessageBytes = 64 * 1024;
    private readonly string _schema = "eventapp_contract_" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _exchange = "events-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _commands = "commands-" + Guid.NewGuid().ToString("N")[..8];
    private Uri _broker = null!;
    private IAlbaHost _service = null!;
    private RawAmqp _amqp = null!;
    private string _everything = "";

    public async Task InitializeAsync()
    {
        _broker = await TestBroker.Uri();
        _amqp = await RawAmqp.ConnectAsync(_broker);
        _everything = await _amqp.BindQueueAsync(_exchange, "#");
        _service = await TestHost.StartAsync(_schema, broker: _broker, settings: new Dictionary<string, string>
        {
            ["EventApp:EventBus:Exchange"] = _exchange,
            ["EventApp:EventBus:CommandQueue"] = _commands,
            ["EventApp:EventBus:MaxMessageBytes"] = MaxMessageBytes.ToString()
        });
    }

    private IDeadLetters DeadLetters => _service.Services.GetRequiredService<IMessageStore>().DeadLetters;

    private Task<DeadLetterEnvelope> DeadLetter(Guid messageId, Func<DeadLetterEnvelope, bool>? condition = null) =>
        Tracking.Eventually(async () =>
            (await DeadLetters.QueryAsync(new DeadLetterEnvelopeQuery { MessageIds = [messageId] },
                CancellationToken.None))
            .Envelopes.SingleOrDefault(d => condition?.Invoke(d) ?? true));

    private async Task<BasicGetResult> NextFor(Guid aggregateId)
    {
        while (true)
        {
            var message = await _amqp.NextAsync(_everything);
            if (RawAmqp.Text(message.BasicProperties.Headers?["aggregate-id"]) == aggregateId.ToString())
                return message;
        }
    }

    [Theory]
    [InlineData("EraseUser")]
    [InlineData("Marten.EventApp.Users.EraseUser")]
    [InlineData("ForceOnboardingCompensation")]
    [InlineData("Marten.EventApp.Onboarding.OnboardingStepDone")]
    [InlineData("StartOrderProcess")]
    [InlineData("PaymentSucceeded")]
    [InlineData("EventEnvelope")]
    [InlineData("CompleteErasure")]
    public async Task an_internal_message_is_refused_unread_and_dead_lettered_with_its_reason_even_when_replayed(
        string type)
    {
        var user = await _service.RegisteredUser();
        var messageId = Guid.NewGuid();

        var body = JsonSerializer.Serialize(new
        {
            userId = user.Id, orderId = user.Id, erasedBy = "anyone", reason = "x", step = "welcome_email"
        });
        await _amqp.SendAsync(_commands, body, messageId.ToString(), type: type);

        var dead = await DeadLetter(messageId);
        Assert.Equal($"refused: {type} is not accepted on {_commands}", dead.MessageType);
        Assert.Null(dead.Message);
        Assert.Contains(type, dead.ExceptionMessage);

        await DeadLetters.ReplayAsync(new DeadLetterEnvelopeQuery { MessageIds = [messageId] }, CancellationToken.None);
        var again = await DeadLetter(messageId,
            d => !d.Replayable && (d.ReplayCount > 0 || d.FailedAt > dead.FailedAt));
        Assert.Equal(dead.MessageType, again.MessageType);
        var details = await _service.UserDetails(user.Id);
        Assert.Equal((true, 1L), (details.ErasedAt is null, details.Version));
    }

    [Fact]
    public async Task a_reply_address_of_the_senders_choosing_gets_nothing_and_is_not_declared()
    {
        var bystander = "bystander-" + Guid.NewGuid().ToString("N")[..8];
        await _amqp.DeclareQueueAsync(bystander);
        var missing = "made-up-" + Guid.NewGuid().ToString("N")[..8];
        var registered = new List<Guid>();
        foreach (var target in new[] { $"rabbitmq://queue/{bystander}", $"rabbitmq://queue/{missing}",
            $"rabbitmq://exchange/{missing}" })
        {
            var id = Guid.CreateVersion7();
            registered.Add(id);
            var body = JsonSerializer.Serialize(new
            {
                userId = id, email = UserScenarios.UniqueEmail("reply"), firstName = "Re", lastName = "Ply"
            });
            await _amqp.SendAsync(_commands, body, Guid.NewGuid().ToString(), type: "RegisterUser",
                headers: new Dictionary<string, object?>
                {
                    ["reply-uri"] = target,
                    ["reply-requested"] = "CommandOutcome",
                    ["ack-requested"] = "true"
                });
        }

        // each took effect (its event is on the exchange, after the transaction a reply would have been sent in)
        var seen = new HashSet<Guid>();
        while (!registered.All(seen.Contains))
        {
            var message = await _amqp.NextAsync(_everything);
            if (message.BasicProperties.Type == "UserRegistered")
                seen.Add(Guid.Parse(RawAmqp.Text(message.BasicProperties.Headers?["aggregate-id"])));
        }
        Assert.Null(await _amqp.TryNextAsync(bystander));
        Assert.False(await _amqp.ExistsAsync(queue: missing));
        Assert.False(await _amqp.ExistsAsync(exchange: missing));
    }

    [Fact]
    public async Task a_body_over_the_limit_is_dead_lettered_unread()
    {
        var messageId = Guid.NewGuid();
        var body = JsonSerializer.Serialize(new
        {
            userId = Guid.CreateVersion7(), email = "a@b.c", firstName = new string('x', MaxMessageBytes),
            lastName = "L"
        });

        await _amqp.SendAsync(_commands, body, messageId.ToString(), type: "RegisterUser");

        var dead = await DeadLetter(messageId);
        Assert.Equal(typeof(MessageTooLargeException).FullName, dead.ExceptionType);
        Assert.Contains($"limit of {MaxMessageBytes}", dead.ExceptionMessage);
    }

    [Fact]
    public async Task a_pathological_email_over_the_queue_is_refused_at_once()
    {
        var id = Guid.CreateVersion7();
        var clock = Stopwatch.StartNew();

        // under the size limit, the backtracking pattern's worst case
        await _amqp.SendAsync(_commands,
            $$"""{"userId":"{{id}}","email":"a@{{new string('.', 60_000)}}@","firstName":"A","lastName":"B"}""",
            Guid.NewGuid().ToString(), type: "RegisterUser");

        var rejected = await NextFor(id);
        clock.Stop();
        Assert.Equal("CommandRejected", rejected.BasicProperties.Type);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task a_sender_with_the_documented_permissions_reaches_the_command_queue_and_nothing_else()
    {
        var user = "sender-" + Guid.NewGuid().ToString("N")[..8];
        await TestBroker.ControlAsync("add_user", user, "sender-password");
        try
        {
            // README, "Security": write on the commands exchange only; no configure, no read
            await TestBroker.ControlAsync("set_permissions", "-p", "/", user,
                "^$", $"^{_commands.Replace(".", "\\.")}$", "^$");
            var sender = new UriBuilder(_broker) { UserName = user, Password = "sender-password" }.Uri;
            await using var amqp = await RawAmqp.ConnectAsync(sender);
            var id = Guid.CreateVersion7();

            var registration = JsonSerializer.Serialize(new
            {
                userId = id, email = UserScenarios.UniqueEmail("perm"), firstName = "Pe", lastName = "Rm"
            });
            await amqp.PublishAsync(_commands, "", registration, type: "RegisterUser");
            Assert.Equal("UserRegistered", (await NextFor(id)).BasicProperties.Type);

            // a forged event, straight onto a consumer's queue or onto the event exchange: the broker refuses both
            var forged = JsonSerializer.Serialize(new
            {
                eventId = Guid.NewGuid(), eventType = "UserRegistered", aggregateId = Guid.NewGuid(),
                eventData = new { }
            });
            var toQueue = await Assert.ThrowsAnyAsync<Exception>(() =>
                amqp.PublishAsync("", UserActivityHandler.Queue, forged, type: "UserRegistered"));
            Assert.Contains("ACCESS_REFUSED", toQueue.ToString());
            var toExchange = await Assert.ThrowsAnyAsync<Exception>(() =>
                amqp.PublishAsync(_exchange, "UserRegistered.x", forged, type: "UserRegistered"));
            Assert.Contains("ACCESS_REFUSED", toExchange.ToString());
        }
        finally
        {
            await TestBroker.ControlAsync("delete_user", user);
        }
    }

    [Fact]
    public async Task a_message_that_is_not_an_event_on_a_consumers_queue_is_refused()
    {
        var messageId = Guid.NewGuid();

        await _amqp.SendAsync(UserActivityHandler.Queue, "{}", messageId.ToString(), type: "DeactivateUser");

        var dead = await DeadLetter(messageId);
        Assert.Equal($"refused: DeactivateUser is not accepted on {UserActivityHandler.Queue}", dead.MessageType);
    }

    public async Task DisposeAsync()
    {
        await _amqp.DisposeAsync();
        await _service.DisposeAsync();
        await TestDatabase.DropSchemaAsync(_schema);
    }
}
