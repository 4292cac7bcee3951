using System.Text;
using System.Text.Json;
using JasperFx.Events;
using Marten.EventApp.Contracts.Users;
using Marten.EventApp.EventBus;
using Marten.EventApp.Users;

namespace Marten.EventApp.Tests.EventBus;

public sealed class the_wire_format
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid UserId = Guid.NewGuid();

    private static WireFormat Wire()
    {
        var wire = new WireFormat();
        UsersConfiguration.OnTheWire(wire);
        return wire;
    }

    private static IEvent Stored<T>(T data, long version) where T : notnull => new Event<T>(data)
    {
        Id = Guid.NewGuid(), StreamId = UserId, Version = version, Timestamp = At, AggregateTypeName = "user",
        CorrelationId = "corr", CausationId = "cause"
    };

    private static string[] Keys(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToArray();

    [Fact]
    public void each_user_event_travels_under_the_seeds_name_with_its_data_in_the_seeds_order()
    {
        var wire = Wire();
        var registered = wire.Envelope(Stored(new UserRegistered(UserId, "ada@example.com", "Ada", "Lovelace", "web",
            "en-GB", true, At), 1));
        var updated = wire.Envelope(Stored(new UserProfileUpdated(UserId,
            new Dictionary<string, string?> { ["lastName"] = "King" },
            new Dictionary<string, string?> { ["lastName"] = "Lovelace" }, At), 2));
        var deactivated = wire.Envelope(Stored(new UserDeactivated(UserId, "left", "admin", At), 3));

        Assert.Equal(("UserRegistered", UserId, 1L, 2, At),
            (registered.EventType, registered.AggregateId, registered.AggregateVersion, registered.EventVersion,
            registered.OccurredOn));
        // the seed's four keys in its order, then what version 2 added
        Assert.Equal(["email", "firstName", "lastName", "registrationSource", "locale", "marketingConsent"],
            Keys(registered.EventData));
        Assert.Equal(["ada@example.com", "Ada", "Lovelace", "web", "en-GB"],
            registered.EventData.EnumerateObject().Take(5).Select(p => p.Value.GetString()));
        Assert.True(registered.EventData.GetProperty("marketingConsent").GetBoolean());
        Assert.Equal("UserProfileUpdated", updated.EventType);
        Assert.Equal(["updatedFields", "previousValues"], Keys(updated.EventData));
        Assert.Equal("King", updated.EventData.GetProperty("updatedFields").GetProperty("lastName").GetString());
        Assert.Equal("UserDeactivated", deactivated.EventType);
        Assert.Equal(["reason", "deactivatedBy"], Keys(deactivated.EventData));
        Assert.Equal(("corr", "cause"), (deactivated.CorrelationId, deactivated.CausationId));
    }

    [Fact]
    public void an_event_type_nobody_mapped_travels_under_its_class_name_with_all_its_data()
    {
        var envelope = Wire().Envelope(Stored(new SomethingElse(7, "x"), 4));
        Assert.Equal("SomethingElse", envelope.EventType);
        Assert.Equal(["count", "label"], Keys(envelope.EventData));
    }

    [Fact]
    public void a_kafka_record_is_keyed_by_aggregate_id_with_the_seeds_headers_and_the_envelope_as_value()
    {
        var stored = Stored(new UserDeactivated(UserId, "left", "admin", At), 3);
        var envelope = Wire().Envelope(stored);

        var record = KafkaWire.Record(stored, envelope);

        Assert.Equal(UserId.ToString(), record.Key);
        Assert.Equal(At.UtcDateTime, record.Timestamp.UtcDateTime);
        Assert.Equal(["event-type=UserDeactivated", "aggregate-type=user", "event-version=1"],
            record.Headers.Select(h => $"{h.Key}={Encoding.UTF8.GetString(h.GetValueBytes())}"));
        using var value = JsonDocument.Parse(record.Value);
        Assert.Equal(["eventId", "eventType", "aggregateId", "aggregateVersion", "eventVersion", "occurredOn",
            "eventData", "correlationId", "causationId"],
            Keys(value.RootElement));
        Assert.Equal(envelope.EventId, value.RootElement.GetProperty("eventId").GetGuid());
    }

    private sealed record SomethingElse(int Count, string Label);
}
