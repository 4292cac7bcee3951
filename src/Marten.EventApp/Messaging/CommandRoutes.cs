using Marten.EventApp.EventBus;
using Wolverine;
using Wolverine.RabbitMQ;
using Wolverine.Util;

namespace Marten.EventApp.Messaging;

public static class CommandRoutes
{
    public sealed record AcceptedCommand(Type Type);

    public static WebApplicationBuilder ReceiveCommands(this WebApplicationBuilder builder, params Type[] commands)
    {
        var bus = EventBusOptions.From(builder.Configuration);
        var queue = bus.CommandQueue;
        var broker = Broker.From(builder.Configuration);
        foreach (var command in commands) builder.Services.AddSingleton(new AcceptedCommand(command));
        builder.Services.ConfigureWolverine(opts =>
        {
            foreach (var command in commands)
            {
                opts.RegisterMessageType(command, command.Name);
                if (broker.IsConfigured) opts.PublishMessage(command).ToRabbitQueue(queue);
                else opts.PublishMessage(command).ToLocalQueue(queue);
            }

            if (!broker.IsConfigured) return;
            // senders get an exchange that reaches this queue only: a permission to write to it (README, "Security")
            // lets them send commands and nothing else, where the default exchange reaches every queue
            opts.ConfigureRabbitMq().DeclareExchange(queue, e => e.ExchangeType = ExchangeType.Fanout);
            opts.ListenToRabbitQueue(queue, q => q.BindExchange(queue))
                .DefaultSerializer(new BoundedSerializer(WireJson.Serializer(), bus.MaxMessageBytes))
                .AcceptOnly(queue, AcceptedNames, replies: true);
        });
        return builder;
    }

    private static Func<string, bool> AcceptedNames(Wolverine.Runtime.IWolverineRuntime runtime) =>
        runtime.Services.GetServices<AcceptedCommand>()
            .SelectMany(c => new[] { c.Type.Name, c.Type.FullName!, c.Type.ToMessageTypeName() })
            .ToHashSet(StringComparer.Ordinal).Contains;
}
