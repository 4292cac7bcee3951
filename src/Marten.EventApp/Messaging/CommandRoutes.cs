using System.Text;
using Marten.EventApp.EventBus;
using Wolverine;
using Wolverine.RabbitMQ;

namespace Marten.EventApp.Messaging;

/// <summary>
/// The one place that decides where commands travel, with or without a broker. Features name their commands; they
/// all arrive on the command queue (<see cref="EventBusOptions.CommandQueue"/>). With RabbitMQ the service listens
/// there (other Wolverine services send there; plain AMQP clients too, with the command's short name in the AMQP
/// <c>type</c> property or a <c>message-type</c> header and a camelCase JSON body) and its own sends go there too;
/// without one, the same commands go through a durable local queue of that name.
/// </summary>
public static class CommandRoutes
{
    public const string MessageTypeHeader = "message-type";

    public static WebApplicationBuilder ReceiveCommands(this WebApplicationBuilder builder, params Type[] commands)
    {
        var queue = EventBusOptions.From(builder.Configuration).CommandQueue;
        var broker = Broker.From(builder.Configuration);
        builder.Services.ConfigureWolverine(opts =>
        {
            foreach (var command in commands)
            {
                opts.RegisterMessageType(command, command.Name);
                if (broker.IsConfigured) opts.PublishMessage(command).ToRabbitQueue(queue);
                else opts.PublishMessage(command).ToLocalQueue(queue);
            }

            if (broker.IsConfigured)
                opts.ListenToRabbitQueue(queue)
                    .DefaultSerializer(WireJson.Serializer())
                    .UseInterop((_, mapper) => mapper.MapIncomingProperty(e => e.MessageType!, (e, props) =>
                    {
                        // Wolverine senders and the AMQP type property name the command; else the message-type header
                        if (!string.IsNullOrEmpty(props.Type)) e.MessageType = props.Type;
                        else if (props.Headers?.TryGetValue(MessageTypeHeader, out var raw) == true)
                            e.MessageType = raw is byte[] bytes ? Encoding.UTF8.GetString(bytes) : raw?.ToString();
                    }));
        });
        return builder;
    }
}
