using System.Text;
using System.Text.Json;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.EventBus;
using RabbitMQ.Client;
using Wolverine;

namespace Marten.EventApp.Tests.EventBus;

public sealed class the_event_wire_mapper
{
    private static readonly EventEnvelope Rejected = new(Guid.NewGuid(), EventBusNames.CommandRejected, Guid.NewGuid(),
        3, 1,
        new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero),
        JsonSerializer.SerializeToElement(new { commandType = "RegisterUser" }),
        "corr", "cause");

    private static Envelope FromOutbox(EventEnvelope e) => new()
    {
        // as Wolverine loads an outgoing envelope from storage after a restart: the body, no message object
        Data = JsonSerializer.SerializeToUtf8Bytes(e, WireJson.Options),
        MessageType = typeof(EventEnvelope).FullName
    };

    [Fact]
    public void an_envelope_recovered_from_the_outbox_is_mapped_from_its_body()
    {
        var props = new BasicProperties();

        new EventWireMapper().MapEnvelopeToOutgoing(FromOutbox(Rejected), props);

        Assert.Equal(Rejected.EventId.ToString(), props.MessageId);
        Assert.Equal(EventBusNames.CommandRejected, props.Type);
        Assert.Equal(Rejected.AggregateId.ToString(), props.Headers!["aggregate-id"]);
        Assert.Equal(3L, props.Headers["aggregate-version"]);
        Assert.Equal(Rejected.OccurredOn.ToUnixTimeSeconds(), props.Timestamp.UnixTime);
    }

    [Fact]
    public void an_envelope_with_neither_message_nor_body_is_refused()
    {
        var ex = Assert.ThrowsAny<Exception>(() =>
            new EventWireMapper().MapEnvelopeToOutgoing(new Envelope { MessageType = "other" }, new BasicProperties()));
        Assert.Contains("other", ex.Message);
    }
}
