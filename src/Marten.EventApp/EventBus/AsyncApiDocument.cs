using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;
using Marten.EventApp.Contracts.Commands;
using Marten.EventApp.Contracts.Events;
using Marten.EventApp.Messaging;
using Microsoft.Extensions.Options;

namespace Marten.EventApp.EventBus;

internal static class AsyncApiDocument
{
    public const string Path = "/asyncapi/v1.json";
    private const string AmqpBinding = "0.3.0";

    // published but never stored, so its data type lives only here
    private sealed record CommandRejectedData(string? CommandId, string CommandType, RejectionKind Kind, string Title,
        string? Detail, IReadOnlyDictionary<string, string[]>? Errors, long? CurrentVersion);

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet(Path, (IOptions<WireFormat> wire, EventBusOptions options,
                    IEnumerable<CommandRoutes.AcceptedCommand> commands) =>
                Results.Text(Build(wire.Value, options, commands.Select(c => c.Type)).ToJsonString(),
                    "application/json"))
            .AllowAnonymous().ExcludeFromDescription();

    public static JsonObject Build(WireFormat wire, EventBusOptions options, IEnumerable<Type> commands)
    {
        var events = wire.Mapped.OrderBy(m => m.Name).Select(m => (m.Name, Data: m.DataType))
            .Append((Name: EventBusNames.CommandRejected, Data: typeof(CommandRejectedData))).ToList();
        var accepted = commands.Distinct().OrderBy(c => c.Name).ToList();
        var messages = new JsonObject();
        foreach (var (name, data) in events) messages[name] = EventMessage(name, data);
        foreach (var command in accepted) messages[command.Name] = CommandMessage(command);
        messages[nameof(CommandOutcome)] = new JsonObject
        {
            ["name"] = nameof(CommandOutcome),
            ["title"] = "A command's outcome",
            ["summary"] =
                "The stream and its version after the command, or why it was refused, for a sender that waits.",
            ["contentType"] = "application/json",
            ["payload"] = Schema(typeof(CommandOutcome))
        };

        return new JsonObject
        {
            ["asyncapi"] = "3.0.0",
            ["info"] = new JsonObject
            {
                ["title"] = "Marten.EventApp bus",
                ["version"] = "1.0.0",
                ["description"] = "Every stored event goes out on a RabbitMQ topic exchange in the seed's envelope; " +
                                  "other services send commands to the command queue."
            },
            ["defaultContentType"] = "application/json",
            ["servers"] = new JsonObject
            {
                ["broker"] = new JsonObject
                {
                    ["host"] = "{host}",
                    ["protocol"] = "amqp",
                    ["protocolVersion"] = "0.9.1",
                    ["description"] = "The RabbitMQ of ConnectionStrings:RabbitMq",
                    ["security"] = new JsonArray(Ref("#/components/securitySchemes/broker")),
                    ["variables"] = new JsonObject
                    {
                        ["host"] = new JsonObject { ["default"] = "localhost:5672", ["description"] = "host:port" }
                    }
                }
            },
            ["channels"] = new JsonObject
            {
                ["events"] = new JsonObject
                {
                    ["address"] = "{eventType}.{aggregateId}",
                    ["title"] = $"The topic exchange {options.Exchange}",
                    ["description"] = "Bind a queue with keys such as UserRegistered.* or #; one aggregate's events " +
                                      "are published in version order, at least once (de-duplicate by message_id).",
                    ["parameters"] = new JsonObject
                    {
                        ["eventType"] = new JsonObject
                        {
                            ["enum"] = new JsonArray(events.Select(e => (JsonNode)e.Name).ToArray()),
                            ["description"] = "The event's name, as in eventType"
                        },
                        ["aggregateId"] = new JsonObject { ["description"] = "The aggregate's id (a UUID)" }
                    },
                    ["messages"] = References(events.Select(e => e.Name)),
                    ["bindings"] = new JsonObject
                    {
                        ["amqp"] = new JsonObject
                        {
                            ["is"] = "routingKey",
                            ["exchange"] = new JsonObject
                            {
                                ["name"] = options.Exchange, ["type"] = "topic", ["durable"] = true,
                                ["autoDelete"] = false
                            },
                            ["bindingVersion"] = AmqpBinding
                        }
                    }
                },
                ["commands"] = new JsonObject
                {
                    ["address"] = options.CommandQueue,
                    ["title"] = $"The command queue {options.CommandQueue}",
                    ["description"] = "Reached through the fanout exchange of the same name. The AMQP type (or a " +
                                      "message-type header) names the command; any other type is refused unread.",
                    ["messages"] = References(accepted.Select(c => c.Name)),
                    ["bindings"] = new JsonObject
                    {
                        ["amqp"] = new JsonObject
                        {
                            ["is"] = "queue",
                            ["queue"] = new JsonObject
                            {
                                ["name"] = options.CommandQueue, ["durable"] = true, ["exclusive"] = false,
                                ["autoDelete"] = false
                            },
                            ["bindingVersion"] = AmqpBinding
                        }
                    }
                },
                // no address: each sender names its own
                ["replies"] = new JsonObject
                {
                    ["title"] = "A Wolverine sender's response queue",
                    ["description"] =
                        "Named by the command's reply-uri header (wolverine.response.*); replies go nowhere else.",
                    ["messages"] = References([nameof(CommandOutcome)])
                }
            },
            ["operations"] = new JsonObject
            {
                ["publishEvents"] = new JsonObject
                {
                    ["security"] = new JsonArray(Ref("#/components/securitySchemes/broker")),
                    ["action"] = "send",
                    ["title"] = "Publish every stored event",
                    ["summary"] = "The service publishes each stored event once its transaction committed.",
                    ["channel"] = Ref("#/channels/events"),
                    ["messages"] = OperationMessages("events", events.Select(e => e.Name))
                },
                ["receiveCommands"] = new JsonObject
                {
                    ["security"] = new JsonArray(Ref("#/components/securitySchemes/broker")),
                    ["action"] = "receive",
                    ["title"] = "Take commands from other services",
                    ["summary"] = "Each command is handled once per message_id; a refusal is a CommandOutcome, or a " +
                                  "CommandRejected event when nobody waits.",
                    ["channel"] = Ref("#/channels/commands"),
                    ["messages"] = OperationMessages("commands", accepted.Select(c => c.Name)),
                    ["reply"] = new JsonObject
                    {
                        ["address"] = new JsonObject { ["location"] = "$message.header#/reply-uri" },
                        ["channel"] = Ref("#/channels/replies"),
                        ["messages"] = OperationMessages("replies", [nameof(CommandOutcome)])
                    }
                }
            },
            ["components"] = new JsonObject
            {
                ["messages"] = messages,
                ["securitySchemes"] = new JsonObject
                {
                    ["broker"] = new JsonObject
                    {
                        ["type"] = "userPassword",
                        ["description"] = "A RabbitMQ user; a sender needs write access to the command exchange only"
                    }
                }
            }
        };
    }

