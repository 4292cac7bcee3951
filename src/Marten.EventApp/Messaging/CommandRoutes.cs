using Wolverine;
using Wolverine.RabbitMQ;

namespace Marten.EventApp.Messaging;

/// <summary>
/// The one place that decides where commands travel, with or without a broker. A feature names its command queue
/// and the commands that go there: with RabbitMQ, the service listens on that queue (other services send there,
/// plain AMQP clients with the command's name in the AMQP <c>type</c> property) and its own sends go there too;
/// without one, the same commands go through a durable local queue of that name.
/// </summary>
public static class CommandRoutes
{
    public static WebApplicationBuilder ReceiveCommands(this WebApplicationBuilder builder, string queue, params Type[] commands)
    {
        var broker = Broker.From(builder.Configuration);
        builder.Services.ConfigureWolverine(opts =>
        {
            foreach (var command in commands)
            {
                // plain AMQP clients name the command by its short name
                opts.RegisterMessageType(command, command.Name);
                if (broker.IsConfigured) opts.PublishMessage(command).ToRabbitQueue(queue);
                else opts.PublishMessage(command).ToLocalQueue(queue);
            }

            if (broker.IsConfigured) opts.ListenToRabbitQueue(queue);
        });
        return builder;
    }
}
