using System.Text.Json;
using Alba;
using Marten.EventApp.IntegrationTests.Users;
using Marten.EventApp.Users;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using Wolverine.Persistence.Durability;
using Wolverine.Persistence.Durability.DeadLetterManagement;

namespace Marten.EventApp.IntegrationTests.EventBus;

// read and written by a plain AMQP client: the seed's wire contract out, commands in from any language
[Collection(OwnHostsCollection.Name)]
public sealed class when_events_go_out_on_the_bus : IAsyncLifetime
{
    private readonly string _schema = "eventapp_bus_" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _exchange = "events-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _commands = "commands-" + Guid.NewGuid().ToString("N")[..8];
    private IAlbaHost _service = null!;
    private RawAmqp _amqp = null!;
    private string _everything = "";

    public async Task InitializeAsync()
    {
        var broker = await TestBroker.Uri();
        _amqp = await RawAmqp.ConnectAsync(broker);
        _everything = await _amqp.BindQueueAsync(_exchange, "#");
        _service = await TestHost.StartAsync(_schema, broker: broker, settings: new Dictionary<string, string>
        {
            ["EventApp:EventBus:Exchange"] = _exchange,
            ["EventApp:EventBus:CommandQueue"] = _commands
        });
    }

    private async Task<BasicGetResult> NextFor(Guid aggregateId)
    {
        while (true)
        {
            var message = await _amqp.NextAsync(_everything);
            if (RawAmqp.Text(message.BasicProperties.Headers?["aggregate-id"]) == aggregateId.ToString())
                return message;
        }
    }

    private static string[] Keys(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToArray();

    [Fact]
    public async Task readiness_checks_the_broker_too()
    {
        var ready = await _service.GetAsJson<JsonElement>("/health/ready");
        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("rabbitmq").GetProperty("status").GetString());
    }

    [Fact]
    public async Task a_registration_is_one_message_in_the_seeds_wire_format()
    {
        var email = UserScenarios.UniqueEmail("wire");
        var result = await _service.Scenario(x =>
        {
            x.Post.Json(new { email, firstName = "Wi", lastName = "Re", registrationSource = "web", locale = "ja-JP",
                marketingConsent = true }).ToUrl("/api/users");
            x.WithRequestHeader("X-Correlation-ID", "corr-bus");
            x.StatusCodeShouldBe(201);
        });
        var id = (await result.ReadAsJsonAsync<UserVersion>())!.Id;
        var stored = Assert.Single(await _service.StoredEvents(id));

        var message = await NextFor(id);

        Assert.Equal($"UserRegistered.{id}", message.RoutingKey);
        var props = message.BasicProperties;
        Assert.Equal(stored.EventId.ToString(), props.MessageId);
        Assert.Equal(DeliveryModes.Persistent, props.DeliveryMode);
        Assert.Equal("application/json", props.ContentType);
        Assert.Equal("UserRegistered", props.Type);
        Assert.Equal(stored.Timestamp.ToUnixTimeSeconds(), props.Timestamp.UnixTime);
        var headers = props.Headers!;
        Assert.Equal(("UserRegistered", id.ToString(), "1", "2", "corr-bus"), (RawAmqp.Text(headers["event-type"]),
            RawAmqp.Text(headers["aggregate-id"]), RawAmqp.Text(headers["aggregate-version"]),
            RawAmqp.Text(headers["event-version"]),
            RawAmqp.Text(headers["correlation-id"])));

        using var body = JsonDocument.Parse(message.Body);
        var envelope = body.RootElement;
        Assert.Equal(["eventId", "eventType", "aggregateId", "aggregateVersion", "eventVersion", "occurredOn",
            "eventData", "correlationId", "causationId"],
            Keys(envelope));
        Assert.Equal(stored.EventId, envelope.GetProperty("eventId").GetGuid());
        Assert.Equal(("UserRegistered", id, 1, 2),
            (envelope.GetProperty("eventType").GetString(), envelope.GetProperty("aggregateId").GetGuid(),
            envelope.GetProperty("aggregateVersion").GetInt64(), envelope.GetProperty("eventVersion").GetInt32()));
        Assert.Equal(stored.Timestamp, envelope.GetProperty("occurredOn").GetDateTimeOffset());
        var data = envelope.GetProperty("eventData");
        // the seed's EventFactory passes Object.values(eventData) to the constructor by position: its keys first, in
        // its order; version 2's after them
        Assert.Equal(["email", "firstName", "lastName", "registrationSource", "locale", "marketingConsent"],
            Keys(data));
        Assert.Equal([email, "Wi", "Re", "web", "ja-JP"],
            data.EnumerateObject().Take(5).Select(p => p.Value.GetString()));
        Assert.True(data.GetProperty("marketingConsent").GetBoolean());
    }