    private static JsonObject EventMessage(string name, Type data)
    {
        var payload = Schema(typeof(EventEnvelope));
        payload["properties"]!["eventType"] = new JsonObject { ["const"] = name };
        payload["properties"]!["eventData"] = Schema(data);
        return new JsonObject
        {
            ["name"] = name,
            ["title"] = name,
            ["contentType"] = "application/json",
            ["headers"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["event-type"] = Text("The event's name"),
                    ["aggregate-id"] = Text("The aggregate's id"),
                    ["aggregate-version"] = new JsonObject { ["type"] = "integer" },
                    ["event-version"] = new JsonObject
                    {
                        ["type"] = "integer", ["description"] = "The data's schema version"
                    },
                    ["correlation-id"] = Text("The request's or message's correlation id"),
                    ["causation-id"] = Text("What caused the event"),
                    ["traceparent"] = Text("W3C trace context")
                }
            },
            ["payload"] = payload,
            ["bindings"] = new JsonObject
            {
                ["amqp"] = new JsonObject { ["messageType"] = name, ["bindingVersion"] = AmqpBinding }
            }
        };
    }

    private static JsonObject CommandMessage(Type command) => new()
    {
        ["name"] = command.Name,
        ["title"] = command.Name,
        ["contentType"] = "application/json",
        ["payload"] = Schema(command),
        ["bindings"] = new JsonObject
        {
            ["amqp"] = new JsonObject { ["messageType"] = command.Name, ["bindingVersion"] = AmqpBinding }
        }
    };

    // the wire's names and converters, with the reflection the exporter reads types through
    private static readonly JsonSerializerOptions SchemaOptions =
        new(WireJson.Options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    private static JsonObject Schema(Type type) =>
        (JsonObject)JsonSchemaExporter.GetJsonSchemaAsNode(SchemaOptions, type,
            new JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true });

    private static JsonObject Text(string description) => new() { ["type"] = "string", ["description"] = description };

    private static JsonObject Ref(string pointer) => new() { ["$ref"] = pointer };

    private static JsonObject References(IEnumerable<string> names) =>
        new(names.Select(n => KeyValuePair.Create(n, (JsonNode?)Ref($"#/components/messages/{n}"))));

    private static JsonArray OperationMessages(string channel, IEnumerable<string> names) =>
        new(names.Select(n => (JsonNode)Ref($"#/channels/{channel}/messages/{n}")).ToArray());
}
