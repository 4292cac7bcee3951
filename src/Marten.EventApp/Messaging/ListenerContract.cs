using System.Text;
using RabbitMQ.Client;
using Wolverine;
using Wolverine.RabbitMQ;
using Wolverine.RabbitMQ.Internal;
using Wolverine.Runtime;

namespace Marten.EventApp.Messaging;

// Wolverine would handle any type it has a handler for on any listener and obey any reply address named.
// The type is read first and any type off the list refused before the body is read, dead-lettered under
// Refused's name, which no handler has, so a replay is refused again. Reply headers stay only for a
// Wolverine sender's own response queue, on a listener whose contract has replies.
internal sealed class ListenerContract(IRabbitMqEnvelopeMapper inner, string queue, Func<string, bool> accepted,
    string? acceptAs, bool replies) : IRabbitMqEnvelopeMapper
{
    public const string MessageTypeHeader = "message-type";

    // Wolverine's header names (EnvelopeConstants), read by the default mapper
    private static readonly string[] ReplyHeaders = ["reply-uri", "reply-requested", "ack-requested"];

    public static string Refused(string? type, string queue) =>
        $"refused: {Printable(type)} is not accepted on {queue}";

    public void MapEnvelopeToOutgoing(Envelope envelope, IBasicProperties outgoing) =>
        inner.MapEnvelopeToOutgoing(envelope, outgoing);

    public void MapIncomingToEnvelope(Envelope envelope, IReadOnlyBasicProperties incoming)
    {
        var props = new BasicProperties(incoming) { ReplyTo = null };
        if (props.Headers is { } headers)
        {
            var copy = new Dictionary<string, object?>(headers);
            if (!(replies && copy.TryGetValue("reply-uri", out var replyUri) && IsResponseQueue(Text(replyUri))))
                foreach (var header in ReplyHeaders) copy.Remove(header);
            props.Headers = copy;
        }

        inner.MapIncomingToEnvelope(envelope, props);

        var type = props.Type is { Length: > 0 } t ? t : Text(props.Headers is { } h
            && h.TryGetValue(MessageTypeHeader, out var named) ? named : null);
        envelope.MessageType = type is not null && accepted(type) ? acceptAs ?? type : Refused(type, queue);
        // the listener's serializer (with its size limit) reads every body, whatever content type a sender claims
        envelope.ContentType = "application/json";
    }

    internal static bool IsResponseQueue(string? uri)
    {
        const string prefix = "rabbitmq://queue/wolverine.response.";
        return uri is { Length: < 100 } && uri.StartsWith(prefix, StringComparison.Ordinal)
                                        && Guid.TryParse(uri.AsSpan(prefix.Length), out _);
    }

    private static string? Text(object? header) => header switch
    {
        byte[] bytes when bytes.Length <= MaxTypeLength => Encoding.UTF8.GetString(bytes),
        byte[] => new string('?', MaxTypeLength + 1),
        string s => s.Length <= MaxTypeLength ? s : new string('?', MaxTypeLength + 1),
        _ => null
    };

    private const int MaxTypeLength = 200;

    private static string Printable(string? type) => type switch
    {
        null or "" => "(no type)",
        { Length: > MaxTypeLength } => type[..MaxTypeLength] + "…",
        _ => new string(type.Select(c => char.IsControl(c) ? '?' : c).ToArray())
    };
}

public static class ListenerContracts
{
    public static RabbitMqListenerConfiguration AcceptOnly(this RabbitMqListenerConfiguration listener, string queue,
        Func<IWolverineRuntime, Func<string, bool>> accepted, Type? acceptAs = null, bool replies = false) =>
        listener.UseInterop((runtime, endpoint) =>
            new ListenerContract(new RabbitMqEnvelopeMapper(endpoint, runtime), queue,
            accepted(runtime),
            acceptAs is null ? null : Wolverine.Util.WolverineMessageNaming.ToMessageTypeName(acceptAs), replies));
}