    [Fact]
    public async Task a_users_events_arrive_in_version_order_and_feed_the_activity_log()
    {
        var user = await _service.RegisteredUser(lastName: "Byron");
        await _service.Scenario(x => x.Patch.Json(new { lastName = "Lovelace" }).ToUrl($"/api/users/{user.Id}"));
        await _service.Deactivated(user.Id, "moved away");

        var messages = new[] { await NextFor(user.Id), await NextFor(user.Id), await NextFor(user.Id) };

        Assert.Equal(["UserRegistered", "UserProfileUpdated", "UserDeactivated"],
            messages.Select(m => m.BasicProperties.Type));
        var bodies = messages.Select(m => JsonDocument.Parse(m.Body).RootElement).ToArray();
        Assert.Equal([1L, 2L, 3L], bodies.Select(b => b.GetProperty("aggregateVersion").GetInt64()));
        Assert.Equal(["updatedFields", "previousValues"], Keys(bodies[1].GetProperty("eventData")));
        Assert.Equal("Lovelace",
            bodies[1].GetProperty("eventData").GetProperty("updatedFields").GetProperty("lastName").GetString());
        Assert.Equal(["reason", "deactivatedBy"], Keys(bodies[2].GetProperty("eventData")));
        Assert.Equal($"UserDeactivated.{user.Id}", messages[2].RoutingKey);

        var activity = await _service.ActivityOf(user.Id, 3);
        Assert.Equal(["UserRegistered", "UserProfileUpdated", "UserDeactivated"], activity.Select(a => a.EventType));
        Assert.Equal("Deactivated: moved away", activity[2].Summary);
    }

    [Fact]
    public async Task a_plain_amqp_client_sends_commands_by_type_or_header_and_one_message_id_has_one_effect()
    {
        var id = Guid.CreateVersion7();
        var email = UserScenarios.UniqueEmail("amqp");
        var registration = JsonSerializer.Serialize(new
        {
            userId = id, email, firstName = "Am", lastName = "Qp", registrationSource = "amqp"
        });
        var messageId = Guid.NewGuid().ToString();

        await _amqp.SendAsync(_commands, registration, messageId, type: "RegisterUser");
        await _amqp.SendAsync(_commands, registration, messageId, type: "RegisterUser");
        Assert.Equal("UserRegistered", (await NextFor(id)).BasicProperties.Type);
        await _amqp.SendAsync(_commands, $$"""{"userId":"{{id}}","reason":"done","deactivatedBy":"amqp"}""",
            Guid.NewGuid().ToString(),
            headers: new Dictionary<string, object?> { ["message-type"] = "DeactivateUser" });
        Assert.Equal("UserDeactivated", (await NextFor(id)).BasicProperties.Type);

        Assert.Equal(["user_registered", "user_deactivated"],
            (await _service.StoredEvents(id)).Select(e => e.EventType));
        Assert.Equal("amqp", (await _service.UserDetails(id)).RegistrationSource);
    }

    [Fact]
    public async Task a_refused_command_from_the_queue_is_announced_as_command_rejected()
    {
        var unknown = Guid.CreateVersion7();
        var messageId = Guid.NewGuid().ToString();

        await _amqp.SendAsync(_commands, $$"""{"userId":"{{unknown}}","reason":"x","deactivatedBy":"amqp"}""",
            messageId, type: "DeactivateUser");

        var message = await NextFor(unknown);
        Assert.Equal($"CommandRejected.{unknown}", message.RoutingKey);
        var data = JsonDocument.Parse(message.Body).RootElement.GetProperty("eventData");
        Assert.Equal((messageId, "DeactivateUser", "NotFound", "User was not found"),
            (data.GetProperty("commandId").GetString(),
            data.GetProperty("commandType").GetString(), data.GetProperty("kind").GetString(), data.GetProperty("title")
                .GetString()));
    }

    [Theory]
    [InlineData("RegisterUser", "{not json")]
    [InlineData("NoSuchCommand", "{}")]
    public async Task an_unreadable_command_goes_to_the_dead_letters_at_once(string type, string body)
    {
        var messageId = Guid.NewGuid();

        await _amqp.SendAsync(_commands, body, messageId.ToString(), type: type);

        var deadLetters = _service.Services.GetRequiredService<IMessageStore>().DeadLetters;
        var dead = await Tracking.Eventually(async () =>
            (await deadLetters.QueryAsync(new DeadLetterEnvelopeQuery { MessageIds = [messageId] },
                CancellationToken.None)).Envelopes.SingleOrDefault());
        Assert.InRange(dead.Envelope.Attempts, 0, 1); // no retries
        Assert.False(string.IsNullOrEmpty(dead.ExceptionType), "the dead letter keeps its reason");
    }

    public async Task DisposeAsync()
    {
        await _amqp.DisposeAsync();
        await _service.DisposeAsync();
        await TestDatabase.DropSchemaAsync(_schema);
    }
}
