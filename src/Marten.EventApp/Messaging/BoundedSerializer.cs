using Wolverine;
using Wolverine.Runtime.Serialization;

namespace Marten.EventApp.Messaging;

/// <summary>
/// A listener's JSON serializer that refuses a body over the size limit before parsing it: the message goes to the dead
/// letters at once with <see cref="MessageTooLargeException"/>, as any unreadable message does.
/// </summary>
internal sealed class BoundedSerializer(IMessageSerializer inner, int maxBytes) : IMessageSerializer
{
    public string ContentType => inner.ContentType;

    public byte[] Write(Envelope envelope) => inner.Write(envelope);

    public byte[] WriteMessage(object message) => inner.WriteMessage(message);

    public object ReadFromData(Type messageType, Envelope envelope)
    {
        Check(envelope.Data?.Length ?? 0);
        return inner.ReadFromData(messageType, envelope);
    }

    public object ReadFromData(byte[] data)
    {
        Check(data.Length);
        return inner.ReadFromData(data);
    }

    private void Check(int length)
    {
        if (length > maxBytes) throw new MessageTooLargeException(length, maxBytes);
    }
}

public sealed class MessageTooLargeException(int length, int maxBytes)
    : Exception($"The message body has {length} bytes, more than the limit of {maxBytes} (EventApp:EventBus:MaxMessageBytes)");
